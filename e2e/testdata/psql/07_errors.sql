\set ON_ERROR_STOP 0
SELECT * FROM missing_table;
SELECT nocol FROM products;
SELECT 1 +;
SELEC 1;
SELECT 1/0;
INSERT INTO products (name, price, qty) VALUES ('bad', -1, 1);
INSERT INTO products (name, qty) VALUES ('many', 5000);
INSERT INTO products (name) VALUES ('');
SELECT 'abc'::int;
\set ON_ERROR_STOP 1
SELECT id, name, price, qty FROM products ORDER BY id;
DROP VIEW cheap;
DROP TABLE products;
DROP SEQUENCE counter;
\d
