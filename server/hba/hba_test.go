package hba

import (
	"net/netip"
	"strings"
	"testing"
)

const sample = `
# TYPE     DATABASE     USER        ADDRESS          METHOD
local      all          all                          trust
hostssl    all          admin       0.0.0.0/0        scram-sha-256
host       all          admin       all              reject
host       sales,"all"  alice,bob   10.1.0.0/16      md5   # quoted "all" is a name
hostnossl  all          legacy      192.168.0.0 255.255.0.0  password
host       sameuser     all         samehost         trust
host       all          all         ::1/128          trust
host       all          all         127.0.0.1/32     scram-sha-256
`

func TestMatch(t *testing.T) {
	rs, err := Parse("hba.conf", strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	ip := netip.MustParseAddr
	for _, tc := range []struct {
		name string
		c    Conn
		line int // 0: no match
		m    Method
	}{
		{"local socket", Conn{Local: true, User: "x", Database: "y"}, 3, Trust},
		{"admin over TLS", Conn{SSL: true, Addr: ip("8.8.8.8"), User: "admin", Database: "d"}, 4, SCRAM},
		{"admin in plain text", Conn{Addr: ip("127.0.0.1"), User: "admin", Database: "d"}, 5, Reject},
		{"alice to sales", Conn{Addr: ip("10.1.2.3"), User: "alice", Database: "sales"}, 6, SCRAM},
		{"bob to db named all", Conn{Addr: ip("10.1.2.3"), User: "bob", Database: "all"}, 6, SCRAM},
		{"alice outside the range", Conn{Addr: ip("10.2.0.1"), User: "alice", Database: "sales"}, 0, ""},
		{"alice to other db", Conn{Addr: ip("10.1.2.3"), User: "alice", Database: "hr"}, 0, ""},
		{"legacy plain", Conn{Addr: ip("192.168.4.5"), User: "legacy", Database: "d"}, 7, Password},
		{"legacy over TLS skips hostnossl", Conn{SSL: true, Addr: ip("192.168.4.5"), User: "legacy", Database: "d"}, 0, ""},
		{"sameuser from loopback", Conn{Addr: ip("127.0.0.1"), User: "carol", Database: "carol"}, 8, Trust},
		{"other db from loopback", Conn{Addr: ip("127.0.0.1"), User: "carol", Database: "x"}, 10, SCRAM},
		{"v4-mapped v6 is v4", Conn{Addr: ip("::ffff:127.0.0.1"), User: "carol", Database: "x"}, 10, SCRAM},
		{"ipv6 loopback", Conn{Addr: ip("::1"), User: "carol", Database: "carol"}, 8, Trust},
		{"ipv6 loopback other db", Conn{Addr: ip("::1"), User: "carol", Database: "x2"}, 9, Trust},
		{"samehost via callback", Conn{Addr: ip("10.9.9.9"), User: "u", Database: "u",
			IsHostAddr: func(a netip.Addr) bool { return a == ip("10.9.9.9") }}, 8, Trust},
		{"remote host", Conn{Addr: ip("8.8.8.8"), User: "u", Database: "u"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := rs.Match(tc.c)
			if tc.line == 0 {
				if ok {
					t.Fatalf("matched line %d, want no match", r.Line)
				}
				return
			}
			if !ok || r.Line != tc.line || r.Method != tc.m {
				t.Fatalf("got line %d %q (ok=%v), want line %d %q", r.Line, r.Method, ok, tc.line, tc.m)
			}
		})
	}
	if line, ok := rs.HasSSLRules(); !ok || line != 4 {
		t.Errorf("HasSSLRules = %d, %v", line, ok)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"hosts all all all trust", `line 1: invalid connection type "hosts"`},
		{"\n\nhost all all", `line 3: end-of-line before IP address specification`},
		{"host all", `line 1: end-of-line before database or user specification`},
		{"host all all 10.0.0.0/8", `line 1: end-of-line before authentication method`},
		{"host all all 10.0.0.0/8 ident", `line 1: invalid authentication method "ident"`},
		{"host all all 10.0.0.0/33 trust", `line 1: invalid IP address range "10.0.0.0/33"`},
		{"host all all 10.0.0.1 trust", `line 1: invalid IP mask "trust"`},
		{"host all all 10.0.0.1", `line 1: specify an address range in CIDR notation, or provide a separate netmask`},
		{"host all all 10.0.0.1 255.0.255.0 trust", `line 1: invalid IP mask "255.0.255.0"`},
		{"host all all db.example.com trust", `line 1: invalid IP address "db.example.com" (host names are not supported)`},
		{"host all +admins all trust", `line 1: group membership ("+admins") is not supported`},
		{"host all @users all trust", `line 1: file inclusion ("@users") is not supported`},
		{"host all,x all all trust", `line 1: database keyword "all" cannot be combined with names`},
		{"host all all all scram-sha-256 clientcert=verify-full", `line 1: authentication options ("clientcert=verify-full") are not supported`},
		{`host "all all all trust`, `line 1: unterminated quoted string`},
		{"hostgssenc all all all trust", `line 1: connection type "hostgssenc" is not supported`},
		{"local all all", `line 1: end-of-line before authentication method`},
		{"host all all samenet trust", `line 1: address keyword "samenet" is not supported`},
	} {
		_, err := Parse("f", strings.NewReader(tc.in))
		if err == nil || err.Error() != "f "+tc.err {
			t.Errorf("%q: got %v, want %q", tc.in, err, "f "+tc.err)
		}
	}
}

func TestEmptyRulesMatchNothing(t *testing.T) {
	rs, err := Parse("f", strings.NewReader("# only comments\n\n   \n"))
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := rs.Match(Conn{Addr: netip.MustParseAddr("127.0.0.1"), User: "u", Database: "d"}); ok {
		t.Fatalf("matched %+v", r)
	}
}
