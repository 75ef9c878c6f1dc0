package knownhosts

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func newSigner(t testing.TB) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return s
}

func keyText(k ssh.PublicKey) string {
	return k.Type() + " " + base64.StdEncoding.EncodeToString(k.Marshal())
}

func hostCert(t testing.TB, ca ssh.Signer, key ssh.PublicKey, principals ...string) *ssh.Certificate {
	t.Helper()
	c := &ssh.Certificate{
		Key:             key,
		CertType:        ssh.HostCert,
		ValidPrincipals: principals,
		ValidAfter:      0,
		ValidBefore:     ssh.CertTimeInfinity,
	}
	require.NoError(t, c.SignCert(rand.Reader, ca))
	return c
}

func testDB(t testing.TB, lines ...string) *DB {
	t.Helper()
	s := ""
	for _, l := range lines {
		s += l + "\n"
	}
	return New(Options{}, parseString(t, s))
}

func TestCallback(t *testing.T) {
	host, other, ca := newSigner(t), newSigner(t), newSigner(t)
	K, O, CA := keyText(host.PublicKey()), keyText(other.PublicKey()), keyText(ca.PublicKey())
	cert := hostCert(t, ca, host.PublicKey(), "server.example")
	wrongName := hostCert(t, ca, host.PublicKey(), "elsewhere.example")
	byOther := hostCert(t, other, host.PublicKey(), "server.example")
	noPrincipals := unsignedCert(t, ca, host.PublicKey())

	type verdict int
	const (
		ok verdict = iota
		unknown
		changed
		revoked
	)
	for _, tc := range []struct {
		name  string
		lines []string
		addr  string
		key   ssh.PublicKey
		want  verdict
	}{
		{"plain ok", []string{"server.example " + K}, "server.example:22", host.PublicKey(), ok},
		{"case-insensitive", []string{"Server.Example " + K}, "SERVER.example:22", host.PublicKey(), ok},
		{"unknown", []string{"elsewhere " + K}, "server.example:22", host.PublicKey(), unknown},
		{"changed, other type counts", []string{"server.example " + kEC}, "server.example:22", host.PublicKey(), changed},
		{"wildcard any port", []string{"* " + K}, "server.example:2222", host.PublicKey(), ok},
		{"port fallback ok", []string{"server.example " + K}, "server.example:2222", host.PublicKey(), ok},
		{"port fallback needs the key", []string{"server.example " + O}, "server.example:2222", host.PublicKey(), unknown},
		{"port entry wins", []string{"[server.example]:2222 " + O, "server.example " + K}, "server.example:2222", host.PublicKey(), changed},
		{"ca key is not a host key", []string{"@cert-authority server.example " + K}, "server.example:22", host.PublicKey(), unknown},
		{"revoked other host", []string{"@revoked other.example " + K, "server.example " + K}, "server.example:22", host.PublicKey(), ok},
		{"revoked this host", []string{"@revoked * " + K, "server.example " + K}, "server.example:22", host.PublicKey(), revoked},
		{"cert ok", []string{"@cert-authority *.example " + CA}, "server.example:22", cert, ok},
		{"cert wrong principal falls back to plain", []string{"@cert-authority *.example " + CA}, "server.example:22", wrongName, unknown},
		{"cert wrong principal, plain known", []string{"@cert-authority *.example " + CA, "server.example " + K}, "server.example:22", wrongName, ok},
		{"cert other ca", []string{"@cert-authority *.example " + CA}, "server.example:22", byOther, unknown},
		{"cert, ca revoked", []string{"@cert-authority *.example " + CA, "@revoked * " + CA}, "server.example:22", cert, revoked},
		{"cert, key revoked", []string{"@cert-authority *.example " + CA, "@revoked * " + K}, "server.example:22", cert, revoked},
		{"cert without principals", []string{"@cert-authority *.example " + CA}, "server.example:22", noPrincipals, ok},
		{"cert via port fallback", []string{"@cert-authority server.example " + CA}, "server.example:2222", cert, ok},
		{"ip address case kept", []string{"2001:db8::1 " + K}, "[2001:DB8::1]:22", host.PublicKey(), ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := testDB(t, tc.lines...)
			err := db.HostKeyCallback()(tc.addr, &net.TCPAddr{}, tc.key)
			switch tc.want {
			case ok:
				assert.NoError(t, err)
			case unknown:
				assert.True(t, IsHostUnknown(err), "%v", err)
			case changed:
				assert.True(t, IsHostKeyChanged(err), "%v", err)
			case revoked:
				assert.True(t, IsRevoked(err), "%v", err)
			}
		})
	}
}

func TestCertExpired(t *testing.T) {
	host, ca := newSigner(t), newSigner(t)
	c := &ssh.Certificate{Key: host.PublicKey(), CertType: ssh.HostCert, ValidAfter: 100, ValidBefore: 200, ValidPrincipals: []string{"h"}}
	require.NoError(t, c.SignCert(rand.Reader, ca))
	f := parseString(t, "@cert-authority * "+keyText(ca.PublicKey())+"\n")
	db := New(Options{Now: func() time.Time { return time.Unix(150, 0) }}, f)
	assert.NoError(t, db.Check("h", c))
	db = New(Options{Now: func() time.Time { return time.Unix(250, 0) }}, f)
	assert.True(t, IsHostUnknown(db.Check("h", c)))
}

func TestHostKeyAlgorithms(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pub, err := ssh.NewPublicKey(&priv.PublicKey)
	require.NoError(t, err)
	rsaKey := keyText(pub)
	db := testDB(t, "h "+rsaKey, "@cert-authority h "+kCA, "other "+k1)
	algos := db.HostKeyAlgorithms("h")
	assert.Equal(t, []string{
		ssh.CertAlgoED25519v01, ssh.CertAlgoECDSA256v01, ssh.CertAlgoECDSA384v01, ssh.CertAlgoECDSA521v01,
		ssh.CertAlgoSKED25519v01, ssh.CertAlgoSKECDSA256v01, ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSASHA256v01,
		ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA,
		ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
		ssh.KeyAlgoSKED25519, ssh.KeyAlgoSKECDSA256,
	}, algos)
	// A known key of the best type: the default list as is.
	assert.Equal(t, defaultHostKeyAlgorithms, testDB(t, "h "+k1).HostKeyAlgorithms("h"))
	// EC only.
	algos = testDB(t, "h "+kEC).HostKeyAlgorithms("h")
	assert.Equal(t, []string{ssh.CertAlgoECDSA256v01, ssh.KeyAlgoECDSA256}, algos[:2])
}

// unsignedCert signs a host certificate without principals, which
// x/crypto's SignCert refuses but OpenSSH accepts.
func unsignedCert(t testing.TB, ca ssh.Signer, key ssh.PublicKey) *ssh.Certificate {
	t.Helper()
	c := &ssh.Certificate{Key: key, CertType: ssh.HostCert, ValidBefore: ssh.CertTimeInfinity, SignatureKey: ca.PublicKey(), Nonce: []byte("nonce")}
	// Sign the blob without the signature field, as SignCert does.
	c.Signature = &ssh.Signature{Format: "ssh-ed25519", Blob: make([]byte, 64)}
	blob := c.Marshal()
	data := blob[:len(blob)-4-len(ssh.Marshal(c.Signature))]
	sig, err := ca.Sign(rand.Reader, data)
	require.NoError(t, err)
	c.Signature = sig
	return c
}
