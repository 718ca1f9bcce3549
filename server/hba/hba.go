package hba

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
)

// ConnType is a rule's first column: which kind of connection it covers.
type ConnType int

const (
	Local     ConnType = iota // Unix-domain socket
	Host                      // TCP, with or without TLS
	HostSSL                   // TCP with TLS only
	HostNoSSL                 // TCP without TLS only
)

var connTypeNames = [...]string{"local", "host", "hostssl", "hostnossl"}

func (t ConnType) String() string { return connTypeNames[t] }

// Method is how a matching connection authenticates.
type Method string

const (
	Trust    Method = "trust"
	SCRAM    Method = "scram-sha-256"
	Password Method = "password" // cleartext password, checked against the SCRAM verifier
	Reject   Method = "reject"
)

// Rule is one parsed line.
type Rule struct {
	// Line is the 1-based line number in the file, for messages.
	Line int
	Type ConnType
	// Databases and Users are nil for "all". SameUser matches the database
	// named like the user.
	Databases []string
	SameUser  bool
	Users     []string
	// Address is the client range for host* rules; AllAddrs and SameHost
	// stand for the keywords all and samehost.
	Address  netip.Prefix
	AllAddrs bool
	SameHost bool
	Method   Method
}

// Rules is an ordered, immutable rule list.
type Rules struct {
	file  string
	rules []Rule
}

// Conn describes a connection being checked against the rules.
type Conn struct {
	Local    bool       // over a Unix-domain socket
	SSL      bool       // TLS is in use
	Addr     netip.Addr // client address (TCP only)
	User     string
	Database string
	// IsHostAddr reports whether an address belongs to this machine (for
	// samehost). Nil means only loopback addresses do.
	IsHostAddr func(netip.Addr) bool
}

// ParseFile reads rules from path.
func ParseFile(path string) (*Rules, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(path, f)
}

// Parse reads rules; name labels errors ("name line N: ...").
func Parse(name string, r io.Reader) (*Rules, error) {
	rs := &Rules{file: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		fields, err := tokenize(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %v", name, n, err)
		}
		if len(fields) == 0 {
			continue
		}
		rule, err := parseRule(fields)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %v", name, n, err)
		}
		rule.Line = n
		rs.rules = append(rs.rules, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return rs, nil
}

// Rules returns a copy of the parsed rules, in file order.
func (rs *Rules) Rules() []Rule { return append([]Rule(nil), rs.rules...) }

// File is the name the rules were parsed under.
func (rs *Rules) File() string { return rs.file }

// HasSSLRules reports whether some rule can only match TLS connections
// (hostssl); such a rule is dead when the server has no certificate.
func (rs *Rules) HasSSLRules() (line int, ok bool) {
	for _, r := range rs.rules {
		if r.Type == HostSSL {
			return r.Line, true
		}
	}
	return 0, false
}

// Match returns the first rule matching c; ok is false when none does
// (the connection must then be refused).
func (rs *Rules) Match(c Conn) (Rule, bool) {
	for _, r := range rs.rules {
		if r.matches(c) {
			return r, true
		}
	}
	return Rule{}, false
}

func (r *Rule) matches(c Conn) bool {
	switch r.Type {
	case Local:
		if !c.Local {
			return false
		}
	case Host:
		if c.Local {
			return false
		}
	case HostSSL:
		if c.Local || !c.SSL {
			return false
		}
	case HostNoSSL:
		if c.Local || c.SSL {
			return false
		}
	}
	if r.Type != Local && !r.matchAddr(c) {
		return false
	}
	if r.SameUser {
		if c.Database != c.User {
			return false
		}
	} else if r.Databases != nil && !contains(r.Databases, c.Database) {
		return false
	}
	return r.Users == nil || contains(r.Users, c.User)
}

func (r *Rule) matchAddr(c Conn) bool {
	a := c.Addr.Unmap()
	switch {
	case r.AllAddrs:
		return true
	case r.SameHost:
		if c.IsHostAddr != nil {
			return c.IsHostAddr(a)
		}
		return a.IsLoopback()
	}
	return a.IsValid() && r.Address.Contains(a)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// token is one item of a field; quoted items are never keywords.
type token struct {
	text   string
	quoted bool
}

// tokenize splits a line into whitespace-separated fields, each a
// comma-separated list of possibly double-quoted items.
func tokenize(line string) ([][]token, error) {
	var fields [][]token
	var field []token
	var cur strings.Builder
	inField, quoted, inQuote := false, false, false
	endItem := func() {
		field = append(field, token{cur.String(), quoted})
		cur.Reset()
		quoted = false
	}
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case inQuote:
			if ch == '"' {
				inQuote = false
			} else {
				cur.WriteByte(ch)
			}
		case ch == '#':
			i = len(line)
		case ch == ' ' || ch == '\t' || ch == '\r':
			if inField {
				endItem()
				fields = append(fields, field)
				field, inField = nil, false
			}
		case ch == '"':
			inField, inQuote, quoted = true, true, true
		case ch == ',':
			if !inField {
				return nil, fmt.Errorf("unexpected comma")
			}
			endItem()
		default:
			inField = true
			cur.WriteByte(ch)
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quoted string")
	}
	if inField {
		endItem()
		fields = append(fields, field)
	}
	return fields, nil
}

// single returns a field that must be one unquoted item.
func single(f []token, what string) (string, error) {
	if len(f) != 1 || f[0].quoted || f[0].text == "" {
		return "", fmt.Errorf("%s must be a single word", what)
	}
	return f[0].text, nil
}

func parseRule(fields [][]token) (Rule, error) {
	var r Rule
	typ, err := single(fields[0], "connection type")
	if err != nil {
		return r, err
	}
	switch typ {
	case "local":
		r.Type = Local
	case "host":
		r.Type = Host
	case "hostssl":
		r.Type = HostSSL
	case "hostnossl":
		r.Type = HostNoSSL
	case "hostgssenc", "hostnogssenc":
		return r, fmt.Errorf("connection type %q is not supported", typ)
	default:
		return r, fmt.Errorf("invalid connection type %q", typ)
	}
	rest := fields[1:]
	if len(rest) < 2 {
		return r, fmt.Errorf("end-of-line before database or user specification")
	}
	if r.Databases, r.SameUser, err = parseNames(rest[0], "database", true); err != nil {
		return r, err
	}
	if r.Users, _, err = parseNames(rest[1], "user", false); err != nil {
		return r, err
	}
	rest = rest[2:]
	if r.Type != Local {
		if len(rest) == 0 {
			return r, fmt.Errorf("end-of-line before IP address specification")
		}
		n, err := r.parseAddress(rest)
		if err != nil {
			return r, err
		}
		rest = rest[n:]
	}
	if len(rest) == 0 {
		return r, fmt.Errorf("end-of-line before authentication method")
	}
	m, err := single(rest[0], "authentication method")
	if err != nil {
		return r, err
	}
	switch m {
	case "trust":
		r.Method = Trust
	case "scram-sha-256", "md5":
		r.Method = SCRAM
	case "password":
		r.Method = Password
	case "reject":
		r.Method = Reject
	default:
		return r, fmt.Errorf("invalid authentication method %q", m)
	}
	if len(rest) > 1 {
		return r, fmt.Errorf("authentication options (%q) are not supported", rest[1][0].text)
	}
	return r, nil
}

// parseNames parses a database or user list; nil means all.
func parseNames(f []token, what string, database bool) (names []string, sameUser bool, err error) {
	for _, t := range f {
		if t.text == "" {
			return nil, false, fmt.Errorf("empty %s name", what)
		}
		if !t.quoted {
			switch {
			case t.text == "all":
				if len(f) > 1 {
					return nil, false, fmt.Errorf("%s keyword \"all\" cannot be combined with names", what)
				}
				return nil, false, nil
			case database && t.text == "sameuser":
				if len(f) > 1 {
					return nil, false, fmt.Errorf("database keyword \"sameuser\" cannot be combined with names")
				}
				return nil, true, nil
			case database && (t.text == "samerole" || t.text == "samegroup" || t.text == "replication"):
				return nil, false, fmt.Errorf("database keyword %q is not supported", t.text)
			case t.text[0] == '+':
				return nil, false, fmt.Errorf("group membership (%q) is not supported", t.text)
			case t.text[0] == '@':
				return nil, false, fmt.Errorf("file inclusion (%q) is not supported", t.text)
			case t.text[0] == '/':
				return nil, false, fmt.Errorf("regular expressions (%q) are not supported", t.text)
			}
		}
		names = append(names, t.text)
	}
	return names, false, nil
}

// parseAddress parses "all", "samehost", a CIDR block, or an address and
// a netmask in two fields; it returns how many fields it consumed.
func (r *Rule) parseAddress(fields [][]token) (int, error) {
	a, err := single(fields[0], "IP address")
	if err != nil {
		return 0, err
	}
	switch a {
	case "all":
		r.AllAddrs = true
		return 1, nil
	case "samehost":
		r.SameHost = true
		return 1, nil
	case "samenet":
		return 0, fmt.Errorf("address keyword \"samenet\" is not supported")
	}
	if strings.Contains(a, "/") {
		p, err := netip.ParsePrefix(a)
		if err != nil {
			return 0, fmt.Errorf("invalid IP address range %q", a)
		}
		r.Address = p.Masked()
		return 1, nil
	}
	addr, err := netip.ParseAddr(a)
	if err != nil {
		return 0, fmt.Errorf("invalid IP address %q (host names are not supported)", a)
	}
	if len(fields) < 2 {
		return 0, fmt.Errorf("specify an address range in CIDR notation, or provide a separate netmask")
	}
	m, err := single(fields[1], "netmask")
	if err != nil {
		return 0, err
	}
	mask, err := netip.ParseAddr(m)
	if err != nil || mask.Is4() != addr.Is4() {
		return 0, fmt.Errorf("invalid IP mask %q", m)
	}
	bits, ok := maskBits(mask.AsSlice())
	if !ok {
		return 0, fmt.Errorf("invalid IP mask %q", m)
	}
	r.Address = netip.PrefixFrom(addr, bits).Masked()
	return 2, nil
}

// maskBits returns the prefix length of a contiguous netmask.
func maskBits(b []byte) (int, bool) {
	n, done := 0, false
	for _, x := range b {
		for i := 7; i >= 0; i-- {
			set := x&(1<<i) != 0
			switch {
			case set && done:
				return 0, false
			case set:
				n++
			default:
				done = true
			}
		}
	}
	return n, true
}
