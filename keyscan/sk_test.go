package keyscan

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// Security-key host keys (sk-ssh-ed25519@openssh.com and
// sk-ecdsa-sha2-nistp256@openssh.com, OpenSSH's PROTOCOL.u2f) need a FIDO
// token to sign, so no real sshd here can serve one. skHostKey holds such a
// key in software and signs as an authenticator does: over
// SHA256(application) || flags || counter || SHA256(message), with the
// flags byte and the counter after the signature blob. x/crypto's server
// serves it as it would any other host key; the real ssh client checks
// that the signatures are right, and ssh-keyscan is the oracle for the key
// lines.

const (
	skEd25519 = "sk-ssh-ed25519@openssh.com"
	skECDSA   = "sk-ecdsa-sha2-nistp256@openssh.com"

	skFlagUserPresence = 0x01
)

// skHostKey is an ssh.Signer for a security-key host key, or for a host
// certificate of one when cert is set.
type skHostKey struct {
	typ  string // skEd25519 or skECDSA
	app  string // the application in the public key, "ssh:"
	ed   ed25519.PrivateKey
	ec   *ecdsa.PrivateKey
	pub  ssh.PublicKey // as x/crypto parses the blob built from the fields above
	cert *ssh.Certificate

	flags   byte
	counter atomic.Uint32

	// signApp, when set, is the application hashed into signatures
	// instead of app.
	signApp string
	// tamper, when set, changes each signature after it is made.
	tamper func(*ssh.Signature)
}

func newSKHostKey(t *testing.T, typ, app string) *skHostKey {
	t.Helper()
	k := &skHostKey{typ: typ, app: app, flags: skFlagUserPresence}
	var blob []byte
	switch typ {
	case skEd25519:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		k.ed = priv
		blob = ssh.Marshal(struct {
			Type, Key, App string
		}{typ, string(pub), app})
	case skECDSA:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		k.ec = priv
		q, err := priv.PublicKey.Bytes() // uncompressed SEC 1 point
		require.NoError(t, err)
		blob = ssh.Marshal(struct {
			Type, Curve, Q, App string
		}{typ, "nistp256", string(q), app})
	default:
		t.Fatalf("unknown security-key type %q", typ)
	}
	pub, err := ssh.ParsePublicKey(blob)
	require.NoError(t, err)
	require.Equal(t, typ, pub.Type())
	require.Equal(t, blob, pub.Marshal())
	k.pub = pub
	return k
}

// certify makes k present a host certificate of itself, signed by a new
// Ed25519 CA, which it returns.
func (k *skHostKey) certify(t *testing.T) ssh.PublicKey {
	t.Helper()
	ca := newSigner(t)
	c := &ssh.Certificate{
		Key: k.pub, Serial: 7, CertType: ssh.HostCert, KeyId: "sk host",
		ValidPrincipals: []string{"127.0.0.1"}, ValidBefore: ssh.CertTimeInfinity,
	}
	require.NoError(t, c.SignCert(rand.Reader, ca))
	k.cert = c
	return ca.PublicKey()
}

// trust returns the host-key algorithm and the known_hosts line with which
// the ssh client trusts k served at port: the key itself, or ca for a
// certificate.
func (k *skHostKey) trust(port int, ca ssh.PublicKey) (algo, line string) {
	if k.cert == nil {
		return k.typ, KnownHostsLines([]string{"127.0.0.1"}, port, k.pub, false)[0]
	}
	return k.cert.Type(), "@cert-authority [127.0.0.1]:" + strconv.Itoa(port) + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ca)))
}

func (k *skHostKey) PublicKey() ssh.PublicKey {
	if k.cert != nil {
		return k.cert
	}
	return k.pub
}

// Sign signs as a FIDO authenticator would. The signature format is that
// of the plain key, certificate or not.
func (k *skHostKey) Sign(_ io.Reader, data []byte) (*ssh.Signature, error) {
	counter := k.counter.Add(1)
	app := k.app
	if k.signApp != "" {
		app = k.signApp
	}
	appHash := sha256.Sum256([]byte(app))
	msgHash := sha256.Sum256(data)
	signed := append(appHash[:], k.flags)
	signed = binary.BigEndian.AppendUint32(signed, counter)
	signed = append(signed, msgHash[:]...)

	sig := &ssh.Signature{Format: k.typ, Rest: binary.BigEndian.AppendUint32([]byte{k.flags}, counter)}
	if k.ed != nil {
		sig.Blob = ed25519.Sign(k.ed, signed)
	} else {
		d := sha256.Sum256(signed)
		r, s, err := ecdsa.Sign(rand.Reader, k.ec, d[:])
		if err != nil {
			return nil, err
		}
		sig.Blob = ssh.Marshal(struct{ R, S *big.Int }{r, s})
	}
	if k.tamper != nil {
		k.tamper(sig)
	}
	return sig, nil
}

// serveSK serves hostKey with x/crypto's server, accepting any client
// without authentication and refusing its channels.
func serveSK(t *testing.T, hostKey ssh.Signer) int {
	t.Helper()
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(hostKey)
	return hostile(t, func(c net.Conn) {
		defer c.Close()
		sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
		if err != nil {
			return
		}
		go ssh.DiscardRequests(reqs)
		for ch := range chans {
			ch.Reject(ssh.Prohibited, "sk test server")
		}
		sc.Close()
	})
}

// sshAccepts connects the real ssh client to port with only algo allowed
// and knownHosts (a known_hosts line) as the only trusted key, and reports
// whether it authenticated, which it only does after verifying the host
// key's signature of the exchange hash.
func sshAccepts(t *testing.T, port int, algo, knownHosts string) (bool, string) {
	t.Helper()
	bin := testpeer.Binary(t, "ssh", "openssh-client")
	kh := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(kh, []byte(knownHosts+"\n"), 0o600))
	cmd := exec.Command(bin, "-v", "-F", "/dev/null",
		"-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
		"-o", "UserKnownHostsFile="+kh, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "HostKeyAlgorithms="+algo, "-o", "ConnectTimeout=10",
		"-p", strconv.Itoa(port), "127.0.0.1", "true")
	out, _ := cmd.CombinedOutput()
	return strings.Contains(string(out), "Authenticated to 127.0.0.1"), string(out)
}

// scanOne scans 127.0.0.1:port for one key type.
func scanOne(t *testing.T, port int, kt KeyType, certs bool) *Result {
	t.Helper()
	sc := &Scanner{KeyTypes: []KeyType{kt}, Certificates: certs}
	return sc.ScanTarget(context.Background(), Target{Hosts: []string{"127.0.0.1"}, Port: port})
}

var skCases = []struct {
	kt   KeyType
	typ  string
	cert bool
}{
	{Ed25519SK, skEd25519, false},
	{ECDSASK, skECDSA, false},
	{Ed25519SK, skEd25519, true},
	{ECDSASK, skECDSA, true},
}

func skCaseName(kt KeyType, cert bool) string {
	if cert {
		return string(kt) + "-cert"
	}
	return string(kt)
}

// TestSKFixtureSignsAsOpenSSHVerifies: the real ssh client accepts the
// fixture's host keys and certificates, so the tests below scan what a
// server with a FIDO token would serve; and it refuses a key it does not
// trust, so that acceptance means something.
func TestSKFixtureSignsAsOpenSSHVerifies(t *testing.T) {
	for _, c := range skCases {
		t.Run(skCaseName(c.kt, c.cert), func(t *testing.T) {
			k := newSKHostKey(t, c.typ, "ssh:")
			var ca ssh.PublicKey
			if c.cert {
				ca = k.certify(t)
			}
			port := serveSK(t, k)
			algo, line := k.trust(port, ca)
			ok, log := sshAccepts(t, port, algo, line)
			assert.True(t, ok, "ssh refused the fixture's %s:\n%s", algo, log)

			other := newSKHostKey(t, c.typ, "ssh:")
			ok, log = sshAccepts(t, port, algo, KnownHostsLines([]string{"127.0.0.1"}, port, other.pub, false)[0])
			assert.False(t, ok, "ssh accepted an untrusted %s:\n%s", algo, log)
		})
	}
}

// TestScanSKHostKeys: the Scanner fetches security-key host keys and their
// certificates, verified, and prints them as ssh-keyscan does.
func TestScanSKHostKeys(t *testing.T) {
	keyscanBin := testpeer.Binary(t, "ssh-keyscan", "openssh-client")
	for _, c := range skCases {
		t.Run(skCaseName(c.kt, c.cert), func(t *testing.T) {
			k := newSKHostKey(t, c.typ, "ssh:")
			if c.cert {
				k.certify(t)
			}
			port := serveSK(t, k)
			r := scanOne(t, port, c.kt, c.cert)
			require.Len(t, r.Keys, 1, "%v", r.Errors)
			got := r.Keys[0]
			assert.Equal(t, c.kt, got.Type)
			assert.Equal(t, k.PublicKey().Type(), got.Algorithm)
			assert.Equal(t, k.PublicKey().Marshal(), got.Key.Marshal())
			assert.Empty(t, r.Errors)
			if c.cert {
				require.NotNil(t, got.Cert)
				assert.Equal(t, k.pub.Marshal(), got.Cert.Key.Marshal())
			} else {
				assert.Nil(t, got.Cert)
			}

			args := []string{"-t", string(c.kt), "-p", strconv.Itoa(port), "127.0.0.1"}
			if c.cert {
				args = append([]string{"-c"}, args...)
			}
			want := runKeyscan(t, keyscanBin, args...)
			assert.Equal(t, want, KnownHostsLines([]string{"127.0.0.1"}, port, got.Key, false))
		})
	}
}

// TestScanSKApplication: the application is part of the key; one other
// than "ssh:" is kept, and printed as ssh-keyscan prints it.
func TestScanSKApplication(t *testing.T) {
	keyscanBin := testpeer.Binary(t, "ssh-keyscan", "openssh-client")
	k := newSKHostKey(t, skEd25519, "ssh:host-key")
	port := serveSK(t, k)
	r := scanOne(t, port, Ed25519SK, false)
	require.Len(t, r.Keys, 1, "%v", r.Errors)
	assert.Equal(t, k.pub.Marshal(), r.Keys[0].Key.Marshal())
	want := runKeyscan(t, keyscanBin, "-t", "ed25519-sk", "-p", strconv.Itoa(port), "127.0.0.1")
	assert.Equal(t, want, KnownHostsLines([]string{"127.0.0.1"}, port, r.Keys[0].Key, false))
}

// TestScanSKBadSignature: a server whose security-key signature of the
// exchange hash is wrong gives no key but a protocol error, where
// ssh-keyscan, which stops before checking the signature, prints the key.
// The real ssh client refuses each of these signatures too.
func TestScanSKBadSignature(t *testing.T) {
	keyscanBin := testpeer.Binary(t, "ssh-keyscan", "openssh-client")
	flipBlob := func(s *ssh.Signature) { s.Blob[len(s.Blob)/2] ^= 0x40 }
	cases := []struct {
		name    string
		signApp string
		tamper  func(*ssh.Signature)
	}{
		{"flipped byte", "", flipBlob},
		{"wrong application", "ssh:other", nil},
		{"flags changed", "", func(s *ssh.Signature) { s.Rest[0] |= 0x04 }},
		{"counter changed", "", func(s *ssh.Signature) { s.Rest[4]++ }},
		{"no counter", "", func(s *ssh.Signature) { s.Rest = s.Rest[:1] }},
		{"trailing byte", "", func(s *ssh.Signature) { s.Rest = append(s.Rest, 0) }},
		{"plain signature format", "", func(s *ssh.Signature) {
			s.Format = map[string]string{skEd25519: ssh.KeyAlgoED25519, skECDSA: ssh.KeyAlgoECDSA256}[s.Format]
		}},
	}
	for _, typ := range []string{skEd25519, skECDSA} {
		kt := Ed25519SK
		if typ == skECDSA {
			kt = ECDSASK
		}
		for _, c := range cases {
			t.Run(string(kt)+" "+c.name, func(t *testing.T) {
				k := newSKHostKey(t, typ, "ssh:")
				k.signApp, k.tamper = c.signApp, c.tamper
				port := serveSK(t, k)

				r := scanOne(t, port, kt, false)
				assert.Empty(t, r.Keys)
				var e *Error
				require.True(t, errors.As(r.Err(), &e), "%v", r.Err())
				assert.Equal(t, Protocol.String(), e.Kind.String(), "%v", e)
				assert.Equal(t, StageKex, e.Stage)
				t.Log(e)

				want := KnownHostsLines([]string{"127.0.0.1"}, port, k.pub, false)
				assert.Equal(t, want, runKeyscan(t, keyscanBin, "-t", string(kt), "-p", strconv.Itoa(port), "127.0.0.1"))

				ok, log := sshAccepts(t, port, typ, want[0])
				assert.False(t, ok, "ssh accepted the bad signature:\n%s", log)
			})
		}
	}
}

// TestScanSKHostKeyWithoutUserPresence: sshd signs with a security-key host
// key without asking for a touch (it clears the key's user-presence
// requirement when loading it), so the authenticator's flags lack the
// user-presence bit. OpenSSH's client verifies host-key signatures without
// looking at the flags (kexgen.c passes no signature details to
// sshkey_verify), so the real ssh accepts such a server; the Scanner must
// too.
func TestScanSKHostKeyWithoutUserPresence(t *testing.T) {
	for _, c := range skCases {
		t.Run(skCaseName(c.kt, c.cert), func(t *testing.T) {
			k := newSKHostKey(t, c.typ, "ssh:")
			k.flags = 0
			var ca ssh.PublicKey
			if c.cert {
				ca = k.certify(t)
			}
			port := serveSK(t, k)
			algo, line := k.trust(port, ca)
			ok, log := sshAccepts(t, port, algo, line)
			require.True(t, ok, "ssh refused a signature without user presence:\n%s", log)

			r := scanOne(t, port, c.kt, c.cert)
			require.Len(t, r.Keys, 1, "%v", r.Errors)
			assert.Equal(t, k.PublicKey().Marshal(), r.Keys[0].Key.Marshal())
			assert.Equal(t, algo, r.Keys[0].Algorithm)
		})
	}
}
