-- psql's \copy: client-side files and programs over COPY FROM STDIN / TO STDOUT,
-- in text and CSV, with the legacy and the parenthesized option syntax.
CREATE TABLE cp (id int PRIMARY KEY, name text, price numeric(10,2));
\copy cp from stdin
1	one	1.50
2	two	\N
3	th"ree	3.25
\.
\copy cp (id, name) from stdin with (format csv, header true)
id,name
4,"four, quoted"
5,
\.
\copy cp from program 'printf "6\tsix\t6.00\n7\tseven\t7.75\n"'
\copy cp (id, name) from program 'printf "8|eight\n"' with delimiter '|'
\copy cp (id, name) from stdin with (format csv, force_not_null (name))
9,
\.
\copy cp (id, name) from stdin with csv force not null name
10,
\.
\copy cp (id, name) from stdin (format csv, force_null (name))
11,""
12,"x"
\.
SELECT id, name IS NULL AS null_name FROM cp WHERE id >= 9 ORDER BY id;
DELETE FROM cp WHERE id >= 9;
SELECT * FROM cp ORDER BY id;
\copy cp to stdout
\copy (SELECT id, name FROM cp WHERE id > 2 ORDER BY id) to stdout with csv header
\copy cp to stdout with csv header force quote name
\copy cp to stdout csv force quote *
\copy cp (name, id) to stdout (format csv, delimiter '|', null 'NULL')
\copy cp to stdout with delimiter ';' null '-'
\copy cp to program 'wc -l' with csv header
COPY (SELECT id FROM cp ORDER BY id LIMIT 2) TO STDOUT WITH CSV HEADER;
\set ON_ERROR_STOP 0
COPY cp TO STDOUT WITH (FORMAT text, FORCE_QUOTE (name));
COPY cp FROM STDIN WITH CSV FORCE QUOTE name;
\copy cp from stdin with (format csv, header maybe)
\copy cp from stdin with (format csv, force_not_null (nosuch))
\copy cp (id) from stdin with (format csv, force_null (name))
\copy cp (id) to stdout with (format csv, force_quote (name))
\copy (SELECT 1 AS a) to stdout with (format csv, force_quote (b))
\copy cp from stdin with (force_null (name))
COPY cp TO STDOUT WITH (FORMAT csv, FORCE_NOT_NULL (name));
\set ON_ERROR_STOP 1
DROP TABLE cp;
