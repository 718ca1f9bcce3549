package scram

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// clientFinal computes a client-final-message the way a SCRAM client does.
func clientFinal(t *testing.T, password, clientFirstBare, serverFirst string) string {
	t.Helper()
	var nonce, saltB64 string
	var iter int
	for _, a := range strings.Split(serverFirst, ",") {
		switch {
		case strings.HasPrefix(a, "r="):
			nonce = a[2:]
		case strings.HasPrefix(a, "s="):
			saltB64 = a[2:]
		case strings.HasPrefix(a, "i="):
			for _, ch := range a[2:] {
				iter = iter*10 + int(ch-'0')
			}
		}
	}
	salt, _ := base64.StdEncoding.DecodeString(saltB64)
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, 32)
	if err != nil {
		t.Fatal(err)
	}
	clientKey := hmacSHA256(salted, []byte("Client Key"))
	stored := sha256.Sum256(clientKey)
	without := "c=" + base64.StdEncoding.EncodeToString([]byte("n,,")) + ",r=" + nonce
	sig := hmacSHA256(stored[:], []byte(clientFirstBare+","+serverFirst+","+without))
	proof := make([]byte, 32)
	for i := range proof {
		proof[i] = clientKey[i] ^ sig[i]
	}
	return without + ",p=" + base64.StdEncoding.EncodeToString(proof)
}

func TestVerifierFormat(t *testing.T) {
	s, err := NewVerifier("secret")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "SCRAM-SHA-256$4096:") {
		t.Fatalf("unexpected verifier %q", s)
	}
	v, err := ParseVerifier(s)
	if err != nil {
		t.Fatal(err)
	}
	if v.Iterations != 4096 || len(v.Salt) != 16 {
		t.Fatalf("bad parse: %+v", v)
	}
	for _, bad := range []string{"", "md5abc", "SCRAM-SHA-256$x:AAAA$AAAA:AAAA", "SCRAM-SHA-256$4096:AAAA$AAAA"} {
		if _, err := ParseVerifier(bad); err == nil {
			t.Errorf("ParseVerifier(%q) succeeded", bad)
		}
	}
}

// The verifier is a pure function of password, salt and iterations.
func TestBuildVerifierDeterministic(t *testing.T) {
	salt := []byte("0123456789abcdef")
	a, _ := BuildVerifier("pencil", salt, 4096)
	b, _ := BuildVerifier("pencil", salt, 4096)
	c, _ := BuildVerifier("pencil2", salt, 4096)
	if a != b || a == c {
		t.Fatalf("verifier not a function of password and salt: %s %s %s", a, b, c)
	}
}

func TestExchange(t *testing.T) {
	stored, _ := NewVerifier("pencil")
	v, _ := ParseVerifier(stored)
	for _, tc := range []struct {
		name     string
		password string
		v        *Verifier
		wantErr  error
	}{
		{"right password", "pencil", v, nil},
		{"wrong password", "pen", v, ErrAuthFailed},
		{"mock (no role)", "pencil", nil, ErrAuthFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conv := NewConversation(tc.v)
			bare := "n=,r=rOprNGfwEbeRWgbNEkqO"
			first, err := conv.ServerFirst([]byte("n,," + bare))
			if err != nil {
				t.Fatal(err)
			}
			final, err := conv.ServerFinal([]byte(clientFinal(t, tc.password, bare, string(first))))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil && !strings.HasPrefix(string(final), "v=") {
				t.Fatalf("bad server-final %q", final)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	for _, msg := range []string{"", "n", "p=tls-server-end-point,,n=,r=abc", "n,a=x,n=,r=abc", "n,,n=", "x,,n=,r=a"} {
		if _, err := NewConversation(nil).ServerFirst([]byte(msg)); err == nil {
			t.Errorf("ServerFirst(%q) accepted", msg)
		}
	}
	conv := NewConversation(nil)
	if _, err := conv.ServerFirst([]byte("n,,n=,r=abc")); err != nil {
		t.Fatal(err)
	}
	if _, err := conv.ServerFinal([]byte("c=biws,r=wrong,p=AAAA")); err == nil || errors.Is(err, ErrAuthFailed) {
		t.Errorf("bad nonce not rejected as malformed: %v", err)
	}
}

func FuzzConversation(f *testing.F) {
	f.Add([]byte("n,,n=,r=abc"), []byte("c=biws,r=abc,p=AAAA"))
	f.Fuzz(func(t *testing.T, first, final []byte) {
		conv := NewConversation(nil)
		if _, err := conv.ServerFirst(first); err == nil {
			_, _ = conv.ServerFinal(final)
		}
	})
}

func TestCheckPassword(t *testing.T) {
	s, err := NewVerifier("pencil")
	if err != nil {
		t.Fatal(err)
	}
	v, err := ParseVerifier(s)
	if err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]bool{"pencil": true, "Pencil": false, "": false, "pencil ": false} {
		if got := v.CheckPassword(pw); got != want {
			t.Errorf("CheckPassword(%q) = %v, want %v", pw, got, want)
		}
	}
}
