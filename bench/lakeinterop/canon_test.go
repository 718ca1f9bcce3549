package lakeinterop

import (
	"math/big"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5/pgtype"
)

func TestCanon(t *testing.T) {
	u := [16]byte{0xc4, 0xca, 15: 0x9b}
	for _, tc := range []struct {
		pg, duck any // the same SQL value as each driver decodes it
		want     string
	}{
		{pgtype.Numeric{Int: big.NewInt(-123450), Exp: -2, Valid: true}, duckdb.Decimal{Width: 12, Scale: 2, Value: big.NewInt(-123450)}, "-1234.5"},
		{pgtype.Numeric{Int: big.NewInt(7), Exp: 2, Valid: true}, duckdb.Decimal{Width: 12, Scale: 2, Value: big.NewInt(70000)}, "700"},
		{pgtype.Numeric{}, nil, "NULL"},
		{u, u[:], `\xc4ca000000000000000000000000009b`},
		{u, duckdb.UUID(u), `\xc4ca000000000000000000000000009b`},
		{float32(0.1), float32(0.1), "0.1"},
		{time.Date(2020, 1, 2, 4, 4, 5, 6000, time.FixedZone("x", 3600)), time.Date(2020, 1, 2, 3, 4, 5, 6000, time.UTC), "2020-01-02 03:04:05.000006Z"},
	} {
		if got := Canon(tc.pg); got != tc.want {
			t.Errorf("Canon(%#v) = %q, want %q", tc.pg, got, tc.want)
		}
		if got := Canon(tc.duck); got != tc.want {
			t.Errorf("Canon(%#v) = %q, want %q", tc.duck, got, tc.want)
		}
	}
}

func TestSameValue(t *testing.T) {
	avg := pgtype.Numeric{Int: big.NewInt(2550000000000001), Exp: -15, Valid: true} // 2.550000000000001
	for _, tc := range []struct {
		a, b any
		want bool
	}{
		{avg, 2.55, true},
		{avg, 2.56, false},
		{"EUROPE   ", "EUROPE", true},
		{"EUROPE", "ASIA", false},
		{int64(3), duckdb.Decimal{Scale: 1, Value: big.NewInt(30)}, true},
		{nil, nil, true},
		{nil, int64(0), false},
	} {
		if got := SameValue(tc.a, tc.b, 1e-9); got != tc.want {
			t.Errorf("SameValue(%v, %v) = %v", tc.a, tc.b, got)
		}
	}
}
