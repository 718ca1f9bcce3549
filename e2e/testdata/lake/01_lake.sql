-- Lake tables in psql: \d+ shows the access method and options, \dt+
-- lists it, and the conflux_lake_* views show files and snapshots.
CREATE TABLE events (id bigint NOT NULL, region text, amount numeric(10,2), ts timestamptz)
  WITH (format = 'lake', partition_by = 'region');
CREATE TABLE users (id bigint PRIMARY KEY, name text);
\d+ events
\dt+
BEGIN;
INSERT INTO events VALUES (1, 'eu', 10.50, '2026-01-01 10:00:00+00'), (2, 'us', 20.00, '2026-01-01 11:00:00+00');
INSERT INTO users VALUES (1, 'ann');
COMMIT;
\copy events from stdin
3	eu	5.25	2026-01-02 09:00:00+00
4	ap	1.00	2026-01-02 10:00:00+00
\.
SELECT region, count(*), sum(amount) FROM events GROUP BY region ORDER BY region;
SELECT relname, operation, rows_added, rows_deleted FROM conflux_lake_snapshots ORDER BY commit_ts;
VACUUM events;
SELECT relname, rows, deleted_rows, partition, path LIKE '%.parquet' AS parquet FROM conflux_lake_files ORDER BY partition;
DELETE FROM events WHERE id = 3;
OPTIMIZE events;
SELECT relname, rows, deleted_rows, partition FROM conflux_lake_files ORDER BY partition;
SELECT DISTINCT relname, job FROM conflux_lake_maintenance WHERE error IS NULL ORDER BY job;
\copy events to '/tmp/conflux_e2e_lake.parquet' (format parquet)
CREATE TABLE events2 (id bigint, region text, amount numeric(10,2), ts timestamptz) WITH (format = 'lake');
\copy events2 from '/tmp/conflux_e2e_lake.parquet' (format parquet)
SELECT * FROM events2 ORDER BY id;
CREATE INDEX ON events (id);
