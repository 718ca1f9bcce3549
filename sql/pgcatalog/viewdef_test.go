package pgcatalog

import (
	"testing"
)

// The expected texts are PostgreSQL 15's pg_get_viewdef(v) and
// pg_get_viewdef(v, true) for the same views over the fixture's tables.
func TestViewDefinition(t *testing.T) {
	f := newFixture(t)
	env := NameEnv{Catalog: f.snap, SearchPath: []string{"$user", "public"}, User: "postgres"}
	for _, c := range []struct {
		query, plain, pretty string
	}{
		{
			"select * from t where n > 1 and email <> '' order by email desc nulls last, 1 limit 5 offset 2",
			" SELECT t.id,\n    t.email,\n    t.n,\n    t.created\n   FROM t\n  WHERE ((t.n > (1)::numeric) AND ((t.email)::text <> ''::text))\n  ORDER BY t.email DESC NULLS LAST, t.id\n OFFSET 2\n LIMIT 5;",
			" SELECT t.id,\n    t.email,\n    t.n,\n    t.created\n   FROM t\n  WHERE t.n > 1::numeric AND t.email::text <> ''::text\n  ORDER BY t.email DESC NULLS LAST, t.id\n OFFSET 2\n LIMIT 5;",
		},
		{
			"select t.email, count(*), max(x.a) as m from t join s1.x x on x.a = t.id left join s1.x y on y.a = x.a group by 1 having count(*) > 1",
			" SELECT t.email,\n    count(*) AS count,\n    max(x.a) AS m\n   FROM ((t\n     JOIN s1.x x ON ((x.a = t.id)))\n     LEFT JOIN s1.x y ON ((y.a = x.a)))\n  GROUP BY t.email\n HAVING (count(*) > 1);",
			" SELECT t.email,\n    count(*) AS count,\n    max(x.a) AS m\n   FROM t\n     JOIN s1.x x ON x.a = t.id\n     LEFT JOIN s1.x y ON y.a = x.a\n  GROUP BY t.email\n HAVING count(*) > 1;",
		},
		{
			"select distinct id, 'lit' as k, n + 1 as m, email as e2, id::text as tid from t, s1.x where id = a",
			" SELECT DISTINCT t.id,\n    'lit'::text AS k,\n    (t.n + (1)::numeric) AS m,\n    t.email AS e2,\n    (t.id)::text AS tid\n   FROM t,\n    s1.x\n  WHERE (t.id = x.a);",
			" SELECT DISTINCT t.id,\n    'lit'::text AS k,\n    t.n + 1::numeric AS m,\n    t.email AS e2,\n    t.id::text AS tid\n   FROM t,\n    s1.x\n  WHERE t.id = x.a;",
		},
		{
			"select id from t cross join s1.x",
			" SELECT t.id\n   FROM (t\n     CROSS JOIN s1.x);",
			" SELECT t.id\n   FROM t\n     CROSS JOIN s1.x;",
		},
	} {
		for _, pretty := range []bool{false, true} {
			want := c.plain
			if pretty {
				want = c.pretty
			}
			got, ok := deparseView(env, c.query, pretty)
			if !ok {
				t.Errorf("%q (pretty %v): not deparsed", c.query, pretty)
				continue
			}
			if got != want {
				t.Errorf("%q (pretty %v):\ngot:\n%s\nwant:\n%s", c.query, pretty, got, want)
			}
		}
	}
	// Outside the modelled shape the stored text is kept.
	for _, q := range []string{"select 1 union select 2", "with c as (select 1) select * from c", "select * from (select 1) s"} {
		if s, ok := deparseView(env, q, false); ok {
			t.Errorf("%q deparsed as %q, want the stored text", q, s)
		}
	}
}
