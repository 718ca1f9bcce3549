-- \watch reruns the query buffer until it fails; the division by zero
-- on the third run ends it (and, with ON_ERROR_STOP, psql).
CREATE SEQUENCE watched;
SELECT 10 / (3 - nextval('watched')) AS ticks \watch 0.05
