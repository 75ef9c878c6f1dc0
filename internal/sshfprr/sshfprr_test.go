package sshfprr

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// The Ed25519 key of ../shared/research/keyscan.md section 2 and the
// digests OpenSSH 9.2's ssh-keyscan -D and ssh-keygen -r print for it.
const (
	edKey    = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFa9jOwSV6I8pEKQ2CTzoyslAd4+WNNHbzrBtylGof5Y"
	edSHA1   = "94cf258c131f4a71b238256fd0c62afc2bba131f"
	edSHA256 = "a3c57e52a133a7d65a06b2559b537fa131f6917a44a1b5b538ad5f24009adece"
)

func parseKey(t *testing.T, text string) ssh.PublicKey {
	t.Helper()
	k, _, err := fingerprint.ParseKeyText(text)
	require.NoError(t, err, text)
	return k
}

func TestAlgorithm(t *testing.T) {
	for typ, want := range map[string]uint8{
		"ssh-rsa": 1, "ssh-dss": 2, "ecdsa-sha2-nistp256": 3, "ecdsa-sha2-nistp384": 3,
		"ecdsa-sha2-nistp521": 3, "ssh-ed25519": 4, "ssh-ed448": 6,
		// No number: certificates, security keys, signature algorithms, unknown.
		"ssh-ed25519-cert-v01@openssh.com": 0, "sk-ssh-ed25519@openssh.com": 0,
		"sk-ecdsa-sha2-nistp256@openssh.com": 0, "rsa-sha2-256": 0, "": 0, "SSH-RSA": 0,
	} {
		assert.Equal(t, want, Algorithm(typ), typ)
	}
}

func TestTypes(t *testing.T) {
	assert.Equal(t, [...]uint8{1, 2}, FingerprintTypes)
	assert.Equal(t, fingerprint.SHA1, Hash(SHA1))
	assert.Equal(t, fingerprint.SHA256, Hash(SHA256))
	for _, bad := range []uint8{0, 3, 255} {
		assert.Zero(t, Hash(bad), bad)
		assert.Nil(t, Digest([]byte("x"), bad), bad)
	}
	assert.Equal(t, SHA1, Type(fingerprint.SHA1))
	assert.Equal(t, SHA256, Type(fingerprint.SHA256))
	assert.Zero(t, Type(fingerprint.MD5))
	assert.Zero(t, Type(0))
}

func TestDigest(t *testing.T) {
	k := parseKey(t, edKey)
	assert.Equal(t, edSHA1, hex.EncodeToString(Digest(k.Marshal(), SHA1)))
	assert.Equal(t, edSHA256, hex.EncodeToString(Digest(k.Marshal(), SHA256)))
}

func TestPlain(t *testing.T) {
	k := parseKey(t, edKey)
	alg, blob, err := Plain(k)
	require.NoError(t, err)
	assert.Equal(t, uint8(4), alg)
	assert.Equal(t, k.Marshal(), blob)

	// A certificate: the certified key's number and blob.
	_, caPriv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	ca, err := ssh.NewSignerFromKey(caPriv)
	require.NoError(t, err)
	cert := &ssh.Certificate{Key: k, CertType: ssh.HostCert, ValidPrincipals: []string{"h"}, ValidBefore: ssh.CertTimeInfinity}
	require.NoError(t, cert.SignCert(rand.Reader, ca))
	alg, blob, err = Plain(cert)
	require.NoError(t, err)
	assert.Equal(t, uint8(4), alg)
	assert.Equal(t, k.Marshal(), blob)
	assert.Equal(t, edSHA256, hex.EncodeToString(Digest(blob, SHA256)))

	// A security key has no number, and no error.
	sk := parseKey(t, "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIEX/dQ0v4127bEo8eeG1EV0ApO2lWbSnN6RWusn/NjqIAAAABHNzaDo=")
	alg, _, err = Plain(sk)
	require.NoError(t, err)
	assert.Zero(t, alg)

	// A blob without a type name.
	_, _, err = Plain(badKey{})
	assert.ErrorContains(t, err, "malformed key")
}

type badKey struct{}

func (badKey) Type() string                                 { return "x" }
func (badKey) Marshal() []byte                              { return []byte{0, 0, 0, 9, 'x'} }
func (badKey) Verify(data []byte, sig *ssh.Signature) error { return nil }
