CREATE TABLE products (
  id serial PRIMARY KEY,
  code int GENERATED ALWAYS AS IDENTITY,
  name varchar(40) NOT NULL DEFAULT 'unnamed',
  price numeric(10,2) DEFAULT 0 CHECK (price >= 0),
  qty int CHECK (qty > 0 AND qty < 1000),
  note text DEFAULT 'n/a',
  added date DEFAULT '2024-01-01',
  CONSTRAINT name_not_empty CHECK (name <> '')
);
CREATE INDEX products_name_idx ON products (name);
CREATE VIEW cheap AS SELECT id, name FROM products WHERE price < 10;
CREATE SEQUENCE counter;
INSERT INTO products (name, price, qty) VALUES ('widget', 2.50, 10);
SELECT * FROM products;
\d
\d products
\d+ products
\di
\dv
\ds
\df
\du
\dn
\d cheap
\d counter
\d products_pkey
