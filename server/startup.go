package server

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/server/hba"
	"github.com/conflux-db/conflux/server/scram"
	"github.com/conflux-db/conflux/sql"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// startup runs the startup phase: TLS negotiation (SSLRequest or direct
// TLS, when configured; GSSENCRequest is always declined), cancel
// requests, the StartupMessage, the HBA decision, authentication, session
// creation and the initial ParameterStatus/BackendKeyData/ReadyForQuery.
// It returns false (and no error) when the connection was only a
// CancelRequest.
func (c *conn) startup() (bool, error) {
	raw := &countingReader{r: c.nc}
	c.setStream(raw, c.nc)
	if c.srv.cfg.TLS != nil {
		// Peek at the first byte: a TLS record means direct TLS.
		var first [1]byte
		if _, err := io.ReadFull(raw, first[:]); err != nil {
			return false, c.startupReadErr(err)
		}
		if first[0] == tlsRecordHandshake {
			if err := c.upgradeTLS(&prefixConn{Conn: c.nc, prefix: first[:]}, true); err != nil {
				return false, err
			}
		} else {
			c.setStream(io.MultiReader(bytes.NewReader(first[:]), raw), c.nc)
		}
	}
	consumed := 0 // bytes of SSL/GSS requests handled, to catch pipelined plain text
	var sm *pgproto3.StartupMessage
	for sm == nil {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			return false, c.startupReadErr(err)
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			consumed += 8
			if c.tls != nil {
				return false, fatal(pgerr.ProtocolViolation, "SSLRequest received on an encrypted connection")
			}
			if c.srv.cfg.TLS == nil {
				// Not offered: 'N' and the client goes on in plain text.
				if _, err := c.nc.Write([]byte{'N'}); err != nil {
					return false, err
				}
				continue
			}
			if raw.n != consumed {
				return false, fatal(pgerr.ProtocolViolation, "received unencrypted data after SSL request")
			}
			if _, err := c.nc.Write([]byte{'S'}); err != nil {
				return false, err
			}
			if err := c.upgradeTLS(c.nc, false); err != nil {
				return false, err
			}
		case *pgproto3.GSSEncRequest:
			consumed += 8
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false, err
			}
		case *pgproto3.CancelRequest:
			c.srv.cancelRequest(m.ProcessID, m.SecretKey)
			return false, nil
		case *pgproto3.StartupMessage:
			sm = m
		default:
			return false, fatal(pgerr.ProtocolViolation, "unsupported startup message %T", msg)
		}
	}

	user := sm.Parameters["user"]
	if user == "" {
		return false, fatal(pgerr.InvalidAuthorization, "no PostgreSQL user name specified in startup packet")
	}
	c.user = user
	params := sql.SessionParams{User: user, Database: sm.Parameters["database"], Options: map[string]string{}}
	if params.Database == "" {
		params.Database = user
	}
	var unknownProto []string
	for k, v := range sm.Parameters {
		switch {
		case k == "user" || k == "database":
		case strings.HasPrefix(k, "_pq_."):
			unknownProto = append(unknownProto, k)
		default:
			params.Options[k] = v
		}
	}
	// PostgreSQL 16 speaks 3.0 only: a newer minor version or protocol
	// options are answered with NegotiateProtocolVersion, not refused.
	if sm.ProtocolVersion != pgproto3.ProtocolVersion30 || len(unknownProto) > 0 {
		sort.Strings(unknownProto)
		c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknownProto}, 16)
	}

	method, err := c.authMethod(user, params.Database)
	if err != nil {
		return false, err
	}
	role, err := c.authenticate(user, method)
	if err != nil {
		return false, err
	}

	sess, err := c.srv.backend.NewSession(c.ctx, params)
	if err != nil {
		e := toPgError(err)
		e.Severity = "FATAL"
		return false, &fatalError{e}
	}
	c.sess = sess
	if ss, ok := sess.(sslSession); ok {
		var version, cipher string
		if c.tls != nil {
			version, cipher = tlsVersionName(c.tls.Version), tls.CipherSuiteName(c.tls.CipherSuite)
		}
		ss.SetSSL(c.srv.cfg.TLS != nil, version, cipher)
	}
	if ns, ok := sess.(noticeSinkSession); ok {
		// Progress NOTICEs of long statements (OPTIMIZE, VACUUM) go out
		// while the statement runs, not with its CommandComplete. The
		// sink runs on this connection's goroutine, inside Execute.
		ns.SetNoticeSink(func(n sql.Notice) {
			c.sendNotice(n)
			_ = c.flush()
		})
	}
	_ = sess.ChangedParams() // the initial values are reported below
	c.srv.register(c)
	c.log = c.log.With("pid", c.pid, "user", user)
	c.log.Debug("session started", "database", params.Database)

	for _, ps := range c.initialParams(role, params) {
		c.send(&pgproto3.ParameterStatus{Name: ps[0], Value: ps[1]}, len(ps[0])+len(ps[1])+2)
	}
	c.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret}, 8)
	c.sendReady()
	return c.writeErr == nil, c.writeErr
}

// initialParams is the ParameterStatus set PostgreSQL 16 reports at
// startup, in its order, taking current values from the session.
func (c *conn) initialParams(role *catalog.Role, p sql.SessionParams) [][2]string {
	setting := func(name, def string) string {
		if v := c.sess.Setting(name); v != "" {
			return v
		}
		return def
	}
	superuser := "off"
	if role != nil && role.Superuser {
		superuser = "on"
	}
	return [][2]string{
		{"application_name", setting("application_name", p.Options["application_name"])},
		{"client_encoding", setting("client_encoding", "UTF8")},
		{"DateStyle", setting("DateStyle", "ISO, MDY")},
		{"default_transaction_read_only", setting("default_transaction_read_only", "off")},
		{"in_hot_standby", "off"},
		{"integer_datetimes", "on"},
		{"IntervalStyle", setting("IntervalStyle", "postgres")},
		{"is_superuser", setting("is_superuser", superuser)},
		{"scram_iterations", fmt.Sprint(scram.DefaultIterations)},
		{"server_encoding", "UTF8"},
		{"server_version", c.srv.cfg.ServerVersion},
		{"session_authorization", setting("session_authorization", p.User)},
		{"standard_conforming_strings", "on"},
		{"TimeZone", setting("TimeZone", "UTC")},
	}
}

// authenticate runs the exchange for method and returns the role when it
// was looked up (nil in trust mode if lookup fails).
func (c *conn) authenticate(user string, method hba.Method) (*catalog.Role, error) {
	if method == hba.Trust {
		// Best effort, only for is_superuser; the session decides whether
		// the user may connect.
		role, _ := c.lookupRole(user)
		c.send(&pgproto3.AuthenticationOk{}, 4)
		return role, nil
	}
	if method == hba.Password {
		return c.authenticatePassword(user)
	}
	role, err := c.lookupRole(user)
	if err != nil {
		e := toPgError(err)
		e.Severity = "FATAL"
		return nil, &fatalError{e}
	}
	var v *scram.Verifier
	if role != nil && role.SCRAMVerifier != "" {
		if v, err = scram.ParseVerifier(role.SCRAMVerifier); err != nil {
			c.log.Warn("role has an unusable password verifier", "user", user)
			v = nil
		}
	}
	// With no verifier the exchange still runs (and fails at the end), so
	// a client cannot probe which roles exist.
	conv := scram.NewConversation(v)
	authFailed := fatal(pgerr.InvalidPassword, "password authentication failed for user %q", user)

	c.send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{scram.Mechanism}}, 32)
	if err := c.flush(); err != nil {
		return nil, err
	}
	_ = c.be.SetAuthType(pgproto3.AuthTypeSASL)
	msg, err := c.be.Receive()
	if err != nil {
		return nil, c.receiveErr(err)
	}
	init, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		return nil, fatal(pgerr.ProtocolViolation, "expected SASL response, got message type %q", messageType(msg))
	}
	if init.AuthMechanism != scram.Mechanism {
		return nil, fatal(pgerr.ProtocolViolation, "client selected an invalid SASL authentication mechanism")
	}
	first, err := conv.ServerFirst(init.Data)
	if err != nil {
		return nil, fatal(pgerr.ProtocolViolation, "malformed SCRAM message: %v", err)
	}
	c.send(&pgproto3.AuthenticationSASLContinue{Data: first}, len(first)+4)
	if err := c.flush(); err != nil {
		return nil, err
	}
	_ = c.be.SetAuthType(pgproto3.AuthTypeSASLContinue)
	msg, err = c.be.Receive()
	if err != nil {
		return nil, c.receiveErr(err)
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return nil, fatal(pgerr.ProtocolViolation, "expected SASL response, got message type %q", messageType(msg))
	}
	final, err := conv.ServerFinal(resp.Data)
	if errors.Is(err, scram.ErrAuthFailed) {
		c.log.Info("password authentication failed", "user", user)
		return nil, authFailed
	} else if err != nil {
		return nil, fatal(pgerr.ProtocolViolation, "malformed SCRAM message: %v", err)
	}
	_ = c.be.SetAuthType(pgproto3.AuthTypeOk)
	if !role.Login {
		return nil, fatal(pgerr.InvalidAuthorization, "role %q is not permitted to log in", user)
	}
	c.send(&pgproto3.AuthenticationSASLFinal{Data: final}, len(final)+4)
	c.send(&pgproto3.AuthenticationOk{}, 4)
	return role, nil
}

func (c *conn) lookupRole(user string) (*catalog.Role, error) {
	ctx := c.stmtContext()
	defer c.setRunning(false)
	return c.srv.backend.LookupRole(ctx, user)
}

// setStream points the protocol codec at r and w (the socket, or the TLS
// connection after an upgrade).
func (c *conn) setStream(r io.Reader, w io.Writer) {
	c.be = pgproto3.NewBackend(r, w)
	c.be.SetMaxBodyLen(c.srv.cfg.MaxMessageSize)
}

// startupReadErr classifies a failed read during startup.
func (c *conn) startupReadErr(err error) error {
	if isNetClosed(err) {
		return errClosed
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return err
	}
	return fatal(pgerr.ProtocolViolation, "invalid startup packet: %v", err)
}

// upgradeTLS runs the server side of the TLS handshake on nc and switches
// the connection to it. A failed handshake ends the connection without a
// PostgreSQL error (the client is no longer speaking the protocol).
func (c *conn) upgradeTLS(nc net.Conn, direct bool) error {
	tc := tls.Server(nc, c.srv.cfg.TLS)
	if err := tc.HandshakeContext(c.ctx); err != nil {
		c.log.Debug("TLS handshake failed", "error", err)
		return errClosed
	}
	st := tc.ConnectionState()
	if direct && st.NegotiatedProtocol != alpnProtocol {
		// PostgreSQL 17 insists on ALPN for direct TLS, so that a TLS
		// connection meant for another protocol cannot be replayed here.
		c.setStream(tc, tc)
		return fatal(pgerr.ProtocolViolation, "received direct SSL connection request without ALPN protocol negotiation extension")
	}
	c.tls = &st
	c.setStream(tc, tc)
	c.log.Debug("TLS established", "version", tlsVersionName(st.Version),
		"cipher", tls.CipherSuiteName(st.CipherSuite), "direct", direct)
	return nil
}

// clientHost is how PostgreSQL names the client in authentication errors.
func (c *conn) clientHost() (netip.Addr, string, bool) {
	switch a := c.nc.RemoteAddr().(type) {
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		ip = ip.Unmap()
		return ip, ip.String(), false
	case *net.UnixAddr:
		return netip.Addr{}, "[local]", true
	}
	// Other transports (net.Pipe in tests) count as local.
	return netip.Addr{}, "[local]", true
}

// authMethod decides how user must authenticate, or refuses the
// connection as PostgreSQL's pg_hba.conf check does (FATAL 28000).
func (c *conn) authMethod(user, database string) (hba.Method, error) {
	addr, host, local := c.clientHost()
	encryption := "no encryption"
	if c.tls != nil {
		encryption = "SSL encryption"
	}
	noEntry := func() error {
		c.log.Info("connection refused: no matching hba rule", "user", user, "database", database, "ssl", c.tls != nil)
		return fatal(pgerr.InvalidAuthorization, "no pg_hba.conf entry for host %q, user %q, database %q, %s",
			host, user, database, encryption)
	}
	if c.srv.cfg.TLSRequired && c.tls == nil && !local {
		return "", noEntry()
	}
	if c.srv.cfg.HBA == nil {
		if c.srv.cfg.Auth == AuthSCRAM {
			return hba.SCRAM, nil
		}
		return hba.Trust, nil
	}
	rule, ok := c.srv.cfg.HBA.Match(hba.Conn{
		Local: local, SSL: c.tls != nil, Addr: addr, User: user, Database: database,
		IsHostAddr: isHostAddr,
	})
	if !ok {
		return "", noEntry()
	}
	if rule.Method == hba.Reject {
		c.log.Info("connection rejected by hba rule", "line", rule.Line, "user", user, "database", database)
		return "", fatal(pgerr.InvalidAuthorization, "pg_hba.conf rejects connection for host %q, user %q, database %q, %s",
			host, user, database, encryption)
	}
	return rule.Method, nil
}

// isHostAddr reports whether a belongs to one of this machine's network
// interfaces (the samehost keyword). It is asked only for samehost rules.
func isHostAddr(a netip.Addr) bool {
	if a.IsLoopback() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == a {
				return true
			}
		}
	}
	return false
}

// authenticatePassword runs the cleartext "password" method: the client
// sends its password (protected only by TLS, if any), checked against the
// role's SCRAM verifier.
func (c *conn) authenticatePassword(user string) (*catalog.Role, error) {
	role, err := c.lookupRole(user)
	if err != nil {
		e := toPgError(err)
		e.Severity = "FATAL"
		return nil, &fatalError{e}
	}
	c.send(&pgproto3.AuthenticationCleartextPassword{}, 4)
	if err := c.flush(); err != nil {
		return nil, err
	}
	_ = c.be.SetAuthType(pgproto3.AuthTypeCleartextPassword)
	msg, err := c.be.Receive()
	if err != nil {
		return nil, c.receiveErr(err)
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return nil, fatal(pgerr.ProtocolViolation, "expected password response, got message type %q", messageType(msg))
	}
	_ = c.be.SetAuthType(pgproto3.AuthTypeOk)
	var v *scram.Verifier
	if role != nil && role.SCRAMVerifier != "" {
		v, _ = scram.ParseVerifier(role.SCRAMVerifier)
	}
	if v == nil || !v.CheckPassword(pm.Password) {
		c.log.Info("password authentication failed", "user", user)
		return nil, fatal(pgerr.InvalidPassword, "password authentication failed for user %q", user)
	}
	if !role.Login {
		return nil, fatal(pgerr.InvalidAuthorization, "role %q is not permitted to log in", user)
	}
	c.send(&pgproto3.AuthenticationOk{}, 4)
	return role, nil
}
