package sql

import (
	"fmt"
	"strings"
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// TestSSLViews: SetSSL (called by the server after NewSession) drives
// SHOW ssl, pg_settings.ssl and each backend's pg_stat_ssl row.
func TestSSLViews(t *testing.T) {
	e, plain := newTestSession(t)
	plain.SetSSL(true, "", "")
	enc := newSessionOn(t, e)
	enc.SetSSL(true, "TLSv1.3", "TLS_AES_128_GCM_SHA256")
	off := newSessionOn(t, e) // a server without a certificate: SetSSL(false, ...)
	off.SetSSL(false, "", "")

	for _, tc := range []struct {
		s       *Session
		q, want string
	}{
		{plain, "SHOW ssl", "on\nSHOW"},
		{off, "SHOW ssl", "off\nSHOW"},
		{enc, "SELECT setting, context FROM pg_settings WHERE name = 'ssl'", "on|sighup\nSELECT 1"},
		{enc, "SELECT ssl, version, cipher, bits, client_dn IS NULL FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
			"t|TLSv1.3|TLS_AES_128_GCM_SHA256|128|t\nSELECT 1"},
		{enc, fmt.Sprintf("SELECT ssl, version IS NULL, bits IS NULL FROM pg_stat_ssl WHERE pid = %d", plain.BackendPID()),
			"f|t|t\nSELECT 1"},
		{enc, "SELECT count(*) FROM pg_stat_ssl", "3\nSELECT 1"},
		{enc, "SET ssl = off", "ERROR 55P02"},
	} {
		got, err := run(t, tc.s, tc.q)
		if err != nil {
			got = "ERROR " + pgerr.Code(err)
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.q, got, tc.want)
		}
	}
}

// TestPresetSettingsAgree: the build parameters pgcatalog presets are
// known to SHOW, SHOW ALL, current_setting and pg_settings alike.
func TestPresetSettingsAgree(t *testing.T) {
	_, s := newTestSession(t)
	for _, name := range []string{"max_index_keys", "max_function_args", "data_checksums", "wal_block_size", "max_identifier_length"} {
		show := mustRun(t, s, "SHOW "+name)
		cur := mustRun(t, s, fmt.Sprintf("SELECT current_setting('%s')", name))
		pgs := mustRun(t, s, fmt.Sprintf("SELECT setting FROM pg_settings WHERE name = '%s'", name))
		v, _, _ := strings.Cut(show, "\n")
		if cur != v+"\nSELECT 1" || pgs != v+"\nSELECT 1" {
			t.Errorf("%s: SHOW %q, current_setting %q, pg_settings %q", name, show, cur, pgs)
		}
		if !strings.Contains(mustRun(t, s, "SHOW ALL"), "\n"+name+"|"+v+"|") {
			t.Errorf("SHOW ALL lacks %s", name)
		}
	}
	if got := mustRun(t, s, "SHOW max_index_keys"); got != "32\nSHOW" {
		t.Errorf("SHOW max_index_keys = %q", got)
	}
	if got := mustRun(t, s, "SELECT count(*) FROM pg_settings WHERE name = 'max_index_keys'"); got != "1\nSELECT 1" {
		t.Errorf("max_index_keys listed %q times in pg_settings", got)
	}
}

// TestPgCursors: pg_cursors shows the querying session's cursors only.
func TestPgCursors(t *testing.T) {
	e, s := newTestSession(t)
	other := newSessionOn(t, e)
	mustRun(t, s, "BEGIN")
	mustRun(t, s, "DECLARE a CURSOR FOR SELECT 1")
	mustRun(t, s, "DECLARE b BINARY NO SCROLL CURSOR WITH HOLD FOR SELECT 2")
	q := "SELECT name, statement, is_holdable, is_binary, is_scrollable, creation_time IS NOT NULL FROM pg_cursors ORDER BY name"
	want := "a|DECLARE a CURSOR FOR SELECT 1|f|f|t|t\nb|DECLARE b BINARY NO SCROLL CURSOR WITH HOLD FOR SELECT 2|t|t|f|t\nSELECT 2"
	if got := mustRun(t, s, q); got != want {
		t.Errorf("pg_cursors:\n got %q\nwant %q", got, want)
	}
	if got := mustRun(t, other, "SELECT count(*) FROM pg_cursors"); got != "0\nSELECT 1" {
		t.Errorf("another session sees cursors: %q", got)
	}
	mustRun(t, s, "COMMIT")
	if got := mustRun(t, s, "SELECT name FROM pg_cursors"); got != "b\nSELECT 1" {
		t.Errorf("after COMMIT only the held cursor remains: %q", got)
	}
}

// TestSessionUser: session_user stays the login role under SET ROLE.
func TestSessionUser(t *testing.T) {
	_, s := newTestSession(t)
	mustRun(t, s, "CREATE ROLE alice")
	mustRun(t, s, "SET ROLE alice")
	if got := mustRun(t, s, "SELECT session_user, current_user"); got != "postgres|alice\nSELECT 1" {
		t.Errorf("after SET ROLE: %q", got)
	}
	mustRun(t, s, "RESET ROLE")
	if got := mustRun(t, s, "SELECT session_user, current_user"); got != "postgres|postgres\nSELECT 1" {
		t.Errorf("after RESET ROLE: %q", got)
	}
}
