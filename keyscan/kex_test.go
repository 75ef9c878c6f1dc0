package keyscan

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// exchangeWith runs one handshake against addr proposing only kex and
// hostKeyAlgo.
func exchangeWith(t *testing.T, addr, kex, hostKeyAlgo string) (*handshake, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	h := &handshake{rw: c, clientVersion: "SSH-2.0-hostkeys_test", kexAlgos: []string{kex},
		hostKeyAlgos: []string{hostKeyAlgo}, maxBytes: 256 << 10}
	return h, h.run()
}

// The key exchanges OpenSSH 9.2 implements that this client does too.
var sshdKex = []string{
	"curve25519-sha256", "curve25519-sha256@libssh.org",
	"ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
	"diffie-hellman-group-exchange-sha256", "diffie-hellman-group-exchange-sha1",
	"diffie-hellman-group18-sha512", "diffie-hellman-group16-sha512",
	"diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1",
}

// TestKexMethodsSSHD: every key exchange against a real sshd, with every
// host-key algorithm it signs with, including ssh-dss and the SHA-1 ssh-rsa
// once enabled. sshd is the oracle: a wrong exchange hash or a wrong
// reading of any field fails the signature.
func TestKexMethodsSSHD(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{
		KeyTypes: []string{"rsa", "ecdsa", "ed25519", "dsa"},
		RSABits:  2048,
		Config: []string{
			"KexAlgorithms " + strings.Join(sshdKex, ","),
			"HostKeyAlgorithms +ssh-rsa,ssh-dss",
			"MaxStartups 100:30:200",
		},
	})
	keyOf := map[string]ssh.PublicKey{}
	for _, k := range srv.Keys {
		keyOf[k.Type()] = k
	}
	hostAlgos := []string{"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ecdsa-sha2-nistp256", "ssh-ed25519", "ssh-dss"}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6)
	for _, kex := range sshdKex {
		for _, ha := range hostAlgos {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				h, err := exchangeWith(t, srv.Addr, kex, ha)
				if !assert.NoError(t, err, "%s with %s\n%s", kex, ha, srv.Log()) {
					return
				}
				assert.Equal(t, ha, h.negotiated.HostKey)
				assert.Equal(t, kex, h.negotiated.KeyExchange)
				assert.Equal(t, keyOf[hostKeyType(ha)].Marshal(), h.key.Marshal(), "%s with %s", kex, ha)
			}()
		}
	}
	wg.Wait()
}

// TestScanDSAHostKey: a DSA host key through the Scanner, as ssh-keyscan
// -t dsa prints it.
func TestScanDSAHostKey(t *testing.T) {
	keyscanBin := testpeer.Binary(t, "ssh-keyscan", "openssh-client")
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"dsa", "ed25519"},
		Config: []string{"HostKeyAlgorithms +ssh-dss"}})
	r := (&Scanner{KeyTypes: []KeyType{DSA, Ed25519}}).ScanTarget(t.Context(), Target{Hosts: []string{"127.0.0.1"}, Port: srv.Port})
	require.Len(t, r.Keys, 2, "%v", r.Errors)
	assert.Equal(t, DSA, r.Keys[0].Type)
	assert.Equal(t, "ssh-dss", r.Keys[0].Algorithm)
	assert.Equal(t, srv.Keys[0].Marshal(), r.Keys[0].Key.Marshal())
	want := runKeyscan(t, keyscanBin, "-t", "dsa", "-p", strconv.Itoa(srv.Port), "127.0.0.1")
	assert.Equal(t, want, KnownHostsLines([]string{"127.0.0.1"}, srv.Port, r.Keys[0].Key, false))
}

// TestKexMethodsXCrypto: the methods x/crypto's server implements,
// including ML-KEM (no OpenSSH here has it), with host keys of every
// curve.
func TestKexMethodsXCrypto(t *testing.T) {
	var signers []ssh.Signer
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	s, err := ssh.NewSignerFromKey(edPriv)
	require.NoError(t, err)
	signers = append(signers, s)
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		require.NoError(t, err)
		s, err := ssh.NewSignerFromKey(k)
		require.NoError(t, err)
		signers = append(signers, s)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	s, err = ssh.NewSignerFromKey(rk)
	require.NoError(t, err)
	signers = append(signers, s)

	kexes := []string{
		ssh.KeyExchangeMLKEM768X25519, ssh.KeyExchangeCurve25519, "curve25519-sha256@libssh.org",
		ssh.KeyExchangeECDHP256, ssh.KeyExchangeECDHP384, ssh.KeyExchangeECDHP521,
		ssh.KeyExchangeDH16SHA512, ssh.KeyExchangeDH14SHA256, ssh.InsecureKeyExchangeDH14SHA1, ssh.InsecureKeyExchangeDH1SHA1,
		ssh.KeyExchangeDHGEXSHA256, ssh.InsecureKeyExchangeDHGEXSHA1,
	}
	for _, kex := range kexes {
		cfg := &ssh.ServerConfig{NoClientAuth: true, Config: ssh.Config{KeyExchanges: []string{kex}}}
		for _, s := range signers {
			cfg.AddHostKey(s)
		}
		addr := serveSSH(t, cfg)
		for _, s := range signers {
			algos := []string{s.PublicKey().Type()}
			if algos[0] == ssh.KeyAlgoRSA {
				algos = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
			}
			for _, ha := range algos {
				h, err := exchangeWith(t, addr, kex, ha)
				if assert.NoError(t, err, "%s with %s", kex, ha) {
					assert.Equal(t, s.PublicKey().Marshal(), h.key.Marshal())
					assert.Equal(t, ha, h.negotiated.HostKey)
				}
			}
		}
	}
}

// serveSSH runs x/crypto's server with cfg for every connection to a
// listener on 127.0.0.1 (see hostile) and returns its address.
func serveSSH(t *testing.T, cfg *ssh.ServerConfig) string {
	port := hostile(t, func(c net.Conn) {
		defer c.Close()
		ssh.NewServerConn(c, cfg)
	})
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// runKeyscan runs the real ssh-keyscan and returns its key lines.
func runKeyscan(t *testing.T, bin string, args ...string) []string {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// TestLongServerVersion: an identification line longer than RFC 4253's 255
// bytes is reported cut, but hashed whole, as the server hashes it.
func TestLongServerVersion(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	version := "SSH-2.0-" + strings.Repeat("v", 300)
	cfg := &ssh.ServerConfig{NoClientAuth: true, ServerVersion: version}
	cfg.AddHostKey(signer)
	h, err := exchangeWith(t, serveSSH(t, cfg), ssh.KeyExchangeCurve25519, ssh.KeyAlgoED25519)
	require.NoError(t, err)
	assert.Equal(t, version[:255], h.banner)
	assert.Equal(t, signer.PublicKey().Marshal(), h.key.Marshal())
}

// TestKexMethodsDropbear: against a real dropbear, every key exchange it
// advertises succeeds with every host-key algorithm it advertises, and one
// it does not is a clean NoCommonAlgorithm.
func TestKexMethodsDropbear(t *testing.T) {
	srv := testpeer.StartDropbear(t, testpeer.ServerOptions{KeyTypes: []string{"rsa", "ecdsa", "ed25519"}, RSABits: 2048})
	// Learn what it advertises.
	h, err := exchangeWith(t, srv.Addr, "curve25519-sha256", "ssh-ed25519")
	require.NoError(t, err)
	advertised := h.kexInit
	var hostAlgos []string
	for _, a := range advertised.HostKeyAlgorithms {
		if kt, ok := KeyTypeOf(a); ok && kt != DSA {
			hostAlgos = append(hostAlgos, a)
		}
	}
	require.NotEmpty(t, hostAlgos)
	keyOf := map[string]ssh.PublicKey{}
	for _, k := range srv.Keys {
		keyOf[k.Type()] = k
	}
	tried := 0
	for _, kex := range SupportedKeyExchanges() {
		if !slices.Contains(advertised.KeyExchanges, kex) {
			_, err := exchangeWith(t, srv.Addr, kex, "ssh-ed25519")
			assert.Equal(t, NoCommonAlgorithm, classify(t.Context(), err), "%s: %v", kex, err)
			continue
		}
		for _, ha := range hostAlgos {
			h, err := exchangeWith(t, srv.Addr, kex, ha)
			if !assert.NoError(t, err, "%s with %s\n%s", kex, ha, srv.Log()) {
				continue
			}
			tried++
			assert.Equal(t, keyOf[hostKeyType(ha)].Marshal(), h.key.Marshal(), "%s with %s", kex, ha)
		}
	}
	t.Logf("dropbear %s: %d exchanges over %v and %v", h.banner, tried, advertised.KeyExchanges, hostAlgos)
	assert.GreaterOrEqual(t, tried, 6)
}

// TestScanDSACertificate: a DSA host certificate (an opaque key: x/crypto
// has no DSA) is fetched and verified, as ssh-keyscan -c -t dsa prints it.
func TestScanDSACertificate(t *testing.T) {
	keyscanBin := testpeer.Binary(t, "ssh-keyscan", "openssh-client")
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"dsa"}, Certificates: true,
		Config: []string{"HostKeyAlgorithms +ssh-dss,ssh-dss-cert-v01@openssh.com"}})
	r := (&Scanner{KeyTypes: []KeyType{DSA}, Certificates: true}).ScanTarget(t.Context(),
		Target{Hosts: []string{"127.0.0.1"}, Port: srv.Port})
	require.Len(t, r.Keys, 1, "%v", r.Errors)
	k := r.Keys[0]
	assert.Equal(t, "ssh-dss-cert-v01@openssh.com", k.Algorithm)
	assert.Equal(t, "ssh-dss-cert-v01@openssh.com", k.Key.Type())
	want := runKeyscan(t, keyscanBin, "-c", "-t", "dsa", "-p", strconv.Itoa(srv.Port), "127.0.0.1")
	assert.Equal(t, want, KnownHostsLines([]string{"127.0.0.1"}, srv.Port, k.Key, false))
}
