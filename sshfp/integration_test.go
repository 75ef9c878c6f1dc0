package sshfp_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/dnslab"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/sshfp"
)

const (
	labKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPmKpuTSRE83TrZQlvkDuVH1Vqlr6VIH5jw9j12P9d1k"
	newKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH/WaXm/r96M35Gm7ymMRB4q8GcWsW7jmnLABIrxd9ec"
)

func key(t *testing.T, s string) ssh.PublicKey {
	k, _, err := fingerprint.ParseKeyText(s)
	require.NoError(t, err)
	return k
}

func records(t *testing.T, name string, keys ...string) []string {
	var out []string
	for _, s := range keys {
		recs, err := sshfp.ForKey(name, key(t, s))
		require.NoError(t, err)
		for _, r := range recs {
			out = append(out, r.String())
		}
	}
	return out
}

// TestRealResolvers: nsd serves an ldns-signzone-signed zone, unbound
// validates it with the zone's DS as trust anchor; both trust modes agree.
func TestRealResolvers(t *testing.T) {
	lab := dnslab.Start(t, records(t, "host", labKey), dnslab.Options{})
	f, err := os.Open(lab.AnchorFile)
	require.NoError(t, err)
	anchors, err := sshfp.ParseAnchors(f, lab.AnchorFile)
	f.Close()
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resolvers := map[string]*sshfp.Resolver{
		"A: unbound's AD bit":           {Servers: []string{lab.Resolver}},
		"B: own validation via unbound": {Servers: []string{lab.Resolver}, Validator: &sshfp.Validator{Anchors: anchors}},
		"B: own validation from nsd":    {Servers: []string{lab.Auth}, Validator: &sshfp.Validator{Anchors: anchors}},
	}
	for name, r := range resolvers {
		t.Run(name, func(t *testing.T) {
			a, err := r.Lookup(ctx, "host.example.test")
			require.NoError(t, err)
			assert.Equal(t, sshfp.Secure, a.Security, a.Reason)
			assert.Len(t, a.Records, 2)
			assert.True(t, sshfp.Check(key(t, labKey), a, sshfp.Policy{}).Accepted())
			v := sshfp.Check(key(t, newKey), a, sshfp.Policy{})
			assert.False(t, v.Accepted())
			assert.Equal(t, "host key does not match the SSHFP records", v.Reason)
		})
	}

	// nsd does not validate: its answers carry no AD bit.
	a, err := (&sshfp.Resolver{Servers: []string{lab.Auth}}).Lookup(ctx, "host.example.test")
	require.NoError(t, err)
	assert.Equal(t, sshfp.Insecure, a.Security)
	assert.True(t, strings.Contains(a.Reason, "did not set the AD bit"), a.Reason)

	// With another anchor, own validation fails even though unbound says AD.
	other := &sshfp.Validator{Anchors: sshfp.RootAnchors()}
	a, err = (&sshfp.Resolver{Servers: []string{lab.Resolver}, Validator: other}).Lookup(ctx, "host.example.test")
	require.NoError(t, err)
	assert.NotEqual(t, sshfp.Secure, a.Security, a.Reason)
}

// TestRealResolversExpired: a zone whose signatures have expired is
// SERVFAIL from unbound (bogus) and Bogus for the own validator.
func TestRealResolversExpired(t *testing.T) {
	lab := dnslab.Start(t, records(t, "host", labKey), dnslab.Options{
		Inception: time.Now().Add(-48 * time.Hour), Expiration: time.Now().Add(-24 * time.Hour)})
	f, err := os.Open(lab.KeyFile)
	require.NoError(t, err)
	anchors, err := sshfp.ParseAnchors(f, lab.KeyFile)
	f.Close()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	_, err = (&sshfp.Resolver{Servers: []string{lab.Resolver}}).Lookup(ctx, "host.example.test")
	var le *sshfp.LookupError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 2, le.Rcode) // SERVFAIL

	a, err := (&sshfp.Resolver{Servers: []string{lab.Auth}, Validator: &sshfp.Validator{Anchors: anchors}}).Lookup(ctx, "host.example.test")
	require.NoError(t, err)
	assert.Equal(t, sshfp.Bogus, a.Security)
	assert.Contains(t, a.Reason, "expired at")
}

// TestEndToEndSSHD: the records of a real sshd's host keys, published in
// the signed zone, let HostKeyCallback accept the keys that sshd presents
// in a real handshake, plain and as certificates; another sshd's keys are
// refused as a mismatch.
func TestEndToEndSSHD(t *testing.T) {
	sshd := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa", "rsa"}, Certificates: true})
	var recs []string
	for _, k := range sshd.Keys {
		rs, err := sshfp.ForKey("host", k)
		require.NoError(t, err)
		for _, r := range rs {
			recs = append(recs, r.String())
		}
	}
	lab := dnslab.Start(t, recs, dnslab.Options{})
	f, err := os.Open(lab.AnchorFile)
	require.NoError(t, err)
	anchors, err := sshfp.ParseAnchors(f, lab.AnchorFile)
	f.Close()
	require.NoError(t, err)

	modes := map[string]*sshfp.Resolver{
		"A": {Servers: []string{lab.Resolver}},
		"B": {Servers: []string{lab.Resolver}, Validator: &sshfp.Validator{Anchors: anchors}},
	}
	handshake := func(t *testing.T, addr string, r *sshfp.Resolver, algos []string) error {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
		var cbErr error
		called := false
		cb := r.HostKeyCallback(sshfp.Policy{}, 5*time.Second)
		cfg := &ssh.ClientConfig{User: "nobody", HostKeyAlgorithms: algos,
			HostKeyCallback: func(h string, a net.Addr, k ssh.PublicKey) error {
				called = true
				cbErr = cb(h, a, k)
				return cbErr
			}}
		_, _, _, err = ssh.NewClientConn(conn, net.JoinHostPort("host.example.test", strconv.Itoa(sshd.Port)), cfg)
		require.Error(t, err) // authentication is off on the test server
		require.True(t, called, "handshake failed before the host key check: %v", err)
		return cbErr
	}
	for mode, r := range modes {
		for _, algos := range [][]string{
			{ssh.KeyAlgoED25519}, {ssh.KeyAlgoECDSA256}, {ssh.KeyAlgoRSASHA256},
			{ssh.CertAlgoED25519v01}, {ssh.CertAlgoRSASHA512v01},
		} {
			t.Run(mode+"/"+algos[0], func(t *testing.T) {
				assert.NoError(t, handshake(t, sshd.Addr, r, algos))
			})
		}
	}
	other := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	err = handshake(t, other.Addr, modes["B"], []string{ssh.KeyAlgoED25519})
	assert.True(t, sshfp.IsMismatch(err), "%v", err)
}
