create schema bi;
create table bi.customers (id serial primary key, name text not null, email varchar(100) unique, created_at timestamptz default now(), score numeric(10,2) check (score >= 0));
create table bi.orders (id bigint primary key, customer_id int not null, amount numeric(12,2), status text default 'new', placed date);
create index orders_customer_idx on bi.orders (customer_id, placed desc);
create view bi.order_totals as select c.name, sum(o.amount) as total from bi.customers c join bi.orders o on o.customer_id = c.id group by c.name;
create table public.events (ts timestamptz not null, kind varchar(20), payload jsonb, tags text[]);
comment on table bi.customers is 'people who buy';
insert into bi.customers (name, email, score) values ('ann', 'ann@example.com', 5), ('bob', null, 7);
insert into bi.orders values (1, 1, 9.50, 'paid', '2024-01-02'), (2, 1, 3.25, 'new', '2024-01-03'), (3, 2, 1.00, 'new', null)
