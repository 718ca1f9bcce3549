package scram

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Mechanism is the SASL mechanism name.
const Mechanism = "SCRAM-SHA-256"

// DefaultIterations is PostgreSQL's default scram_iterations.
const DefaultIterations = 4096

const saltLen = 16

// Verifier is a parsed stored SCRAM secret.
type Verifier struct {
	Iterations int
	Salt       []byte
	StoredKey  []byte
	ServerKey  []byte
}

// NewVerifier returns the stored secret for password, in PostgreSQL's
// format "SCRAM-SHA-256$<iter>:<b64salt>$<b64StoredKey>:<b64ServerKey>".
func NewVerifier(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return BuildVerifier(password, salt, DefaultIterations)
}

// BuildVerifier is NewVerifier with a given salt and iteration count.
func BuildVerifier(password string, salt []byte, iterations int) (string, error) {
	if iterations < 1 {
		return "", errors.New("scram: iteration count must be positive")
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	clientKey := hmacSHA256(salted, []byte("Client Key"))
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, []byte("Server Key"))
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("%s$%d:%s$%s:%s", Mechanism, iterations, b64(salt), b64(storedKey[:]), b64(serverKey)), nil
}

// ParseVerifier parses a stored secret.
func ParseVerifier(s string) (*Verifier, error) {
	bad := errors.New("scram: malformed stored verifier")
	mech, rest, ok := strings.Cut(s, "$")
	if !ok || mech != Mechanism {
		return nil, bad
	}
	iterSalt, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return nil, bad
	}
	iterStr, saltStr, ok := strings.Cut(iterSalt, ":")
	if !ok {
		return nil, bad
	}
	storedStr, serverStr, ok := strings.Cut(keys, ":")
	if !ok {
		return nil, bad
	}
	iter, err := strconv.Atoi(iterStr)
	if err != nil || iter < 1 {
		return nil, bad
	}
	dec := base64.StdEncoding.DecodeString
	salt, err1 := dec(saltStr)
	stored, err2 := dec(storedStr)
	server, err3 := dec(serverStr)
	if err1 != nil || err2 != nil || err3 != nil || len(stored) != sha256.Size || len(server) != sha256.Size {
		return nil, bad
	}
	return &Verifier{Iterations: iter, Salt: salt, StoredKey: stored, ServerKey: server}, nil
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// ErrAuthFailed is returned when the client's proof does not match.
var ErrAuthFailed = errors.New("scram: authentication failed")

// Conversation is the server side of one SCRAM exchange:
//
//	first := conv.ServerFirst(clientFirst)   // -> AuthenticationSASLContinue
//	final, err := conv.ServerFinal(clientFinal) // -> AuthenticationSASLFinal
//
// A nil verifier runs a mock exchange (with a random salt) that always
// fails at the end, so a client cannot tell a missing role from a wrong
// password.
type Conversation struct {
	v               *Verifier
	clientFirstBare string
	serverFirst     string
	nonce           string
	gs2Header       string
	step            int
}

// NewConversation starts an exchange against v (nil for a mock one).
func NewConversation(v *Verifier) *Conversation {
	return &Conversation{v: v}
}

// ServerFirst consumes the client-first-message and returns the
// server-first-message.
func (c *Conversation) ServerFirst(clientFirst []byte) ([]byte, error) {
	if c.step != 0 {
		return nil, errors.New("scram: unexpected client-first-message")
	}
	c.step = 1
	msg := string(clientFirst)
	// gs2-header: cbind-flag "," [authzid] ","
	flag, rest, ok := strings.Cut(msg, ",")
	if !ok {
		return nil, errors.New("scram: malformed client-first-message")
	}
	switch {
	case flag == "n" || flag == "y":
	case strings.HasPrefix(flag, "p="):
		return nil, errors.New("scram: channel binding is not supported")
	default:
		return nil, errors.New("scram: malformed GS2 header")
	}
	authzid, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, errors.New("scram: malformed client-first-message")
	}
	if authzid != "" {
		return nil, errors.New("scram: authorization identities are not supported")
	}
	c.gs2Header = flag + "," + authzid + ","
	c.clientFirstBare = bare
	var clientNonce string
	for _, attr := range strings.Split(bare, ",") {
		if v, ok := strings.CutPrefix(attr, "r="); ok {
			clientNonce = v
		} else if strings.HasPrefix(attr, "m=") {
			return nil, errors.New("scram: mandatory extensions are not supported")
		}
	}
	if clientNonce == "" || !printable(clientNonce) {
		return nil, errors.New("scram: missing or invalid client nonce")
	}
	raw := make([]byte, 18)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	c.nonce = clientNonce + base64.StdEncoding.EncodeToString(raw)
	salt, iter := make([]byte, saltLen), DefaultIterations
	if c.v != nil {
		salt, iter = c.v.Salt, c.v.Iterations
	} else if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	c.serverFirst = fmt.Sprintf("r=%s,s=%s,i=%d", c.nonce, base64.StdEncoding.EncodeToString(salt), iter)
	return []byte(c.serverFirst), nil
}

// ServerFinal checks the client-final-message and returns the
// server-final-message. It returns ErrAuthFailed when the proof is wrong
// (or the conversation is a mock one) and another error when the message
// is malformed.
func (c *Conversation) ServerFinal(clientFinal []byte) ([]byte, error) {
	if c.step != 1 {
		return nil, errors.New("scram: unexpected client-final-message")
	}
	c.step = 2
	msg := string(clientFinal)
	idx := strings.LastIndex(msg, ",p=")
	if idx < 0 {
		return nil, errors.New("scram: malformed client-final-message")
	}
	withoutProof, proofStr := msg[:idx], msg[idx+3:]
	var cbind, nonce string
	for _, attr := range strings.Split(withoutProof, ",") {
		if v, ok := strings.CutPrefix(attr, "c="); ok {
			cbind = v
		} else if v, ok := strings.CutPrefix(attr, "r="); ok {
			nonce = v
		}
	}
	if cbind != base64.StdEncoding.EncodeToString([]byte(c.gs2Header)) {
		return nil, errors.New("scram: channel binding data does not match")
	}
	if nonce != c.nonce {
		return nil, errors.New("scram: nonce does not match")
	}
	proof, err := base64.StdEncoding.DecodeString(proofStr)
	if err != nil || len(proof) != sha256.Size {
		return nil, errors.New("scram: malformed client proof")
	}
	if c.v == nil {
		return nil, ErrAuthFailed
	}
	authMsg := []byte(c.clientFirstBare + "," + c.serverFirst + "," + withoutProof)
	clientSig := hmacSHA256(c.v.StoredKey, authMsg)
	clientKey := make([]byte, sha256.Size)
	for i := range clientKey {
		clientKey[i] = proof[i] ^ clientSig[i]
	}
	stored := sha256.Sum256(clientKey)
	if subtle.ConstantTimeCompare(stored[:], c.v.StoredKey) != 1 {
		return nil, ErrAuthFailed
	}
	serverSig := hmacSHA256(c.v.ServerKey, authMsg)
	return []byte("v=" + base64.StdEncoding.EncodeToString(serverSig)), nil
}

// printable reports whether s is made of RFC 5802 "printable" characters
// (0x21-0x7E except ',').
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == ',' {
			return false
		}
	}
	return true
}

// CheckPassword reports whether password matches the verifier. It serves
// the cleartext "password" method (the client sends the password itself,
// normally inside TLS); the comparison is constant-time.
func (v *Verifier) CheckPassword(password string) bool {
	salted, err := pbkdf2.Key(sha256.New, password, v.Salt, v.Iterations, sha256.Size)
	if err != nil {
		return false
	}
	storedKey := sha256.Sum256(hmacSHA256(salted, []byte("Client Key")))
	serverKey := hmacSHA256(salted, []byte("Server Key"))
	return subtle.ConstantTimeCompare(storedKey[:], v.StoredKey) == 1 &&
		subtle.ConstantTimeCompare(serverKey, v.ServerKey) == 1
}
