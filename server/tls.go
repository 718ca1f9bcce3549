package server

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
)

// alpnProtocol is the ALPN name PostgreSQL 17 clients send with direct
// TLS negotiation (sslnegotiation=direct).
const alpnProtocol = "postgresql"

// tlsRecordHandshake is the first byte of a TLS ClientHello record; no
// PostgreSQL startup packet can start with it (its length would exceed
// the 10000-byte startup limit).
const tlsRecordHandshake = 0x16

// LoadTLSConfig builds the server's TLS configuration from a PEM
// certificate chain and private key, as --tls-cert and --tls-key give them.
func LoadTLSConfig(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, nil
}

// serverTLSConfig applies the server's floor to a caller's TLS config:
// TLS 1.2 at least (PostgreSQL's ssl_min_protocol_version default) and
// the ALPN name direct-TLS clients insist on. Go's default cipher suites
// are already restricted to AEAD suites with forward secrecy.
func serverTLSConfig(in *tls.Config) *tls.Config {
	cfg := in.Clone()
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	for _, p := range cfg.NextProtos {
		if p == alpnProtocol {
			return cfg
		}
	}
	cfg.NextProtos = append(cfg.NextProtos, alpnProtocol)
	return cfg
}

// countingReader counts the bytes read from the socket before a TLS
// upgrade: anything beyond the SSLRequest itself was sent in plain text
// and would otherwise be silently dropped or, worse, trusted
// (CVE-2021-23214).
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// prefixConn replays bytes already read from a connection (the first byte
// we peeked at to recognise direct TLS) before reading on.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.prefix) > 0 {
		n := copy(b, p.prefix)
		p.prefix = p.prefix[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// sslSession is implemented by sessions that can show TLS state: SHOW ssl
// and pg_settings (serverOn: the server has a certificate) and pg_stat_ssl
// (version and cipher of this connection, empty without TLS). The server
// calls it once, right after NewSession.
type sslSession interface {
	SetSSL(serverOn bool, version, cipher string)
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return tls.VersionName(v)
}
