package main

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math/big"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// skSigner holds a security-key host key (PROTOCOL.u2f) in software and
// signs as a FIDO authenticator does, with the user-presence flag: no sshd
// here can serve such a key without a token. keyscan/sk_test.go checks
// against the real ssh client that these signatures are right.
type skSigner struct {
	pub  ssh.PublicKey
	cert *ssh.Certificate
	ed   ed25519.PrivateKey
	ec   *ecdsa.PrivateKey
	bad  bool // sign over a wrong application hash
}

func newSKSigner(t *testing.T, typ string) *skSigner {
	t.Helper()
	s := &skSigner{}
	var blob []byte
	switch typ {
	case ssh.KeyAlgoSKED25519:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		s.ed = priv
		blob = ssh.Marshal(struct{ Type, Key, App string }{typ, string(pub), "ssh:"})
	case ssh.KeyAlgoSKECDSA256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		s.ec = priv
		q, err := priv.PublicKey.Bytes()
		require.NoError(t, err)
		blob = ssh.Marshal(struct{ Type, Curve, Q, App string }{typ, "nistp256", string(q), "ssh:"})
	}
	pub, err := ssh.ParsePublicKey(blob)
	require.NoError(t, err)
	s.pub = pub
	return s
}

// certified returns a signer presenting a host certificate of s.
func (s *skSigner) certified(t *testing.T) *skSigner {
	t.Helper()
	_, caKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	ca, err := ssh.NewSignerFromKey(caKey)
	require.NoError(t, err)
	c := &ssh.Certificate{Key: s.pub, CertType: ssh.HostCert, KeyId: "sk", ValidPrincipals: []string{"127.0.0.1"}, ValidBefore: ssh.CertTimeInfinity}
	require.NoError(t, c.SignCert(rand.Reader, ca))
	cs := *s
	cs.cert = c
	return &cs
}

func (s *skSigner) PublicKey() ssh.PublicKey {
	if s.cert != nil {
		return s.cert
	}
	return s.pub
}

func (s *skSigner) Sign(_ io.Reader, data []byte) (*ssh.Signature, error) {
	const flags, counter = 0x01, 42 // user present
	app := "ssh:"
	if s.bad {
		app = "ssh:wrong"
	}
	appHash, msgHash := sha256.Sum256([]byte(app)), sha256.Sum256(data)
	signed := binary.BigEndian.AppendUint32(append(appHash[:], flags), counter)
	signed = append(signed, msgHash[:]...)
	sig := &ssh.Signature{Format: s.pub.Type(), Rest: binary.BigEndian.AppendUint32([]byte{flags}, counter)}
	if s.ed != nil {
		sig.Blob = ed25519.Sign(s.ed, signed)
		return sig, nil
	}
	d := sha256.Sum256(signed)
	r, ss, err := ecdsa.Sign(rand.Reader, s.ec, d[:])
	if err != nil {
		return nil, err
	}
	sig.Blob = ssh.Marshal(struct{ R, S *big.Int }{r, ss})
	return sig, nil
}

// serveHostKeys serves the host keys with x/crypto's server until the test
// ends, and returns its port.
func serveHostKeys(t *testing.T, keys ...ssh.Signer) string {
	t.Helper()
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	for _, k := range keys {
		cfg.AddHostKey(k)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				ssh.NewServerConn(c, cfg)
			}()
		}
	}()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestScanSKMatchesKeyscan: hostkeys scan prints a server's security-key
// host keys and certificates as ssh-keyscan does.
func TestScanSKMatchesKeyscan(t *testing.T) {
	ed := newSKSigner(t, ssh.KeyAlgoSKED25519)
	ec := newSKSigner(t, ssh.KeyAlgoSKECDSA256)
	port := serveHostKeys(t, ed, ec, ed.certified(t), ec.certified(t))
	for _, args := range [][]string{
		{"-p", port, "127.0.0.1"},
		{"-p", port, "-t", "ed25519-sk", "127.0.0.1"},
		{"-p", port, "-t", "ecdsa-sk", "127.0.0.1,localhost"},
		{"-p", port, "-t", "ed25519-sk,ecdsa-sk", "-H", "127.0.0.1"},
		{"-c", "-p", port, "-t", "ed25519-sk,ecdsa-sk", "127.0.0.1"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			wantOut, wantErr := runKeyscan(t, args...)
			gotOut, gotErr, code := runHostkeys(t, append([]string{"scan"}, args...)...)
			require.NotEmpty(t, wantOut, "ssh-keyscan found nothing: %s", wantErr)
			assert.Equal(t, 0, code, gotErr)
			if slices.Contains(args, "-H") {
				// Hashed names differ by salt: compare the keys.
				assert.Equal(t, keyFields(wantOut), keyFields(gotOut))
			} else {
				assert.Equal(t, sortedLines(wantOut), sortedLines(gotOut))
			}
			assert.Equal(t, uniqueLines(wantErr, "# "), uniqueLines(gotErr, "# "))
		})
	}
}

// TestScanSKBadSignature: a security-key signature over the wrong
// application hash gives no key and a protocol error (exit 1), where
// ssh-keyscan, which does not check signatures, prints the key.
func TestScanSKBadSignature(t *testing.T) {
	ed := newSKSigner(t, ssh.KeyAlgoSKED25519)
	ed.bad = true
	port := serveHostKeys(t, ed)
	wantOut, _ := runKeyscan(t, "-p", port, "-t", "ed25519-sk", "127.0.0.1")
	assert.Equal(t, "[127.0.0.1]:"+port+" "+string(ssh.MarshalAuthorizedKey(ed.pub)), wantOut)

	out, errOut, code := runHostkeys(t, "scan", "-p", port, "-t", "ed25519-sk", "127.0.0.1")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "hostkeys: error: scan: 127.0.0.1:"+port+": protocol error during key exchange")
	assert.Contains(t, errOut, "host key signature does not verify")
}

// keyFields returns the sorted "type base64" parts of known_hosts lines.
func keyFields(out string) []string {
	var keys []string
	for _, l := range sortedLines(out) {
		if f := strings.Fields(l); len(f) >= 3 {
			keys = append(keys, f[1]+" "+f[2])
		}
	}
	return sortedLines(strings.Join(keys, "\n"))
}
