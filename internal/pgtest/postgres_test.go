package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStartPostgres(t *testing.T) {
	conn := StartPostgres(t)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var v, tz string
	if err := c.QueryRow(ctx, "SELECT current_setting('server_version_num'), current_setting('TimeZone')").Scan(&v, &tz); err != nil {
		t.Fatal(err)
	}
	if v[:2] != "15" || tz != "UTC" {
		t.Fatalf("server_version_num %s TimeZone %s, want 15xxxx and UTC", v, tz)
	}
}
