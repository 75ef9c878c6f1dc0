package sshfp

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Validator checks DNSSEC signatures itself (trust mode B): it follows the
// chain from the RRSIGs of an answer up through DNSKEY and DS RRsets to a
// trust anchor. Anything short of a complete proof is [Insecure] or
// [Bogus]; proofs of non-existence are not checked, so an unsigned
// delegation is reported as Insecure without proof.
//
// A Validator caches validated zone keys until their TTL, their
// signatures or the DS above them expire, whichever comes first; with a
// warm cache a lookup costs the one query for the SSHFP RRset. It is safe
// for concurrent use. The zero Validator trusts the root KSKs.
type Validator struct {
	// Anchors are the trust anchors, DS or DNSKEY records. If empty, the
	// root zone's KSKs ([RootAnchors]) are used.
	Anchors []dns.RR
	// Now returns the current time for signature validity and cache
	// expiry. If nil, time.Now is used.
	Now func() time.Time
	// MaxCacheTTL caps how long validated keys are cached. If zero, one
	// day; if negative, nothing is cached.
	MaxCacheTTL time.Duration

	mu    sync.Mutex
	cache map[string]zoneKeys
}

type zoneKeys struct {
	keys    []*dns.DNSKEY
	expires time.Time
	why     string
}

// maxCacheZones bounds the zones whose keys are cached.
const maxCacheZones = 4096

// maxChain bounds the number of zones between an answer and its anchor.
const maxChain = 32

// rootAnchorText holds the DS records of the root zone KSKs: KSK-2017
// (20326) and KSK-2024 (38696), as IANA publishes them.
const rootAnchorText = `. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
`

// RootAnchors returns the DS records of the root zone's key-signing keys,
// key tags 20326 (KSK-2017) and 38696 (KSK-2024).
func RootAnchors() []dns.RR {
	rrs, err := ParseAnchors(strings.NewReader(rootAnchorText), "root anchors")
	if err != nil {
		panic(err)
	}
	return rrs
}

// ParseAnchors reads trust anchors in zone-file form: DS records (as
// ldns-keygen's .ds files and dnssec-dsfromkey print them) and DNSKEY
// records (as .key files and unbound's trust-anchor-file hold them).
// Other record types are an error. The name is used in messages only.
func ParseAnchors(r io.Reader, name string) ([]dns.RR, error) {
	zp := dns.NewZoneParser(r, ".", name)
	var out []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch rr.(type) {
		case *dns.DS, *dns.DNSKEY:
			out = append(out, rr)
		default:
			return nil, fmt.Errorf("sshfp: %s: %s record is not a trust anchor (want DS or DNSKEY)",
				name, dns.TypeToString[rr.Header().Rrtype])
		}
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("sshfp: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sshfp: %s: no DS or DNSKEY record", name)
	}
	return out, nil
}

func (v *Validator) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Validator) anchors() []dns.RR {
	if len(v.Anchors) > 0 {
		return v.Anchors
	}
	return rootAnchorList
}

var rootAnchorList = RootAnchors()

// validate checks that one of sigs proves rrset with a key of a zone whose
// keys chain up to an anchor.
func (v *Validator) validate(ctx context.Context, q *querier, rrset []dns.RR, sigs []*dns.RRSIG, depth int) (Security, string) {
	h := rrset[0].Header()
	owner := dns.CanonicalName(h.Name)
	what := fmt.Sprintf("%s %s", owner, dns.TypeToString[h.Rrtype])
	if len(sigs) == 0 {
		return Insecure, fmt.Sprintf("%s: no RRSIG covers the RRset", what)
	}
	now := v.now()
	worst, reason := Insecure, ""
	note := func(s Security, why string) {
		if reason == "" || s == Bogus && worst != Bogus {
			worst, reason = s, why
		}
	}
	for _, sig := range sigs {
		signer := dns.CanonicalName(sig.SignerName)
		switch {
		case !dns.IsSubDomain(signer, owner):
			note(Bogus, fmt.Sprintf("%s: signer %q is neither the owner's zone nor an ancestor", what, signer))
			continue
		case h.Rrtype == dns.TypeDS && signer == owner:
			note(Bogus, fmt.Sprintf("%s: DS RRset signed by the child zone itself", what))
			continue
		case int(sig.Labels) > dns.CountLabel(owner):
			note(Bogus, fmt.Sprintf("%s: RRSIG labels field %d exceeds the owner's %d labels", what, sig.Labels, dns.CountLabel(owner)))
			continue
		case int(sig.Labels) < dns.CountLabel(owner):
			note(Insecure, fmt.Sprintf("%s: wildcard-synthesised answer; proofs of non-existence are not checked", what))
			continue
		case !sig.ValidityPeriod(now):
			note(Bogus, fmt.Sprintf("%s: RRSIG by %s key %d %s", what, signer, sig.KeyTag, validityWhy(sig, now)))
			continue
		}
		keys, sec, why := v.zoneKeys(ctx, q, signer, depth+1)
		if sec != Secure {
			note(sec, why)
			continue
		}
		verified := false
		for _, k := range keys {
			if k.KeyTag() == sig.KeyTag && k.Algorithm == sig.Algorithm && sig.Verify(k, rrset) == nil {
				verified = true
				break
			}
		}
		if verified {
			return Secure, fmt.Sprintf("%s signed by %s key %d, chain validated", what, signer, sig.KeyTag)
		}
		note(Bogus, fmt.Sprintf("%s: no DNSKEY of %s verifies the RRSIG with key tag %d", what, signer, sig.KeyTag))
	}
	return worst, reason
}

func validityWhy(sig *dns.RRSIG, now time.Time) string {
	inc := time.Unix(int64(sig.Inception), 0).UTC()
	exp := time.Unix(int64(sig.Expiration), 0).UTC()
	if now.Before(inc) {
		return "is not valid until " + inc.Format(time.RFC3339)
	}
	return "expired at " + exp.Format(time.RFC3339)
}

// zoneKeys returns the validated zone keys of zone.
func (v *Validator) zoneKeys(ctx context.Context, q *querier, zone string, depth int) ([]*dns.DNSKEY, Security, string) {
	if depth > maxChain {
		return nil, Bogus, fmt.Sprintf("chain longer than %d zones at %s", maxChain, zone)
	}
	now := v.now()
	v.mu.Lock()
	if c, ok := v.cache[zone]; ok && now.Before(c.expires) {
		v.mu.Unlock()
		return c.keys, Secure, c.why
	}
	v.mu.Unlock()

	resp, err := q.query(ctx, zone, dns.TypeDNSKEY)
	if err != nil {
		return nil, Insecure, fmt.Sprintf("%s DNSKEY: %v", zone, err)
	}
	keySet := rrsetOf(resp.Answer, zone, dns.TypeDNSKEY)
	// The DS records or anchors that may introduce this zone's keys.
	var (
		entry   []dns.RR
		expires = now.Add(v.maxTTL())
		via     string
	)
	for _, a := range v.anchors() {
		if dns.CanonicalName(a.Header().Name) == zone {
			entry = append(entry, a)
		}
	}
	if len(entry) > 0 {
		via = "trust anchor"
	} else {
		if zone == "." {
			return nil, Insecure, "no trust anchor covers the name"
		}
		dsResp, err := q.query(ctx, zone, dns.TypeDS)
		if err != nil {
			return nil, Insecure, fmt.Sprintf("%s DS: %v", zone, err)
		}
		dsSet := rrsetOf(dsResp.Answer, zone, dns.TypeDS)
		if len(dsSet) == 0 {
			if parentAnchored(v.anchors(), zone) {
				return nil, Insecure, fmt.Sprintf("no DS for %s in its parent: unsigned delegation (not proven)", zone)
			}
			return nil, Insecure, fmt.Sprintf("no trust anchor covers %s", zone)
		}
		sec, why := v.validate(ctx, q, dsSet, sigsFor(dsResp.Answer, dsSet), depth)
		if sec != Secure {
			return nil, sec, why
		}
		entry = dsSet
		via = "DS"
		expires = minTime(expires, now.Add(ttlOf(dsSet)))
		if c, ok := v.cached(parentOf(dsResp.Answer, dsSet)); ok {
			expires = minTime(expires, c.expires)
		}
	}
	if len(keySet) == 0 {
		return nil, Bogus, fmt.Sprintf("%s has a %s but no DNSKEY RRset", zone, via)
	}
	// Entry keys: DNSKEYs of the zone that an anchor or DS names.
	var keys, entryKeys []*dns.DNSKEY
	supported := false
	for _, rr := range keySet {
		k, ok := rr.(*dns.DNSKEY)
		if !ok {
			continue
		}
		if k.Protocol != 3 || k.Flags&dns.ZONE == 0 || k.Flags&dns.REVOKE != 0 {
			continue
		}
		keys = append(keys, k)
		for _, e := range entry {
			ok, sup := introduces(e, k)
			supported = supported || sup
			if ok {
				entryKeys = append(entryKeys, k)
				break
			}
		}
	}
	if len(entryKeys) == 0 {
		if !supported && !anySupported(entry) {
			return nil, Insecure, fmt.Sprintf("%s: the %s uses only unsupported algorithms or digest types", zone, via)
		}
		return nil, Bogus, fmt.Sprintf("%s: no DNSKEY matches the %s (digest mismatch or wrong key)", zone, via)
	}
	// The DNSKEY RRset must be signed by one of the entry keys.
	why := fmt.Sprintf("%s DNSKEY: no valid RRSIG by a key the %s introduces", zone, via)
	for _, sig := range sigsFor(resp.Answer, keySet) {
		if dns.CanonicalName(sig.SignerName) != zone {
			continue
		}
		if !sig.ValidityPeriod(now) {
			why = fmt.Sprintf("%s DNSKEY: RRSIG by key %d %s", zone, sig.KeyTag, validityWhy(sig, now))
			continue
		}
		for _, k := range entryKeys {
			if k.KeyTag() == sig.KeyTag && k.Algorithm == sig.Algorithm && sig.Verify(k, keySet) == nil {
				expires = minTime(expires, now.Add(ttlOf(keySet)))
				expires = minTime(expires, now.Add(time.Duration(sig.OrigTtl)*time.Second))
				expires = minTime(expires, time.Unix(int64(sig.Expiration), 0))
				ok := fmt.Sprintf("%s keys introduced by %s", zone, via)
				v.store(zone, zoneKeys{keys: keys, expires: expires, why: ok})
				return keys, Secure, ok
			}
		}
	}
	return nil, Bogus, why
}

// introduces reports whether the anchor or DS e names key k, and whether
// e's algorithm and digest type are supported at all.
func introduces(e dns.RR, k *dns.DNSKEY) (match, supported bool) {
	switch a := e.(type) {
	case *dns.DNSKEY:
		return a.Algorithm == k.Algorithm && a.Protocol == k.Protocol && a.Flags&^dns.SEP == k.Flags&^dns.SEP &&
			a.PublicKey == k.PublicKey, algSupported(a.Algorithm)
	case *dns.DS:
		if !algSupported(a.Algorithm) || !digestSupported(a.DigestType) {
			return false, false
		}
		if a.KeyTag != k.KeyTag() || a.Algorithm != k.Algorithm {
			return false, true
		}
		ds := k.ToDS(a.DigestType)
		return ds != nil && strings.EqualFold(ds.Digest, a.Digest), true
	}
	return false, false
}

func anySupported(entry []dns.RR) bool {
	for _, e := range entry {
		switch a := e.(type) {
		case *dns.DNSKEY:
			if algSupported(a.Algorithm) {
				return true
			}
		case *dns.DS:
			if algSupported(a.Algorithm) && digestSupported(a.DigestType) {
				return true
			}
		}
	}
	return false
}

// algSupported lists the DNSKEY algorithms RRSIG.Verify implements.
func algSupported(a uint8) bool {
	switch a {
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1, dns.RSASHA256, dns.RSASHA512,
		dns.ECDSAP256SHA256, dns.ECDSAP384SHA384, dns.ED25519:
		return true
	}
	return false
}

func digestSupported(d uint8) bool {
	return d == dns.SHA1 || d == dns.SHA256 || d == dns.SHA384
}

// parentAnchored reports whether some anchor is at an ancestor of zone.
func parentAnchored(anchors []dns.RR, zone string) bool {
	for _, a := range anchors {
		n := dns.CanonicalName(a.Header().Name)
		if n != zone && dns.IsSubDomain(n, zone) {
			return true
		}
	}
	return false
}

// parentOf returns the signer of the first RRSIG over rrset.
func parentOf(rrs []dns.RR, rrset []dns.RR) string {
	for _, s := range sigsFor(rrs, rrset) {
		return dns.CanonicalName(s.SignerName)
	}
	return ""
}

func ttlOf(rrset []dns.RR) time.Duration {
	min := rrset[0].Header().Ttl
	for _, rr := range rrset[1:] {
		if rr.Header().Ttl < min {
			min = rr.Header().Ttl
		}
	}
	return time.Duration(min) * time.Second
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (v *Validator) maxTTL() time.Duration {
	if v.MaxCacheTTL == 0 {
		return 24 * time.Hour
	}
	return v.MaxCacheTTL
}

func (v *Validator) cached(zone string) (zoneKeys, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.cache[zone]
	return c, ok
}

func (v *Validator) store(zone string, c zoneKeys) {
	if v.maxTTL() < 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cache == nil {
		v.cache = make(map[string]zoneKeys)
	}
	if len(v.cache) >= maxCacheZones {
		now := v.now()
		for z, e := range v.cache {
			if !now.Before(e.expires) {
				delete(v.cache, z)
			}
		}
		if len(v.cache) >= maxCacheZones {
			clear(v.cache)
		}
	}
	v.cache[zone] = c
}
