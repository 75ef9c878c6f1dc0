package sshfp

import (
	"crypto"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// signedZone is a zone the in-process test server serves and signs.
type signedZone struct {
	name     string
	ksk, zsk *dns.DNSKEY
	kskPriv  crypto.Signer
	zskPriv  crypto.Signer
	records  []dns.RR
}

func newDNSKEY(t testing.TB, zone string, flags uint16) (*dns.DNSKEY, crypto.Signer) {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: flags, Protocol: 3, Algorithm: dns.ED25519}
	priv, err := k.Generate(256)
	require.NoError(t, err)
	return k, priv.(crypto.Signer)
}

func newZone(t testing.TB, name string, records ...string) *signedZone {
	t.Helper()
	z := &signedZone{name: name}
	z.ksk, z.kskPriv = newDNSKEY(t, name, 257)
	z.zsk, z.zskPriv = newDNSKEY(t, name, 256)
	for _, s := range records {
		rr, err := dns.NewRR(s)
		require.NoError(t, err)
		z.records = append(z.records, rr)
	}
	return z
}

// ds returns the zone's DS record, its trust anchor.
func (z *signedZone) ds() *dns.DS { return z.ksk.ToDS(dns.SHA256) }

// signServer is an authoritative server for several zones on 127.0.0.1 that
// signs its answers when asked with the DO bit. Its knobs let tests break
// the answers in the ways attackers and broken servers do.
type signServer struct {
	addr  string
	zones map[string]*signedZone

	mu sync.Mutex
	// signedAt is the server's clock for signature inception (-1h) and
	// expiration (+1h).
	signedAt time.Time
	// stripSigs removes RRSIGs over records of this type.
	stripSigs uint16
	// setAD sets the AD bit on every answer.
	setAD bool
	// signSSHFP, if set, signs SSHFP RRsets instead of the zone's ZSK.
	signSSHFP func(rrset []dns.RR) *dns.RRSIG
	// truncate answers UDP queries with TC set and no records.
	truncate bool
	// badDS replaces the digest of served DS records.
	badDS bool
	// noDS answers DS queries for these zones with NODATA.
	noDS map[string]bool
	// noDNSKEY answers DNSKEY queries for these zones with NODATA.
	noDNSKEY map[string]bool

	queries atomic.Int64
	tcp     atomic.Int64
	// last is the last query received.
	last *dns.Msg
}

func startServer(t testing.TB, zones ...*signedZone) *signServer {
	t.Helper()
	s := &signServer{zones: map[string]*signedZone{}, signedAt: time.Now()}
	for _, z := range zones {
		s.zones[z.name] = z
	}
	// UDP and TCP on the same port: take a free UDP port and retry while
	// the TCP port of the same number is taken by someone else.
	var pc net.PacketConn
	var ln net.Listener
	for attempt := 0; ; attempt++ {
		var err error
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		require.Less(t, attempt, 50, "no port free for both UDP and TCP: %v", err)
	}
	s.addr = pc.LocalAddr().String()
	udp := &dns.Server{PacketConn: pc, Handler: s}
	tcp := &dns.Server{Listener: ln, Handler: s}
	var wg sync.WaitGroup
	for _, srv := range []*dns.Server{udp, tcp} {
		wg.Add(1)
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { defer wg.Done(); _ = srv.ActivateAndServe() }()
		<-started
	}
	t.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
		wg.Wait()
	})
	return s
}

func (s *signServer) set(f func(s *signServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// zoneFor returns the closest enclosing zone of name; for DS, of the
// parent side.
func (s *signServer) zoneFor(name string, qtype uint16) *signedZone {
	labels := dns.SplitDomainName(name)
	for i := 0; i <= len(labels); i++ {
		cand := dns.Fqdn(strings.Join(labels[i:], "."))
		if qtype == dns.TypeDS && cand == name {
			continue
		}
		if z, ok := s.zones[cand]; ok {
			return z
		}
	}
	return nil
}

func (s *signServer) sign(z *signedZone, key *dns.DNSKEY, priv crypto.Signer, rrset []dns.RR) *dns.RRSIG {
	h := rrset[0].Header()
	sig := &dns.RRSIG{Hdr: dns.RR_Header{Name: h.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: h.Ttl},
		Algorithm: key.Algorithm, KeyTag: key.KeyTag(), SignerName: z.name,
		Inception:  uint32(s.signedAt.Add(-time.Hour).Unix()),
		Expiration: uint32(s.signedAt.Add(time.Hour).Unix())}
	if err := sig.Sign(priv, rrset); err != nil {
		panic(err)
	}
	return sig
}

func (s *signServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries.Add(1)
	s.last = req.Copy()
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		s.tcp.Add(1)
	}
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	do := req.IsEdns0() != nil && req.IsEdns0().Do()
	if req.IsEdns0() != nil {
		m.SetEdns0(1232, do)
	}
	if s.truncate {
		if _, ok := w.RemoteAddr().(*net.UDPAddr); ok {
			m.Truncated = true
			_ = w.WriteMsg(m)
			return
		}
	}
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)
	z := s.zoneFor(name, q.Qtype)
	if z == nil {
		m.Rcode = dns.RcodeRefused
		_ = w.WriteMsg(m)
		return
	}
	var rrset []dns.RR
	var sig *dns.RRSIG
	switch {
	case q.Qtype == dns.TypeDNSKEY && name == z.name && s.noDNSKEY[name]:
	case q.Qtype == dns.TypeDNSKEY && name == z.name:
		rrset = []dns.RR{z.ksk, z.zsk}
		sig = s.sign(z, z.ksk, z.kskPriv, rrset)
	case q.Qtype == dns.TypeDS:
		if child, ok := s.zones[name]; ok && !s.noDS[name] {
			ds := child.ds()
			ds.Hdr.Ttl = 3600
			if s.badDS {
				ds.Digest = strings.Repeat("00", len(ds.Digest)/2)
			}
			rrset = []dns.RR{ds}
			sig = s.sign(z, z.zsk, z.zskPriv, rrset)
		}
	default:
		for _, rr := range z.records {
			if cn, ok := rr.(*dns.CNAME); ok && q.Qtype != dns.TypeCNAME && dns.CanonicalName(cn.Hdr.Name) == name {
				// Answer the CNAME, then go on with its target.
				m.Answer = append(m.Answer, cn)
				if do {
					m.Answer = append(m.Answer, s.sign(z, z.zsk, z.zskPriv, []dns.RR{cn}))
				}
				name = dns.CanonicalName(cn.Target)
			}
		}
		exists := false
		for _, rr := range z.records {
			if dns.CanonicalName(rr.Header().Name) == name {
				exists = true
				if rr.Header().Rrtype == q.Qtype {
					rrset = append(rrset, dns.Copy(rr))
				}
			}
		}
		if !exists && name != z.name {
			m.Rcode = dns.RcodeNameError
		}
		if len(rrset) > 0 {
			if q.Qtype == dns.TypeSSHFP && s.signSSHFP != nil {
				sig = s.signSSHFP(rrset)
			} else {
				sig = s.sign(z, z.zsk, z.zskPriv, rrset)
			}
		}
	}
	m.Answer = append(m.Answer, rrset...)
	if do && sig != nil && sig.TypeCovered != s.stripSigs {
		m.Answer = append(m.Answer, sig)
	}
	m.AuthenticatedData = s.setAD
	_ = w.WriteMsg(m)
}
