"""Drives psycopg2 through what Python applications use and prints every
result in a normalised text form. The Go test runs it against PostgreSQL
and against Conflux and compares the outputs; "FAIL" lines are this
script's own assertions on values it wrote and read back."""
import datetime
import decimal
import io
import sys
import uuid

import psycopg2
import psycopg2.extras

failures = 0


def out(*a):
    print(*a)


def check(what, got, want):
    global failures
    if got != want:
        failures += 1
        out("FAIL %s: got %r, want %r" % (what, got, want))


def step(name, fn):
    try:
        fn()
    except psycopg2.Error as e:
        out("%s: error %s %s" % (name, e.pgcode, str(e).split("\n")[0]))
        conn.rollback()


conn = psycopg2.connect(sys.argv[1])
cur = conn.cursor()
for s in [
    "drop table if exists py_items",
    "drop table if exists py_types",
    "create table py_items (id int primary key, name text, price numeric(10,2), tags text[])",
    "create table py_types (id int primary key, b bool, i8 bigint, f8 float8, n numeric, t text, by bytea,"
    " d date, ts timestamp, tz timestamptz, iv interval, u uuid, j jsonb)",
]:
    cur.execute(s)
conn.commit()


def params():
    cur.execute("select %s::int + %s, %s || 'x', %s::numeric * 2", (1, 2, "a'b", decimal.Decimal("1.25")))
    out("params", cur.fetchone())
    cur.execute("select %(a)s::text, %(b)s::int", {"a": "named", "b": 7})
    out("named params", cur.fetchone())
    cur.execute("select %s = any(%s)", (3, [1, 2, 3]))
    out("any array", cur.fetchone())
    conn.commit()


def types():
    row = (1, True, 2**53 + 1, -2.5, decimal.Decimal("123.4500"), "héllo", b"\x00\xff",
           datetime.date(2024, 2, 29), datetime.datetime(2024, 2, 29, 13, 45, 30, 123456),
           datetime.datetime(2024, 2, 29, 13, 45, 30, tzinfo=datetime.timezone.utc),
           datetime.timedelta(days=1, seconds=3723), uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
           psycopg2.extras.Json({"k": [1, 2]}))
    psycopg2.extras.register_uuid()
    cur.execute("insert into py_types values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", row)
    cur.execute("select * from py_types where id = 1")
    got = cur.fetchone()
    names = [d.name for d in cur.description]
    want = list(row)
    want[12] = {"k": [1, 2]}
    for i, n in enumerate(names):
        g = got[i]
        if isinstance(g, memoryview):
            g = bytes(g)
        if isinstance(g, datetime.datetime) and g.tzinfo is not None:
            g = g.astimezone(datetime.timezone.utc)
        check(n, g, want[i])
    out("description", [(d.name, d.type_code) for d in cur.description])
    conn.commit()


def executemany():
    cur.executemany("insert into py_items values (%s, %s, %s, %s)",
                    [(i, "item %d" % i, decimal.Decimal(i) / 4, ["t%d" % (i % 3), "all"]) for i in range(1, 101)])
    conn.commit()
    cur.execute("select count(*), sum(price), min(name), max(tags[1]) from py_items")
    out("executemany", cur.fetchone())
    psycopg2.extras.execute_values(cur, "insert into py_items (id, name) values %s", [(i, "v%d" % i) for i in range(101, 111)])
    conn.commit()
    cur.execute("select count(*) from py_items where price is null")
    out("execute_values", cur.fetchone())


def server_cursor():
    with conn.cursor(name="big") as sc:
        sc.itersize = 7
        sc.execute("select id, name from py_items order by id")
        n, first, last = 0, None, None
        for r in sc:
            if first is None:
                first = r
            last = r
            n += 1
        out("server cursor", n, first, last)
    conn.commit()
    cur.execute("begin")
    cur.execute("declare c1 cursor for select id from py_items where id <= 20 order by id")
    cur.execute("fetch 5 from c1")
    out("fetch 5", [r[0] for r in cur.fetchall()])
    cur.execute("fetch forward 3 from c1")
    out("fetch forward 3", [r[0] for r in cur.fetchall()])
    cur.execute("move 2 in c1")
    cur.execute("fetch next from c1")
    out("fetch next", cur.fetchall())
    cur.execute("close c1")
    conn.commit()


def copy():
    buf = io.StringIO("".join("%d\tcopied %d\t%d.5\t{a,b}\n" % (i, i, i) for i in range(1000, 1100)))
    cur.copy_expert("copy py_items from stdin", buf)
    conn.commit()
    o = io.StringIO()
    cur.copy_expert("copy (select id, name, price, tags from py_items where id between 1000 and 1004 order by id) to stdout with csv header", o)
    out("copy out")
    out(o.getvalue().rstrip("\n"))
    cur.execute("select count(*) from py_items where id >= 1000")
    out("copy in", cur.fetchone())


def transactions():
    cur.execute("update py_items set name = 'changed' where id = 1")
    conn.rollback()
    cur.execute("select name from py_items where id = 1")
    out("after rollback", cur.fetchone())
    conn.commit()
    try:
        cur.execute("insert into py_items (id) values (1)")
        check("duplicate", "no error", "23505")
    except psycopg2.Error as e:
        check("duplicate", e.pgcode, "23505")
    try:
        cur.execute("select 1")
        check("aborted", "no error", "25P02")
    except psycopg2.Error as e:
        check("aborted", e.pgcode, "25P02")
    conn.rollback()
    conn.set_session(isolation_level="SERIALIZABLE")
    cur.execute("show transaction_isolation")
    out("isolation", cur.fetchone())
    conn.commit()
    conn.set_session(isolation_level="READ COMMITTED", autocommit=True)
    cur.execute("select count(*) from py_items")
    out("autocommit", cur.fetchone(), conn.get_transaction_status())
    conn.autocommit = False


def held_cursor():
    # withhold=True: DECLARE ... WITH HOLD, usable after COMMIT;
    # scrollable=True: DECLARE ... SCROLL, moved with MOVE in both directions.
    with conn.cursor(name="held", withhold=True, scrollable=True) as hc:
        hc.execute("select id from py_items where id <= 10 order by id")
        conn.commit()
        out("held first 3", hc.fetchmany(3))
        hc.scroll(-2)
        out("after scroll -2", hc.fetchone())
        hc.scroll(7, mode="absolute")
        out("absolute 7", hc.fetchone())
        out("rest", hc.fetchall())
    conn.commit()
    with conn.cursor(name="noscroll", scrollable=False) as nc:
        nc.execute("select id from py_items where id <= 5 order by id")
        out("no scroll", nc.fetchmany(2))
        try:
            nc.scroll(-1)
            check("scroll back", "no error", "55000")
        except psycopg2.Error as e:
            check("scroll back", e.pgcode, "55000")
    conn.rollback()


def copy_legacy():
    # copy_from/copy_to send the pre-9.0 syntax: WITH DELIMITER AS ... NULL AS ...
    cur.execute("create temp table py_copy (id int, name text)")
    cur.copy_from(io.StringIO("1|one\n2|\\N\n3|three\n"), "py_copy", sep="|")
    o = io.StringIO()
    cur.copy_to(o, "py_copy", sep=",", null="NULL")
    out("copy_to", o.getvalue())
    o = io.StringIO()
    cur.copy_expert("copy py_copy to stdout with csv header delimiter ';' force quote name", o)
    out("csv force quote", o.getvalue())
    cur.copy_expert("copy py_copy from stdin with csv force not null name", io.StringIO("4,\n"))
    cur.execute("select id, name is null from py_copy where id = 4")
    out("force not null", cur.fetchone())
    conn.rollback()


def dict_cursor():
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as dc:
        dc.execute("select id, name from py_items where id in (2, 3) order by id")
        out("dict cursor", [dict(r) for r in dc.fetchall()])
    conn.commit()


for name, fn in [("params", params), ("types", types), ("executemany", executemany),
                 ("server_cursor", server_cursor), ("copy", copy), ("transactions", transactions),
                 ("held_cursor", held_cursor), ("copy_legacy", copy_legacy), ("dict_cursor", dict_cursor)]:
    step(name, fn)
out("ALL CHECKS PASSED" if failures == 0 else "%d CHECKS FAILED" % failures)
