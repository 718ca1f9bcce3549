\timing on
SELECT 42 AS answer;
\timing off
SELECT 'done' AS status;
