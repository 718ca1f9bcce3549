package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/conflux-db/conflux/server/hba"
	"github.com/conflux-db/conflux/server/scram"
)

// Config configures a Server.
type Config struct {
	// ListenAddr is the TCP address ListenAndServe listens on.
	ListenAddr string
	// Auth is "trust" (no password) or "scram" (SCRAM-SHA-256 against the
	// role's stored verifier). Empty means trust.
	Auth string
	// Logger receives connection and error logs; nil discards them.
	Logger *slog.Logger
	// MaxMessageSize bounds one frontend message body (bytes); larger
	// messages end the connection. Zero means DefaultMaxMessageSize.
	MaxMessageSize int
	// StartupTimeout bounds startup plus authentication (PostgreSQL's
	// authentication_timeout). Zero means one minute.
	StartupTimeout time.Duration
	// ServerVersion is reported as server_version. Empty means "16.4".
	ServerVersion string
	// TLS, when set, is offered to clients: SSLRequest is answered 'S'
	// and PostgreSQL 17's direct TLS is accepted. The server raises
	// MinVersion to TLS 1.2 and adds the "postgresql" ALPN name.
	TLS *tls.Config
	// TLSRequired refuses TCP connections without TLS (FATAL 28000,
	// worded like PostgreSQL's missing pg_hba.conf entry), before HBA
	// rules are consulted. It needs TLS.
	TLSRequired bool
	// HBA, when set, picks the authentication method per connection from
	// pg_hba.conf-style rules (first match wins, no match is refused);
	// Auth is then ignored.
	HBA *hba.Rules
}

// DefaultMaxMessageSize is the default limit on one message body.
const DefaultMaxMessageSize = 64 << 20

// Auth methods.
const (
	AuthTrust = "trust"
	AuthSCRAM = "scram"
)

// Server accepts PostgreSQL wire-protocol connections and runs them
// against a Backend.
type Server struct {
	backend Backend
	cfg     Config
	log     *slog.Logger

	mu      sync.Mutex
	conns   map[uint32]*conn // by process id, for CancelRequest
	open    map[*conn]bool   // every open connection, for shutdown
	closing bool             // shutdown has begun
	nextPID uint32
	wg      sync.WaitGroup

	// panics counts recovered panics (tests assert none happened).
	panics atomic.Int64
}

// New returns a server for backend.
func New(backend Backend, cfg Config) (*Server, error) {
	switch cfg.Auth {
	case "":
		cfg.Auth = AuthTrust
	case AuthTrust, AuthSCRAM:
	default:
		return nil, fmt.Errorf("server: unknown auth method %q (want trust or scram)", cfg.Auth)
	}
	if cfg.TLSRequired && cfg.TLS == nil {
		return nil, errors.New("server: TLS is required but no certificate is configured")
	}
	if cfg.HBA != nil && cfg.TLS == nil {
		if line, ok := cfg.HBA.HasSSLRules(); ok {
			return nil, fmt.Errorf("server: %s line %d: hostssl record cannot match because TLS is not configured (give a certificate and key)",
				cfg.HBA.File(), line)
		}
	}
	if cfg.TLS != nil {
		cfg.TLS = serverTLSConfig(cfg.TLS)
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.StartupTimeout <= 0 {
		cfg.StartupTimeout = time.Minute
	}
	if cfg.ServerVersion == "" {
		cfg.ServerVersion = "16.4"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var seed [4]byte
	_, _ = rand.Read(seed[:])
	return &Server{
		backend: backend,
		cfg:     cfg,
		log:     log,
		conns:   make(map[uint32]*conn),
		open:    make(map[*conn]bool),
		// Start process ids somewhere random-looking and positive, so
		// they do not collide across restarts in client logs.
		nextPID: 1000 + binary.BigEndian.Uint32(seed[:])%(1<<20),
	}, nil
}

// SCRAMVerifier returns the stored SCRAM-SHA-256 secret for password, in
// PostgreSQL's format. The SQL layer should call scram.NewVerifier
// directly (it cannot import this package).
func SCRAMVerifier(password string) (string, error) { return scram.NewVerifier(password) }

// ListenAndServe listens on cfg.ListenAddr and serves until ctx is done.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.ListenAddr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln until ctx is done, then shuts down:
// it stops accepting, cancels running statements, tells every client
// 57P01 and waits for all connections to end. It closes ln. It returns
// nil after a shutdown caused by ctx.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	auth := s.cfg.Auth
	if s.cfg.HBA != nil {
		auth = "hba:" + s.cfg.HBA.File()
	}
	s.log.Info("listening", "addr", ln.Addr().String(), "auth", auth, "tls", s.cfg.TLS != nil, "tls_required", s.cfg.TLSRequired)
	stop := context.AfterFunc(ctx, func() {
		_ = ln.Close()
		s.wakeAll()
	})
	defer stop()
	var backoff time.Duration
	var err error
	for {
		var nc net.Conn
		nc, err = ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				err = nil
				break
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			break
		}
		backoff = 0
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(ctx, nc)
		}()
	}
	_ = ln.Close()
	if ctx.Err() != nil {
		s.wakeAll()
	}
	s.wg.Wait()
	s.log.Info("server stopped")
	return err
}

// isTemporary reports accept errors worth retrying (out of file
// descriptors and the like).
func isTemporary(err error) bool {
	type temporary interface{ Temporary() bool }
	var t temporary
	return errors.As(err, &t) && t.Temporary()
}

// wakeAll makes every connection notice shutdown: a past read deadline
// unblocks a connection waiting for its client, and a near write deadline
// one stuck writing to a client that does not read.
func (s *Server) wakeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	for c := range s.open {
		wake(c)
	}
}

// isClosing reports whether shutdown has begun (wakeAll ran).
func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func wake(c *conn) {
	_ = c.nc.SetReadDeadline(time.Unix(1, 0))
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
}

// track records an open connection (untrack when it ends).
func (s *Server) track(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open[c] = true
	if s.closing {
		wake(c)
	}
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.open, c)
}

// register gives c a process id and secret key for CancelRequest.
func (s *Server) register(c *conn) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	// Use the session's own process id when it has one, so that the
	// BackendKeyData pid is the one pg_backend_pid(), pg_locks and
	// pg_stat_activity show (clients cancel and kill by it).
	if p, ok := c.sess.(interface{ BackendPID() int32 }); ok {
		if pid := uint32(p.BackendPID()); pid != 0 {
			if _, taken := s.conns[pid]; !taken {
				c.pid = pid
				c.secret = b[:]
				s.conns[c.pid] = c
				return
			}
		}
	}
	for {
		s.nextPID++
		if s.nextPID == 0 || s.nextPID > 1<<30 {
			s.nextPID = 1000
		}
		if _, taken := s.conns[s.nextPID]; !taken {
			break
		}
	}
	c.pid = s.nextPID
	c.secret = b[:]
	s.conns[c.pid] = c
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns[c.pid] == c {
		delete(s.conns, c.pid)
	}
}

// cancelRequest cancels the running statement of connection pid if the
// secret matches. Like PostgreSQL it answers nothing either way.
func (s *Server) cancelRequest(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.conns[pid]
	s.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare(c.secret, secret) != 1 {
		s.log.Debug("ignoring cancel request with unknown key", "pid", pid)
		return
	}
	c.cancelRunning()
}
