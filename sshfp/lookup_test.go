package sshfp

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	labSHA1   = "host.example.test. 300 IN SSHFP 4 1 0a66521d6a1fc35b2beb6df904251a0d14e25dc4"
	labSHA256 = "host.example.test. 300 IN SSHFP 4 2 da7d8aba7071d08eaa8954455d72a67cecc1d8a197bacd65e4ce4ebfbe7a0c71"
)

// world is a signed hierarchy . > test. > example.test. on one server,
// with a private root anchor.
type world struct {
	root, tld, zone *signedZone
	srv             *signServer
	now             time.Time
}

func newWorld(t testing.TB, extra ...*signedZone) *world {
	w := &world{
		root: newZone(t, "."),
		tld:  newZone(t, "test."),
		zone: newZone(t, "example.test.", labSHA1, labSHA256,
			"host.example.test. 300 IN A 127.0.0.1",
			"alias.example.test. 300 IN CNAME host.example.test."),
	}
	w.srv = startServer(t, append([]*signedZone{w.root, w.tld, w.zone}, extra...)...)
	w.now = w.srv.signedAt
	return w
}

func (w *world) validating(anchors ...dns.RR) *Resolver {
	if len(anchors) == 0 {
		anchors = []dns.RR{w.root.ds()}
	}
	return &Resolver{Servers: []string{w.srv.addr}, Timeout: 2 * time.Second,
		Validator: &Validator{Anchors: anchors, Now: func() time.Time { return w.now }}}
}

func (w *world) adMode() *Resolver {
	return &Resolver{Servers: []string{w.srv.addr}, Timeout: 2 * time.Second}
}

func lookup(t *testing.T, r *Resolver, host string) *Answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a, err := r.Lookup(ctx, host)
	require.NoError(t, err)
	return a
}

func TestValidChain(t *testing.T) {
	w := newWorld(t)
	r := w.validating()
	a := lookup(t, r, "host.example.test")
	assert.Equal(t, Secure, a.Security, a.Reason)
	assert.Contains(t, a.Reason, "signed by example.test. key")
	require.Len(t, a.Records, 2)
	assert.Equal(t, 300*time.Second, a.TTL)
	v := Check(parseKey(t, labKey), a, Policy{})
	assert.True(t, v.Accepted(), v.Reason)
	assert.Equal(t, "secure match", v.Reason)

	// Warm cache: one query, for the SSHFP RRset, and nothing more.
	before := w.srv.queries.Load()
	a = lookup(t, r, "host.example.test.")
	assert.Equal(t, Secure, a.Security, a.Reason)
	assert.Equal(t, int64(1), w.srv.queries.Load()-before)

	// A CNAME in the answer is followed, and validated too.
	a = lookup(t, r, "alias.example.test")
	assert.Equal(t, Secure, a.Security, a.Reason)
	assert.Equal(t, "host.example.test.", a.Owner)
	assert.Len(t, a.Records, 2)
}

func TestCacheExpiry(t *testing.T) {
	w := newWorld(t)
	r := w.validating()
	r.Validator.MaxCacheTTL = 10 * time.Minute
	lookup(t, r, "host.example.test")
	w.now = w.now.Add(9 * time.Minute)
	before := w.srv.queries.Load()
	assert.Equal(t, Secure, lookup(t, r, "host.example.test").Security)
	assert.Equal(t, int64(1), w.srv.queries.Load()-before)
	w.now = w.now.Add(2 * time.Minute)
	before = w.srv.queries.Load()
	assert.Equal(t, Secure, lookup(t, r, "host.example.test").Security)
	assert.Greater(t, w.srv.queries.Load()-before, int64(1), "keys fetched again after MaxCacheTTL")
}

// TestBrokenAnswers: each way an answer can fail to be proven gives the
// right verdict, and never Secure.
func TestBrokenAnswers(t *testing.T) {
	other := newZone(t, "other.")
	tests := []struct {
		name    string
		setup   func(t *testing.T, w *world) *Resolver
		want    Security
		because string
	}{
		{"expired signatures", func(t *testing.T, w *world) *Resolver {
			w.now = w.srv.signedAt.Add(3 * time.Hour)
			return w.validating()
		}, Bogus, "expired at"},
		{"not yet valid signatures", func(t *testing.T, w *world) *Resolver {
			w.now = w.srv.signedAt.Add(-3 * time.Hour)
			return w.validating()
		}, Bogus, "is not valid until"},
		{"wrong key", func(t *testing.T, w *world) *Resolver {
			k, priv := newDNSKEY(t, "example.test.", 256)
			w.srv.set(func(s *signServer) {
				s.signSSHFP = func(rrset []dns.RR) *dns.RRSIG { return s.sign(w.zone, k, priv, rrset) }
			})
			return w.validating()
		}, Bogus, "no DNSKEY of example.test. verifies the RRSIG"},
		{"signer not an ancestor", func(t *testing.T, w *world) *Resolver {
			ample := w.srv.zones["ample.test."]
			w.srv.set(func(s *signServer) {
				s.signSSHFP = func(rrset []dns.RR) *dns.RRSIG {
					sig := s.sign(ample, ample.zsk, ample.zskPriv, rrset)
					// The gap this check closes: miekg/dns accepts it.
					if err := sig.Verify(ample.zsk, rrset); err != nil {
						panic("miekg/dns now rejects a non-ancestor signer: " + err.Error())
					}
					return sig
				}
			})
			return w.validating()
		}, Bogus, `signer "ample.test." is neither the owner's zone nor an ancestor`},
		{"stripped RRSIGs", func(t *testing.T, w *world) *Resolver {
			w.srv.set(func(s *signServer) { s.stripSigs = dns.TypeSSHFP })
			return w.validating()
		}, Insecure, "no RRSIG covers the RRset"},
		{"AD without signatures", func(t *testing.T, w *world) *Resolver {
			w.srv.set(func(s *signServer) { s.stripSigs = dns.TypeSSHFP; s.setAD = true })
			return w.validating()
		}, Insecure, "no RRSIG covers the RRset"},
		{"wrong anchor", func(t *testing.T, w *world) *Resolver {
			return w.validating(renamed(other.ds(), "."))
		}, Bogus, ".: no DNSKEY matches the trust anchor"},
		{"DS digest mismatch", func(t *testing.T, w *world) *Resolver {
			w.srv.set(func(s *signServer) { s.badDS = true })
			return w.validating()
		}, Bogus, "no DNSKEY matches the DS (digest mismatch or wrong key)"},
		{"DNSKEY RRset withheld", func(t *testing.T, w *world) *Resolver {
			w.srv.set(func(s *signServer) { s.noDNSKEY = map[string]bool{"example.test.": true} })
			return w.validating()
		}, Bogus, "example.test. has a DS but no DNSKEY RRset"},
		{"DNSKEY RRSIGs stripped", func(t *testing.T, w *world) *Resolver {
			w.srv.set(func(s *signServer) { s.stripSigs = dns.TypeDNSKEY })
			return w.validating()
		}, Bogus, "DNSKEY: no valid RRSIG by a key the"},
		{"unsigned delegation", func(t *testing.T, w *world) *Resolver {
			w.srv.set(func(s *signServer) { s.noDS = map[string]bool{"example.test.": true} })
			return w.validating()
		}, Insecure, "no DS for example.test. in its parent: unsigned delegation (not proven)"},
		{"signer below the owner", func(t *testing.T, w *world) *Resolver {
			sub := newZone(t, "sub.host.example.test.")
			w.srv.set(func(s *signServer) {
				s.signSSHFP = func(rrset []dns.RR) *dns.RRSIG { return s.sign(sub, sub.zsk, sub.zskPriv, rrset) }
			})
			return w.validating()
		}, Bogus, `signer "sub.host.example.test." is neither the owner's zone nor an ancestor`},
		{"no anchor above the name", func(t *testing.T, w *world) *Resolver {
			return w.validating(other.ds())
		}, Insecure, "no trust anchor covers"},
		{"root anchors only", func(t *testing.T, w *world) *Resolver {
			// The private root is not the real one: its keys do not
			// match the shipped anchors.
			r := w.validating()
			r.Validator.Anchors = nil
			return r
		}, Bogus, "no DNSKEY matches the trust anchor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, newZone(t, "ample.test."))
			r := tt.setup(t, w)
			a := lookup(t, r, "host.example.test")
			assert.Equal(t, tt.want, a.Security, a.Reason)
			assert.Contains(t, a.Reason, tt.because)
			v := Check(parseKey(t, labKey), a, Policy{})
			assert.True(t, v.Found)
			assert.True(t, v.Match)
			assert.False(t, v.Secure)
			assert.False(t, v.Accepted())
		})
	}
}

// renamed returns a copy of the DS with another owner, to point an anchor
// at a zone whose keys it does not belong to.
func renamed(d *dns.DS, name string) dns.RR {
	c := dns.Copy(d).(*dns.DS)
	c.Hdr.Name = name
	return c
}

func TestTrustModeA(t *testing.T) {
	w := newWorld(t)
	w.srv.set(func(s *signServer) { s.setAD = true })
	a := lookup(t, w.adMode(), "host.example.test")
	assert.Equal(t, Secure, a.Security)
	assert.Equal(t, "AD bit from trusted resolver "+w.srv.addr+" (on loopback and named in Servers)", a.Reason)

	w.srv.set(func(s *signServer) { s.setAD = false })
	a = lookup(t, w.adMode(), "host.example.test")
	assert.Equal(t, Insecure, a.Security)
	assert.Contains(t, a.Reason, "did not set the AD bit")

	// The AD bit of a resolver that is neither on loopback nor trusted is
	// not believed (checked without sending anything to it).
	resp := new(dns.Msg)
	resp.SetQuestion("host.example.test.", dns.TypeSSHFP)
	resp.AuthenticatedData = true
	r := &Resolver{}
	a, err := r.answer(context.Background(), server{addr: "192.0.2.1:53"}, "host.example.test.", resp)
	require.NoError(t, err)
	assert.Equal(t, Insecure, a.Security)
	assert.Contains(t, a.Reason, "neither on loopback nor named in Trusted")
	for _, trusted := range []string{"192.0.2.1", "192.0.2.1:53"} {
		r.Trusted = []string{trusted}
		a, err = r.answer(context.Background(), server{addr: "192.0.2.1:53"}, "host.example.test.", resp)
		require.NoError(t, err)
		assert.Equal(t, Secure, a.Security, trusted)
	}
	r.Trusted = []string{"192.0.2.1:5353"}
	a, _ = r.answer(context.Background(), server{addr: "192.0.2.1:53"}, "host.example.test.", resp)
	assert.Equal(t, Insecure, a.Security)
	ok, _ := (&Resolver{}).trusts(server{addr: "[::1]:53"})
	assert.True(t, ok)
}

func TestServersFromResolvConf(t *testing.T) {
	path := t.TempDir() + "/resolv.conf"
	require.NoError(t, os.WriteFile(path, []byte("# test\nnameserver 127.0.0.1\nnameserver dns.example\nnameserver ::1\noptions edns0 trust-ad\n"), 0o644))
	got, err := (&Resolver{ResolvConf: path}).servers()
	require.NoError(t, err)
	assert.Equal(t, []server{{"127.0.0.1:53", path, true}, {"[::1]:53", path, true}}, got)
	got, err = (&Resolver{Servers: []string{"127.0.0.1", "::1", "[::1]:5353", "127.0.0.1:5353"}}).servers()
	require.NoError(t, err)
	assert.Equal(t, []server{{addr: "127.0.0.1:53"}, {addr: "[::1]:53"}, {addr: "[::1]:5353"}, {addr: "127.0.0.1:5353"}}, got)
	_, err = (&Resolver{ResolvConf: path + ".missing"}).servers()
	assert.Error(t, err)
}

// TestQueryFlags: DO always; AD asked for in trust mode A (RFC 6840 5.7);
// CD in trust mode B, which validates itself.
func TestQueryFlags(t *testing.T) {
	w := newWorld(t)
	last := func() *dns.Msg {
		w.srv.mu.Lock()
		defer w.srv.mu.Unlock()
		return w.srv.last
	}
	lookup(t, w.adMode(), "host.example.test")
	q := last()
	require.NotNil(t, q.IsEdns0())
	assert.True(t, q.IsEdns0().Do())
	assert.True(t, q.AuthenticatedData)
	assert.False(t, q.CheckingDisabled)
	assert.True(t, q.RecursionDesired)
	assert.Equal(t, dns.TypeSSHFP, q.Question[0].Qtype)

	lookup(t, w.validating(), "host.example.test")
	q = last()
	assert.True(t, q.IsEdns0().Do())
	assert.True(t, q.CheckingDisabled)
}

func TestTruncatedRetriesTCP(t *testing.T) {
	w := newWorld(t)
	w.srv.set(func(s *signServer) { s.truncate = true })
	a := lookup(t, w.validating(), "host.example.test")
	assert.Equal(t, Secure, a.Security, a.Reason)
	assert.Greater(t, w.srv.tcp.Load(), int64(0))
}

func TestNotFound(t *testing.T) {
	w := newWorld(t)
	a := lookup(t, w.validating(), "nohost.example.test")
	assert.False(t, a.Exists)
	assert.Empty(t, a.Records)
	assert.NotEqual(t, Secure, a.Security)
	v := Check(parseKey(t, labKey), a, Policy{})
	assert.False(t, v.Found)
	assert.Equal(t, "no SSHFP records (name does not exist)", v.Reason)
}

func TestNumericHostsSkipped(t *testing.T) {
	r := &Resolver{Servers: []string{"127.0.0.1:1"}}
	for _, h := range []string{"127.0.0.1", "::1", "[::1]:22", "127.1", "10.0.0.1:2222", "fe80::1%eth0", "0x7f.0.0.1"} {
		_, err := r.Lookup(context.Background(), h)
		assert.ErrorIs(t, err, ErrNumericHost, h)
	}
}

func TestDeadline(t *testing.T) {
	// A server that never answers: the context's deadline ends the lookup.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer pc.Close()
	r := &Resolver{Servers: []string{pc.LocalAddr().String()}, Timeout: time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = r.Lookup(ctx, "host.example.test")
	var le *LookupError
	require.ErrorAs(t, err, &le)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Equal(t, -1, le.Rcode)
}

func TestServerFailover(t *testing.T) {
	w := newWorld(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := pc.LocalAddr().String()
	pc.Close() // nothing listens: ICMP port unreachable, then the next server
	r := w.validating()
	r.Servers = []string{dead, w.srv.addr}
	r.Timeout = 500 * time.Millisecond
	a := lookup(t, r, "host.example.test")
	assert.Equal(t, Secure, a.Security)
	assert.Equal(t, w.srv.addr, a.Server)
}

func TestHostKeyCallback(t *testing.T) {
	w := newWorld(t)
	cb := w.validating().HostKeyCallback(Policy{}, 5*time.Second)
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}
	assert.NoError(t, cb("host.example.test:22", addr, parseKey(t, labKey)))

	err := cb("host.example.test:22", addr, parseKey(t, newKey))
	var ke *KeyError
	require.ErrorAs(t, err, &ke)
	assert.True(t, IsMismatch(err))
	assert.False(t, IsInsecure(err))
	assert.Equal(t, `sshfp: host key for "host.example.test:22" not verified: host key does not match the SSHFP records`, err.Error())

	w.srv.set(func(s *signServer) { s.stripSigs = dns.TypeSSHFP })
	cb = w.validating().HostKeyCallback(Policy{}, 5*time.Second)
	err = cb("host.example.test", addr, parseKey(t, labKey))
	assert.True(t, IsInsecure(err))
	assert.False(t, IsMismatch(err))
	assert.Contains(t, err.Error(), "matching records are insecure: host.example.test. SSHFP: no RRSIG covers the RRset")

	err = cb("127.0.0.1", addr, parseKey(t, labKey))
	assert.True(t, errors.Is(err, ErrNumericHost))
}

// TestLookupErrorType: an error of the validator's DNSKEY or DS queries
// names the type queried, not SSHFP.
func TestLookupErrorType(t *testing.T) {
	assert.Equal(t, "sshfp: lookup x.test. DNSKEY on 127.0.0.1:53: SERVFAIL",
		(&LookupError{Name: "x.test.", Type: dns.TypeDNSKEY, Server: "127.0.0.1:53", Rcode: dns.RcodeServerFailure}).Error())
	assert.Equal(t, "sshfp: lookup x.test. SSHFP on 127.0.0.1:53: SERVFAIL",
		(&LookupError{Name: "x.test.", Server: "127.0.0.1:53", Rcode: dns.RcodeServerFailure}).Error())
}
