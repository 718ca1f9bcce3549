package parser

import "testing"

func TestOptimize(t *testing.T) {
	for _, tc := range []struct {
		in       string
		sql      []string
		optimize []bool
	}{
		{"OPTIMIZE t", []string{"OPTIMIZE t"}, []bool{true}},
		{"optimize s.t; SELECT 1", []string{"optimize s.t", "SELECT 1"}, []bool{true, false}},
		{"/* c */ Optimize", []string{"Optimize"}, []bool{true}},
		{"SELECT 'optimize'", []string{"SELECT 'optimize'"}, []bool{false}},
		{"VACUUM FULL t", []string{"VACUUM FULL t"}, []bool{false}},
	} {
		stmts, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if len(stmts) != len(tc.sql) {
			t.Fatalf("%s: %d statements, want %d", tc.in, len(stmts), len(tc.sql))
		}
		for i, st := range stmts {
			v := st.AST.GetVacuumStmt()
			if st.SQL != tc.sql[i] || (v != nil && IsOptimize(v)) != tc.optimize[i] {
				t.Errorf("%s: statement %d = %q (optimize %v), want %q (%v)", tc.in, i, st.SQL, v != nil && IsOptimize(v), tc.sql[i], tc.optimize[i])
			}
		}
	}
	if _, err := Parse("OPTIMIZE t garbage"); err == nil {
		t.Errorf("OPTIMIZE t garbage parsed")
	}
}
