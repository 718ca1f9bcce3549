CREATE TABLE items (
  id bigint PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name varchar(40) NOT NULL,
  price numeric(10,2) DEFAULT 0,
  qty int DEFAULT 1,
  created date
);
CREATE INDEX items_name_idx ON items (name);
CREATE TABLE orders (order_id int PRIMARY KEY, item_id bigint, amount int);
INSERT INTO items (id, sku, name, price, created) VALUES
  (1, 'A-1', 'apple', 0.50, '2024-01-01'),
  (2, 'B-2', 'banana', 0.25, '2024-01-02'),
  (3, 'C-3', 'cherry', 3.00, NULL);
INSERT INTO orders VALUES (10, 1, 3), (11, 3, 1);
SELECT * FROM items ORDER BY id;
SELECT i.name, o.amount FROM items i JOIN orders o ON o.item_id = i.id ORDER BY i.name;
\dt
\d items
\di
\dn
