\x
SELECT id, sku, name, price FROM items ORDER BY id;
\x
SELECT count(*) AS n, sum(price) AS total FROM items;
