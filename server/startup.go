package server

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/server/scram"
	"github.com/conflux-db/conflux/sql"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// startup runs the startup phase: SSL/GSS negotiation (declined), cancel
// requests, the StartupMessage, authentication, session creation and the
// initial ParameterStatus/BackendKeyData/ReadyForQuery. It returns false
// (and no error) when the connection was only a CancelRequest.
func (c *conn) startup() (bool, error) {
	var sm *pgproto3.StartupMessage
	for sm == nil {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			if isNetClosed(err) {
				return false, errClosed
			}
			var ne net.Error
			if errors.As(err, &ne) {
				return false, err
			}
			return false, fatal(pgerr.ProtocolViolation, "invalid startup packet: %v", err)
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			// Not offered: 'N' and the client goes on in plain text.
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

	role, err := c.authenticate(user)
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

// authenticate runs the configured authentication exchange and returns the
// role when it was looked up (nil in trust mode if lookup fails).
func (c *conn) authenticate(user string) (*catalog.Role, error) {
	if c.srv.cfg.Auth == AuthTrust {
		// Best effort, only for is_superuser; the session decides whether
		// the user may connect.
		role, _ := c.lookupRole(user)
		c.send(&pgproto3.AuthenticationOk{}, 4)
		return role, nil
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
