// Package tlstest makes throwaway certificate authorities and server
// certificates for tests, in the spirit of net/http/httptest.
//
// Tests of TLS must exercise verification for real (verify-full checks the
// chain and the host name), so a self-signed server certificate is not
// enough: each test gets its own CA, and a second CA serves as "the wrong
// one". Keys are ECDSA P-256, which is fast to generate and accepted by
// every client under test (pgx, libpq, pgJDBC). Files are written PEM
// encoded, with the private key in PKCS#8 as Java and libpq both read it.
package tlstest
