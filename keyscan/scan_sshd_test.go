package keyscan

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestScanSSHD(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{RSABits: 2048})
	r := (&Scanner{}).ScanTarget(context.Background(), Target{Hosts: []string{"127.0.0.1"}, Port: srv.Port})
	require.NoError(t, r.Err(), "%v", r.Errors)
	assert.Empty(t, r.Errors)
	assert.Regexp(t, `^SSH-2\.0-OpenSSH_`, r.Banner)
	assert.Equal(t, "127.0.0.1:"+strconv.Itoa(srv.Port), r.Addr)
	assert.Equal(t, []KeyType{ECDSASK, Ed25519SK}, r.NotOffered)
	require.NotNil(t, r.KexInit)
	assert.Contains(t, r.KexInit.HostKeyAlgorithms, "ssh-ed25519")
	require.NotNil(t, r.Negotiated)
	assert.Equal(t, "curve25519-sha256", r.Negotiated.KeyExchange)
	assert.Equal(t, "ssh-ed25519", r.Negotiated.HostKey)
	require.Len(t, r.Keys, 3)
	for i, k := range r.Keys {
		assert.Equal(t, srv.Keys[i].Marshal(), k.Key.Marshal())
		assert.Nil(t, k.Cert)
		assert.Equal(t, r.Banner, k.Banner)
	}
	assert.Equal(t, []string{"rsa-sha2-512", "ecdsa-sha2-nistp256", "ssh-ed25519"},
		[]string{r.Keys[0].Algorithm, r.Keys[1].Algorithm, r.Keys[2].Algorithm})

	b, err := json.Marshal(r)
	require.NoError(t, err)
	var j map[string]any
	require.NoError(t, json.Unmarshal(b, &j))
	assert.Equal(t, true, j["ok"])
	assert.Len(t, j["keys"], 3)
}

func TestScanCertificates(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{Certificates: true, KeyTypes: []string{"ed25519", "ecdsa"}})
	r := (&Scanner{Certificates: true}).ScanTarget(context.Background(), Target{Hosts: []string{"127.0.0.1"}, Port: srv.Port})
	require.Len(t, r.Keys, 2, "%v", r.Errors)
	for _, k := range r.Keys {
		require.NotNil(t, k.Cert, "%s", k.Type)
		assert.Equal(t, srv.CA.Marshal(), k.Cert.SignatureKey.Marshal())
		assert.Equal(t, []string{"localhost", "127.0.0.1"}, k.Cert.ValidPrincipals)
		// The certificate checks out for the host scanned.
		checker := &ssh.CertChecker{IsHostAuthority: func(a ssh.PublicKey, _ string) bool {
			return string(a.Marshal()) == string(srv.CA.Marshal())
		}}
		assert.NoError(t, checker.CheckHostKey(srv.Addr, nil, k.Cert))
	}
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"principals":["localhost","127.0.0.1"]`)
	assert.Contains(t, string(b), `"ca_fingerprint":"SHA256:`)
}

// TestScanDropbear: dropbear with two of the three types.
func TestScanDropbear(t *testing.T) {
	srv := testpeer.StartDropbear(t, testpeer.ServerOptions{KeyTypes: []string{"ecdsa", "ed25519"}})
	r := (&Scanner{KeyTypes: []KeyType{RSA, ECDSA, Ed25519}}).ScanTarget(context.Background(),
		Target{Hosts: []string{"127.0.0.1"}, Port: srv.Port})
	require.Len(t, r.Keys, 2, "%v", r.Errors)
	assert.Equal(t, srv.Keys[0].Marshal(), r.Keys[0].Key.Marshal())
	assert.Equal(t, srv.Keys[1].Marshal(), r.Keys[1].Key.Marshal())
	assert.Equal(t, []KeyType{RSA}, r.NotOffered)
	assert.Regexp(t, `^SSH-2\.0-dropbear`, r.Banner)
}

// TestCustomDial: with a Dial function (a jump host's, a proxy's), names go
// to it unresolved.
func TestCustomDial(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	var dialed []string
	s := &Scanner{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed = append(dialed, addr)
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Addr)
	}}
	r := s.ScanTarget(context.Background(), Target{Hosts: []string{"behind.jump.invalid"}, Port: 2222})
	require.Len(t, r.Keys, 1, "%v", r.Errors)
	assert.Equal(t, []string{"behind.jump.invalid:2222"}, dialed)
}

// TestLegacyKex: a server with only diffie-hellman-group14-sha1 (ssh-keyscan
// 9.2 prints nothing and no error) gives a no-common-algorithm error by
// default and its key with LegacyKeyExchanges.
func TestLegacyKex(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"},
		Config: []string{"KexAlgorithms diffie-hellman-group14-sha1"}})
	tg := Target{Hosts: []string{"127.0.0.1"}, Port: srv.Port}
	r := (&Scanner{}).ScanTarget(context.Background(), tg)
	assert.Empty(t, r.Keys)
	assert.True(t, errors.Is(r.Err(), NoCommonAlgorithm), "%v", r.Err())
	assert.Contains(t, r.Err().Error(), "key exchange")

	r = (&Scanner{LegacyKeyExchanges: true}).ScanTarget(context.Background(), tg)
	require.Len(t, r.Keys, 1, "%v", r.Errors)
	assert.Equal(t, "diffie-hellman-group14-sha1", r.Keys[0].KeyExchange)
}

// TestIPv6: the same server on [::1].
func TestIPv6(t *testing.T) {
	if l, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		l.Close()
	}
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, IPv6: true})
	ts, err := ParseTarget("[::1]:" + strconv.Itoa(srv.Port))
	require.NoError(t, err)
	r := (&Scanner{Network: "tcp6"}).ScanTarget(context.Background(), ts[0])
	require.Len(t, r.Keys, 1, "%v", r.Errors)
	assert.Equal(t, "[::1]:"+strconv.Itoa(srv.Port), r.Addr)
	assert.Equal(t, []string{"[::1]:" + strconv.Itoa(srv.Port) + " " + edKeyOf(srv.Keys[0])},
		KnownHostsLines(r.Target.OutputNames(), r.Port, r.Keys[0].Key, false))
}

func edKeyOf(k ssh.PublicKey) string {
	b := ssh.MarshalAuthorizedKey(k)
	return string(b[:len(b)-1])
}

// TestResultsChannel streams results through a channel.
func TestResultsChannel(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	targets := []Target{{Hosts: []string{"127.0.0.1"}, Port: srv.Port}, {Hosts: []string{"127.0.0.1"}, Port: testpeer.FreePort(t)}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, ok := 0, 0
	for r := range (&Scanner{}).Results(ctx, targets) {
		n++
		if len(r.Keys) > 0 {
			ok++
		}
	}
	assert.Equal(t, 2, n)
	assert.Equal(t, 1, ok)
}

// TestDropbearDeclinedRSA: dropbear 2022.83 advertises RSA without an RSA
// key and hangs up when asked for it; that is "not offered", not an error.
func TestDropbearDeclinedRSA(t *testing.T) {
	srv := testpeer.StartDropbear(t, testpeer.ServerOptions{KeyTypes: []string{"ecdsa"}})
	r := (&Scanner{KeyTypes: []KeyType{RSA}}).ScanTarget(context.Background(),
		Target{Hosts: []string{"127.0.0.1"}, Port: srv.Port})
	assert.Empty(t, r.Keys)
	assert.Empty(t, r.Errors)
	assert.Equal(t, []KeyType{RSA}, r.NotOffered)
	assert.True(t, errors.Is(r.Err(), NoCommonAlgorithm), "%v", r.Err())
	assert.Contains(t, r.Err().Error(), "offers no key of the requested types")
}
