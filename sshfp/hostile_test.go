package sshfp

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// collidingKeys returns n zone keys of zone with key tag tag and algorithm
// ED25519. They are real Ed25519 public keys (valid curve points, the
// costly case for a validator); unassigned flag bits pick the tag.
func collidingKeys(t testing.TB, zone string, tag uint16, n int) []dns.RR {
	t.Helper()
	var out []dns.RR
	for len(out) < n {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		// RFC 4034 appendix B: the tag is a folded sum of the RDATA
		// (flags, protocol, algorithm, key), bytes at even offsets
		// shifted left by 8.
		var sum uint32
		for i, b := range append([]byte{0, 0, 3, dns.ED25519}, pub...) {
			if i&1 == 0 {
				sum += uint32(b) << 8
			} else {
				sum += uint32(b)
			}
		}
	flags:
		for hi := uint32(1); hi < 256; hi += 2 { // ZONE (0x0100) set
			for lo := uint32(0); lo < 128; lo++ { // REVOKE (0x0080) clear
				ac := sum + hi<<8 + lo
				ac += ac >> 16 & 0xffff
				if uint16(ac) != tag {
					continue
				}
				k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
					Flags: uint16(hi<<8 | lo), Protocol: 3, Algorithm: dns.ED25519,
					PublicKey: base64.StdEncoding.EncodeToString(pub)}
				require.Equal(t, tag, k.KeyTag())
				out = append(out, k)
				break flags
			}
		}
	}
	return out
}

// junkSigs returns n RRSIGs over owner's RRset of type covered, by signer
// key tag, within their validity period, that verify with no key.
func junkSigs(owner string, covered uint16, signer string, tag uint16, n int) []dns.RR {
	now := time.Now()
	out := make([]dns.RR, n)
	for i := range out {
		sig := make([]byte, ed25519.SignatureSize)
		_, _ = rand.Read(sig)
		out[i] = &dns.RRSIG{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: 300},
			TypeCovered: covered, Algorithm: dns.ED25519, Labels: uint8(dns.CountLabel(owner)), OrigTtl: 300,
			Inception: uint32(now.Add(-time.Hour).Unix()), Expiration: uint32(now.Add(time.Hour).Unix()),
			KeyTag: tag, SignerName: signer, Signature: base64.StdEncoding.EncodeToString(sig)}
	}
	return out
}

// keyTrap makes example.test. publish 1,000 DNSKEYs sharing its ZSK's key
// tag (in a properly signed DNSKEY RRset) and sign the SSHFP RRset with
// 500 bogus RRSIGs of that tag (CVE-2023-50387).
func keyTrap(t *testing.T) *world {
	w := newWorld(t)
	tag := w.zone.zsk.KeyTag()
	keys := collidingKeys(t, "example.test.", tag, 1000)
	sigs := junkSigs("host.example.test.", dns.TypeSSHFP, "example.test.", tag, 500)
	w.srv.set(func(s *signServer) {
		s.extraKeys = map[string][]dns.RR{"example.test.": keys}
		s.extraSigs = map[uint16][]dns.RR{dns.TypeSSHFP: sigs}
		s.stripSigs = dns.TypeSSHFP
	})
	w.now = time.Now()
	return w
}

// TestKeyTrap: a zone with 1,000 keys of one tag and 500 bogus signatures
// costs at most MaxFailures verifications, not 500,000, and the lookup
// is Bogus, saying which limit ended it. No deadline from the caller.
func TestKeyTrap(t *testing.T) {
	w := keyTrap(t)
	r := w.validating()
	a, err := r.Lookup(context.Background(), "host.example.test")
	require.NoError(t, err)
	assert.Equal(t, Bogus, a.Security, a.Reason)
	assert.Contains(t, a.Reason, "limit")
	// Up to 5 verifications succeed (the DNSKEY RRsets of ., test. and
	// example.test. and two DS RRsets); the rest fail, within budget.
	assert.LessOrEqual(t, r.Validator.verifications.Load(), int64(defaultMaxFailures+5))
	assert.Less(t, w.srv.queries.Load(), int64(200))
	t.Logf("%s: %d verifications, %d queries", a.Reason, r.Validator.verifications.Load(), w.srv.queries.Load())

	// The same zone, its SSHFP RRset signed properly among the 1,000
	// colliding keys: secure.
	w.srv.set(func(s *signServer) { s.extraSigs, s.stripSigs = nil, 0 })
	a = lookup(t, w.validating(), "host.example.test")
	assert.Equal(t, Secure, a.Security, a.Reason)
}

// TestKeyTrapChain: the same attack on the chain above the answer, bogus
// RRSIGs listed before the real one: 300 over example.test.'s DNSKEY
// RRset by its KSK's tag (300 keys share it), 500 over its DS RRset by
// the tag of test.'s ZSK (1,000 keys of test. share it).
func TestKeyTrapChain(t *testing.T) {
	tests := []struct {
		name             string
		covered          uint16
		signer, keysZone string
		key              func(w *world) *dns.DNSKEY
		keys, sigs       int // fewer for the DNSKEY RRset, to fit in 64 kB
		because          string
	}{
		{"DNSKEY RRset", dns.TypeDNSKEY, "example.test.", "example.test.", func(w *world) *dns.DNSKEY { return w.zone.ksk },
			300, 300, "more than 8 RRSIGs; the others are not tried (limit MaxSignatures)"},
		{"DS RRset", dns.TypeDS, "test.", "test.", func(w *world) *dns.DNSKEY { return w.tld.zsk },
			1000, 500, "after 16 failed signature verifications (limit MaxFailures)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.now = time.Now()
			tag := tt.key(w).KeyTag()
			keys := collidingKeys(t, tt.keysZone, tag, tt.keys)
			sigs := junkSigs("example.test.", tt.covered, tt.signer, tag, tt.sigs)
			w.srv.set(func(s *signServer) {
				s.extraKeys = map[string][]dns.RR{tt.keysZone: keys}
				s.extraSigs = map[uint16][]dns.RR{tt.covered: sigs}
			})
			r := w.validating()
			a, err := r.Lookup(context.Background(), "host.example.test")
			require.NoError(t, err)
			assert.Equal(t, Bogus, a.Security, a.Reason)
			assert.Contains(t, a.Reason, tt.because)
			assert.LessOrEqual(t, r.Validator.verifications.Load(), int64(defaultMaxFailures+5))
			assert.Less(t, w.srv.queries.Load(), int64(200))
		})
	}
}

// TestKeyTrapInterrupted: with the limits lifted, the context still ends
// the work between verifications.
func TestKeyTrapInterrupted(t *testing.T) {
	w := keyTrap(t)
	r := w.validating()
	r.Validator.MaxFailures, r.Validator.MaxKeysPerTag, r.Validator.MaxSignatures = 1<<30, 1<<30, 1<<30
	// Long enough for the few queries to finish on a loaded machine under
	// -race, far shorter than the unlimited verifications (seconds).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	a, err := r.Lookup(ctx, "host.example.test")
	require.NoError(t, err)
	assert.Equal(t, Insecure, a.Security, a.Reason)
	assert.Contains(t, a.Reason, "validation interrupted: context deadline exceeded")
	assert.Less(t, r.Validator.verifications.Load(), int64(500*1000))
}

// mazeServer sends a validator from zone to zone: every DS RRset and the
// SSHFP RRset of owner carry RRSIGs by each ancestor, none of which
// verifies, and every zone has a DNSKEY RRset that no DS matches.
type mazeServer struct {
	owner string
	// queries counts the queries over UDP, where each starts; tcp the
	// retries over TCP of truncated answers.
	queries, tcp atomic.Int64
}

func (m *mazeServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if _, ok := w.RemoteAddr().(*net.UDPAddr); ok {
		m.queries.Add(1)
	} else {
		m.tcp.Add(1)
	}
	resp := new(dns.Msg)
	resp.SetReply(req)
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)
	byAncestors := func(covered uint16) []dns.RR {
		var out []dns.RR
		for a := parentName(name); a != ""; a = parentName(a) {
			out = append(out, junkSigs(name, covered, a, 1, 1)...)
		}
		return out
	}
	hdr := dns.RR_Header{Name: name, Class: dns.ClassINET, Ttl: 300, Rrtype: q.Qtype}
	switch q.Qtype {
	case dns.TypeDNSKEY:
		resp.Answer = append(resp.Answer, &dns.DNSKEY{Hdr: hdr, Flags: 257, Protocol: 3, Algorithm: dns.ED25519,
			PublicKey: base64.StdEncoding.EncodeToString(make([]byte, 32))})
		resp.Answer = append(resp.Answer, junkSigs(name, dns.TypeDNSKEY, name, 1, 1)...)
	case dns.TypeDS:
		resp.Answer = append(resp.Answer, &dns.DS{Hdr: hdr, KeyTag: 1, Algorithm: dns.ED25519, DigestType: dns.SHA256,
			Digest: strings.Repeat("00", 32)})
		resp.Answer = append(resp.Answer, byAncestors(dns.TypeDS)...)
	case dns.TypeSSHFP:
		if name == m.owner {
			rr, _ := dns.NewRR(m.owner + " 300 IN SSHFP 4 2 " + strings.Repeat("ab", 32))
			resp.Answer = append(resp.Answer, rr)
			resp.Answer = append(resp.Answer, byAncestors(dns.TypeSSHFP)...)
		}
	}
	reply(w, req, resp)
}

// TestZoneMaze: an owner 14 labels deep whose DS answers name every
// ancestor as signer costs each zone at most two queries, not an
// exponential number (32,766 before zone results were remembered).
func TestZoneMaze(t *testing.T) {
	m := &mazeServer{owner: "a.b.c.d.e.f.g.h.i.j.k.l.evil.test."}
	addr := serve(t, m)
	anchor := newZone(t, ".").ds()
	r := &Resolver{Servers: []string{addr}, Timeout: 2 * time.Second, Validator: &Validator{Anchors: []dns.RR{anchor}}}
	a, err := r.Lookup(context.Background(), m.owner)
	require.NoError(t, err)
	assert.NotEqual(t, Secure, a.Security, a.Reason)
	// The SSHFP query, then at most a DS and a DNSKEY query for each of
	// the 14 zones (the root has its anchor, so only DNSKEY). As the
	// root fails first, the zones below stop at their DS: 15 queries.
	assert.LessOrEqual(t, m.queries.Load(), int64(1+2*dns.CountLabel(m.owner)))
	t.Logf("%s: %s, %d queries (%d retried over TCP)", a.Security, a.Reason, m.queries.Load(), m.tcp.Load())

	// A lower query budget ends the lookup as Bogus.
	m.queries.Store(0)
	r.Validator = &Validator{Anchors: []dns.RR{anchor}, MaxQueries: 10}
	a, err = r.Lookup(context.Background(), m.owner)
	require.NoError(t, err)
	assert.Equal(t, Bogus, a.Security, a.Reason)
	assert.Contains(t, a.Reason, "more than 10 queries (limit MaxQueries)")
	assert.Equal(t, int64(11), m.queries.Load())
}

// TestDeepSignedChain: an owner 14 labels deep, every zone between it and
// the root properly signed, costs two queries per zone and validates; RRSIGs
// over its SSHFP RRset by every ancestor, with their ZSKs' tags, do not
// change that: the closest signer is tried first, the others not at all.
func TestDeepSignedChain(t *testing.T) {
	root := newZone(t, ".")
	zones := []*signedZone{root, newZone(t, "test."), newZone(t, "example.test.")}
	name := "example.test."
	for i := 1; i <= 11; i++ {
		name = fmt.Sprintf("l%d.%s", i, name)
		zones = append(zones, newZone(t, name))
	}
	owner := "host." + name
	rr, err := dns.NewRR(owner + " 300 IN SSHFP 4 2 " + strings.Repeat("ab", 32))
	require.NoError(t, err)
	zones[len(zones)-1].records = append(zones[len(zones)-1].records, rr)
	srv := startServer(t, zones...)
	var sigs []dns.RR
	for _, z := range zones {
		sigs = append(sigs, junkSigs(owner, dns.TypeSSHFP, z.name, z.zsk.KeyTag(), 1)...)
	}
	for _, junk := range []bool{false, true} {
		if junk {
			srv.set(func(s *signServer) { s.extraSigs = map[uint16][]dns.RR{dns.TypeSSHFP: sigs} })
		}
		r := &Resolver{Servers: []string{srv.addr}, Timeout: 2 * time.Second,
			Validator: &Validator{Anchors: []dns.RR{root.ds()}}}
		before := srv.queries.Load()
		start := time.Now()
		a, err := r.Lookup(context.Background(), owner)
		require.NoError(t, err)
		assert.Equal(t, Secure, a.Security, a.Reason)
		queries := srv.queries.Load() - before
		// The SSHFP query, then a DNSKEY query for each of the 14 zones
		// and a DS query for each but the root.
		assert.LessOrEqual(t, queries, int64(1+2*len(zones)))
		assert.LessOrEqual(t, r.Validator.verifications.Load(), int64(2*len(zones)+1))
		t.Logf("bogus RRSIGs by every ancestor %v: %d queries, %d verifications, %v",
			junk, queries, r.Validator.verifications.Load(), time.Since(start))
	}
}

// TestCacheBoundBySignatures: cached keys expire with the signatures that
// proved them and their original TTL (RFC 4035 section 5.3.3), not with
// the unsigned TTL or only the DNSKEY RRSIG.
func TestCacheBoundBySignatures(t *testing.T) {
	tests := []struct {
		name  string
		setup func(w *world)
		after time.Duration
	}{
		{"DS TTL raised above the signed original TTL", func(w *world) {
			w.srv.set(func(s *signServer) {
				s.origTTL = map[uint16]uint32{dns.TypeDS: 600}
				s.ttl = map[uint16]uint32{dns.TypeDS: 86400}
			})
		}, 11 * time.Minute},
		{"DS RRSIG expires before the DNSKEY RRSIG", func(w *world) {
			w.srv.set(func(s *signServer) { s.sigLife = map[uint16]time.Duration{dns.TypeDS: 5 * time.Minute} })
		}, 6 * time.Minute},
		{"verifying DS signer's keys expire first", func(w *world) {
			// example.test.'s DS carries a first RRSIG by a "."
			// whose key the root does not have, then test.'s; test.'s
			// keys are cached 2 minutes, the root's an hour.
			impostor := newZone(t, ".")
			w.srv.set(func(s *signServer) {
				s.dsSigner = impostor
				s.keyTTL = map[string]uint32{"test.": 120}
			})
		}, 3 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			tt.setup(w)
			r := w.validating()
			require.Equal(t, Secure, lookup(t, r, "host.example.test").Security)
			before := w.srv.queries.Load()
			require.Equal(t, Secure, lookup(t, r, "host.example.test").Security)
			require.Equal(t, int64(1), w.srv.queries.Load()-before, "warm cache")

			w.now = w.now.Add(tt.after)
			w.srv.set(func(s *signServer) { s.signedAt = w.now }) // fresh signatures
			before = w.srv.queries.Load()
			a := lookup(t, r, "host.example.test")
			assert.Equal(t, Secure, a.Security, a.Reason)
			assert.Greater(t, w.srv.queries.Load()-before, int64(1), "keys fetched again")
		})
	}
}

// TestAnswerTTLBoundBySignature: a secure answer's TTL is no longer than
// its proof holds.
func TestAnswerTTLBoundBySignature(t *testing.T) {
	w := newWorld(t)
	w.srv.set(func(s *signServer) { s.sigLife = map[uint16]time.Duration{dns.TypeSSHFP: 100 * time.Second} })
	a := lookup(t, w.validating(), "host.example.test")
	assert.Equal(t, Secure, a.Security, a.Reason)
	assert.Equal(t, 100*time.Second, a.TTL)
}

// TestSHA1DigestIgnored: a SHA-1 DS is ignored when a SHA-256 DS names the
// same key (RFC 4509 section 3), so a wrong SHA-256 digest is not rescued
// by a matching SHA-1 one; alone, a SHA-1 DS still counts unless NoSHA1.
func TestSHA1DigestIgnored(t *testing.T) {
	w := newWorld(t)
	w.srv.set(func(s *signServer) {
		s.dsDigests = []uint8{dns.SHA1, dns.SHA256}
		s.badDigest = map[uint8]bool{dns.SHA256: true}
	})
	a := lookup(t, w.validating(), "host.example.test")
	assert.Equal(t, Bogus, a.Security, a.Reason)
	assert.Contains(t, a.Reason, "no DNSKEY matches the DS")

	w.srv.set(func(s *signServer) { s.dsDigests, s.badDigest = []uint8{dns.SHA1}, nil })
	a = lookup(t, w.validating(), "host.example.test")
	assert.Equal(t, Secure, a.Security, a.Reason)
	r := w.validating()
	r.Validator.NoSHA1 = true
	a = lookup(t, r, "host.example.test")
	assert.Equal(t, Insecure, a.Security, a.Reason)
	assert.Contains(t, a.Reason, "uses only unsupported algorithms or digest types")
}

// TestNoSHA1Algorithm: a zone signed with RSASHA1 is secure by default and
// Insecure (unsupported algorithm) with NoSHA1.
func TestNoSHA1Algorithm(t *testing.T) {
	w := newWorld(t)
	z := newZoneAlg(t, "example.test.", dns.RSASHA1, labSHA1, labSHA256)
	w.srv.set(func(s *signServer) { s.zones["example.test."] = z })
	w.zone = z
	a := lookup(t, w.validating(), "host.example.test")
	assert.Equal(t, Secure, a.Security, a.Reason)
	r := w.validating()
	r.Validator.NoSHA1 = true
	a = lookup(t, r, "host.example.test")
	assert.Equal(t, Insecure, a.Security, a.Reason)
	assert.Contains(t, a.Reason, "example.test.: the DS uses only unsupported algorithms")
}

// TestClosestEnclosingZone: a signature of test. over a name in the
// signed zone example.test. is Bogus, although test. is an ancestor whose
// key verifies it: with example.test. known from an earlier lookup, and
// with a fresh validator, which examines example.test. to find out. The
// same for a DS RRset signed by the root instead of test.
func TestClosestEnclosingZone(t *testing.T) {
	w := newWorld(t)
	r := w.validating()
	require.Equal(t, Secure, lookup(t, r, "host.example.test").Security)
	tld := w.tld
	w.srv.set(func(s *signServer) {
		s.signSSHFP = func(rrset []dns.RR) *dns.RRSIG { return s.sign(tld, tld.zsk, tld.zskPriv, rrset) }
	})
	for _, r := range []*Resolver{r, w.validating()} {
		a := lookup(t, r, "host.example.test")
		assert.Equal(t, Bogus, a.Security, a.Reason)
		assert.Contains(t, a.Reason, "RRSIG by test., but the chain proves the closer zone example.test.")
	}

	// The DS RRset of a zone two levels below its signer.
	w2 := newWorld(t)
	w2.srv.set(func(s *signServer) {
		s.dsSigner = w2.root // the root signs example.test.'s DS too, listed first
		s.stripSigs = dns.TypeDS
	})
	a := lookup(t, w2.validating(), "host.example.test")
	assert.Equal(t, Bogus, a.Security, a.Reason)
	assert.Contains(t, a.Reason, "RRSIG by ., but the chain proves the closer zone test.")
}

// TestADTrustResolvConf: the AD bit of resolv.conf's nameservers, loopback
// or not, is believed only with options trust-ad there (or in
// $RES_OPTIONS) or for a resolver in Trusted, as glibc 2.31 does; a
// loopback resolver named in Servers stays trusted.
func TestADTrustResolvConf(t *testing.T) {
	t.Setenv("RES_OPTIONS", "")
	resp := new(dns.Msg)
	resp.SetQuestion("host.example.test.", dns.TypeSSHFP)
	resp.AuthenticatedData = true
	conf := func(text string) string {
		path := t.TempDir() + "/resolv.conf"
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return path
	}
	verdict := func(r *Resolver) []string {
		t.Helper()
		servers, err := r.servers()
		require.NoError(t, err)
		var out []string
		for _, srv := range servers {
			a, err := r.answer(context.Background(), srv, "host.example.test.", resp)
			require.NoError(t, err)
			out = append(out, a.Security.String()+": "+a.Reason)
		}
		return out
	}
	plain := conf("nameserver 127.0.0.53\noptions edns0\n")
	trustAD := conf("nameserver 127.0.0.53\nnameserver 192.0.2.1\noptions edns0 trust-ad\n")
	assert.Equal(t, []string{"insecure: resolver 127.0.0.53:53 set the AD bit, but it is not trusted (it comes from " +
		plain + ", which lacks options trust-ad, and is not named in Trusted)"}, verdict(&Resolver{ResolvConf: plain}))
	assert.Equal(t, []string{"secure: AD bit from trusted resolver 127.0.0.53:53 (" + trustAD + " has options trust-ad)",
		"secure: AD bit from trusted resolver 192.0.2.1:53 (" + trustAD + " has options trust-ad)"},
		verdict(&Resolver{ResolvConf: trustAD}))
	assert.Equal(t, []string{"secure: AD bit from trusted resolver 127.0.0.53:53 (named in Trusted)"},
		verdict(&Resolver{ResolvConf: plain, Trusted: []string{"127.0.0.53"}}))
	assert.Equal(t, []string{"secure: AD bit from trusted resolver 127.0.0.53:53 (on loopback and named in Servers)"},
		verdict(&Resolver{Servers: []string{"127.0.0.53"}}))
	t.Setenv("RES_OPTIONS", "ndots:2 trust-ad")
	assert.Equal(t, []string{"secure: AD bit from trusted resolver 127.0.0.53:53 (" + plain + " has options trust-ad)"},
		verdict(&Resolver{ResolvConf: plain}))
}
