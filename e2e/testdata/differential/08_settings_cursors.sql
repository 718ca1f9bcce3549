-- Preset build parameters agree across SHOW, current_setting and
-- pg_settings; pg_cursors lists the session's open cursors (not the
-- unnamed portal of the query itself, which PostgreSQL also lists when
-- the client uses the extended protocol).
SHOW max_index_keys;
SHOW block_size;
SHOW integer_datetimes;
SHOW max_function_args;
SHOW ssl;
SELECT current_setting('max_index_keys'), current_setting('max_function_args'), current_setting('ssl');
SELECT name, setting, unit, context, category, vartype FROM pg_settings
WHERE name IN ('max_index_keys', 'max_identifier_length', 'max_function_args', 'block_size', 'ssl', 'data_checksums', 'integer_datetimes', 'wal_block_size')
ORDER BY name;
SET max_index_keys = 10;
SELECT count(*) FROM pg_cursors WHERE name <> '';
CREATE TABLE cur_t (a int);
INSERT INTO cur_t VALUES (1), (2);
BEGIN;
DECLARE c1 CURSOR FOR SELECT a FROM cur_t;
DECLARE c2 SCROLL CURSOR WITH HOLD FOR SELECT 2;
DECLARE c3 BINARY NO SCROLL CURSOR FOR SELECT 3;
SELECT name, statement, is_holdable, is_binary, is_scrollable, creation_time IS NOT NULL FROM pg_cursors WHERE name <> '' ORDER BY name;
COMMIT;
SELECT name, statement, is_holdable FROM pg_cursors WHERE name <> '';
CLOSE c2;
SELECT count(*) FROM pg_cursors WHERE name <> '';
