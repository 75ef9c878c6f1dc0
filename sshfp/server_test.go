package sshfp

import (
	"cmp"
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
	return newDNSKEYAlg(t, zone, flags, dns.ED25519)
}

func newDNSKEYAlg(t testing.TB, zone string, flags uint16, alg uint8) (*dns.DNSKEY, crypto.Signer) {
	t.Helper()
	k := &dns.DNSKEY{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: 3600},
		Flags: flags, Protocol: 3, Algorithm: alg}
	bits := 256
	if alg == dns.RSASHA1 || alg == dns.RSASHA256 {
		bits = 1024
	}
	priv, err := k.Generate(bits)
	require.NoError(t, err)
	return k, priv.(crypto.Signer)
}

func newZone(t testing.TB, name string, records ...string) *signedZone {
	return newZoneAlg(t, name, dns.ED25519, records...)
}

func newZoneAlg(t testing.TB, name string, alg uint8, records ...string) *signedZone {
	t.Helper()
	z := &signedZone{name: name}
	z.ksk, z.kskPriv = newDNSKEYAlg(t, name, 257, alg)
	z.zsk, z.zskPriv = newDNSKEYAlg(t, name, 256, alg)
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
	// extraKeys are served (and signed) in the DNSKEY RRset of a zone
	// besides its KSK and ZSK.
	extraKeys map[string][]dns.RR
	// extraSigs are served before the real RRSIG over RRsets of a type.
	extraSigs map[uint16][]dns.RR
	// dsDigests are the digest types of the DS records served for each
	// child zone; if empty, SHA-256.
	dsDigests []uint8
	// badDigest replaces the digest of served DS records of these types.
	badDigest map[uint8]bool
	// origTTL signs (and serves) RRsets of a type with this TTL.
	origTTL map[uint16]uint32
	// ttl serves RRsets of a type with this TTL after signing them: an
	// unsigned TTL raised on the way, as an attacker may.
	ttl map[uint16]uint32
	// sigLife is how long after signedAt signatures over a type expire;
	// if zero, one hour.
	sigLife map[uint16]time.Duration
	// keyTTL signs and serves the DNSKEY RRset of a zone with this TTL.
	keyTTL map[string]uint32
	// dsSigner, if set, signs DS RRsets with this zone's ZSK besides the
	// parent's, listed first.
	dsSigner *signedZone

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
	s.addr = serve(t, s)
	return s
}

// serve answers DNS queries with h over UDP and TCP on one port of
// 127.0.0.1, until the test ends, and returns the address.
func serve(t testing.TB, h dns.Handler) string {
	t.Helper()
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
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: ln, Handler: h}
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
	return pc.LocalAddr().String()
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
		Expiration: uint32(s.signedAt.Add(cmp.Or(s.sigLife[h.Rrtype], time.Hour)).Unix())}
	if err := sig.Sign(priv, rrset); err != nil {
		panic(err)
	}
	return sig
}

// retime returns copies of rrset with the TTL ttls give for its type, or
// rrset itself if they give none.
func (s *signServer) retime(rrset []dns.RR, ttls map[uint16]uint32) []dns.RR {
	ttl, ok := ttls[rrset[0].Header().Rrtype]
	if !ok {
		return rrset
	}
	out := make([]dns.RR, len(rrset))
	for i, rr := range rrset {
		out[i] = dns.Copy(rr)
		out[i].Header().Ttl = ttl
	}
	return out
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
			reply(w, req, m)
			return
		}
	}
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)
	z := s.zoneFor(name, q.Qtype)
	if z == nil {
		m.Rcode = dns.RcodeRefused
		reply(w, req, m)
		return
	}
	var rrset []dns.RR
	var sig *dns.RRSIG
	switch {
	case q.Qtype == dns.TypeDNSKEY && name == z.name && s.noDNSKEY[name]:
	case q.Qtype == dns.TypeDNSKEY && name == z.name:
		rrset = append([]dns.RR{z.ksk, z.zsk}, s.extraKeys[name]...)
		if ttl, ok := s.keyTTL[name]; ok {
			rrset = s.retime(rrset, map[uint16]uint32{dns.TypeDNSKEY: ttl})
		}
		sig = s.sign(z, z.ksk, z.kskPriv, rrset)
	case q.Qtype == dns.TypeDS:
		if child, ok := s.zones[name]; ok && !s.noDS[name] {
			digests := s.dsDigests
			if len(digests) == 0 {
				digests = []uint8{dns.SHA256}
			}
			for _, d := range digests {
				ds := child.ksk.ToDS(d)
				ds.Hdr.Ttl = 3600
				if s.badDS || s.badDigest[d] {
					ds.Digest = strings.Repeat("00", len(ds.Digest)/2)
				}
				rrset = append(rrset, ds)
			}
			rrset = s.retime(rrset, s.origTTL)
			sig = s.sign(z, z.zsk, z.zskPriv, rrset)
			if s.dsSigner != nil && do {
				m.Answer = append(m.Answer, s.sign(s.dsSigner, s.dsSigner.zsk, s.dsSigner.zskPriv, rrset))
			}
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
	if len(rrset) > 0 {
		m.Answer = append(m.Answer, s.retime(rrset, s.ttl)...)
	}
	if do && sig != nil {
		m.Answer = append(m.Answer, s.extraSigs[sig.TypeCovered]...)
		if sig.TypeCovered != s.stripSigs {
			m.Answer = append(m.Answer, sig)
		}
	}
	m.AuthenticatedData = s.setAD
	reply(w, req, m)
}

// reply writes m, truncated (TC set) to the requester's UDP size over
// UDP, as a server must.
func reply(w dns.ResponseWriter, req, m *dns.Msg) {
	if _, ok := w.RemoteAddr().(*net.UDPAddr); ok {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}
