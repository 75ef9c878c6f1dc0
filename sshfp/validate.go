package sshfp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Validator checks DNSSEC signatures itself (trust mode B): it follows the
// chain from the RRSIGs of an answer up through DNSKEY and DS RRsets to a
// trust anchor. Anything short of a complete proof is [Insecure] or
// [Bogus]; proofs of non-existence are not checked, so an unsigned
// delegation is reported as Insecure without proof.
//
// A signature counts only when it comes from the closest enclosing zone
// the chain proves: a signature by a zone above a signed zone that holds
// the name is Bogus. The names between the signer and the owner are
// examined as zones; the owner itself, which may be a zone apex, only if
// the validator already knows it (the common case, a name signed by its
// parent zone, costs no query).
//
// # Limits
//
// The authoritative servers may be hostile: a zone can publish hundreds
// of DNSKEYs with one key tag and RRsets with hundreds of RRSIGs (the
// KeyTrap attacks, CVE-2023-50387 and CVE-2023-50868), or send the
// validator from zone to zone. Each lookup therefore has a budget, as
// validating resolvers have had since 2024: MaxSignatures,
// MaxKeysPerTag, MaxFailures and MaxQueries below. A lookup that runs out
// of its budget is Bogus with a reason naming the limit. Within one
// lookup each zone is examined at most once, whether its keys validate
// or not, and the context is checked between signature verifications.
//
// A Validator caches validated zone keys until their TTL, the original
// TTL and expiration of the signatures that proved them, or the cached
// keys above them expire, whichever comes first (RFC 4035 section
// 5.3.3); with a warm cache a lookup costs the one query for the SSHFP
// RRset. It is safe for concurrent use. The zero Validator trusts the
// root KSKs.
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

	// MaxSignatures is the number of RRSIGs tried for one RRset; the
	// others are ignored. If zero or negative, 8.
	MaxSignatures int
	// MaxKeysPerTag is the number of DNSKEYs with the same key tag and
	// algorithm tried for one RRSIG or DS record. If zero or negative, 4.
	MaxKeysPerTag int
	// MaxFailures is the number of signature verifications that may fail
	// in one lookup before it is abandoned as Bogus. If zero or
	// negative, 16.
	MaxFailures int
	// MaxQueries is the number of DNSKEY and DS queries one lookup may
	// send (a truncated answer retried over TCP counts once), besides the
	// query for the SSHFP RRset. If zero or negative, 64.
	MaxQueries int
	// NoSHA1 treats the SHA-1 algorithms as unsupported, as the IETF
	// draft deprecating them advises: DNSKEY algorithms RSASHA1 (5) and
	// RSASHA1-NSEC3-SHA1 (7) and DS digest type SHA-1 (1). A zone whose
	// DS records or anchors use only these is then Insecure, as any zone
	// with only unknown algorithms is (RFC 4035 section 5.2).
	NoSHA1 bool

	mu    sync.Mutex
	cache map[string]zoneKeys

	// verifications counts signature verifications, for tests.
	verifications atomic.Int64
}

const (
	defaultMaxSignatures = 8
	defaultMaxKeysPerTag = 4
	defaultMaxFailures   = 16
	defaultMaxQueries    = 64
)

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
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

// ReadAnchorFiles reads the trust anchors of each named file with
// [ParseAnchors] and returns them all, in order; the first file that
// cannot be opened or parsed ends it with that error. It is what
// --anchor FILE does in every hostkeys command.
func ReadAnchorFiles(names ...string) ([]dns.RR, error) {
	var all []dns.RR
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		rrs, err := ParseAnchors(f, name)
		f.Close()
		if err != nil {
			return nil, err
		}
		all = append(all, rrs...)
	}
	return all, nil
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

// chase is the validation of one lookup: its budget, and every zone it
// has examined, proven or not, so that no zone is examined twice.
type chase struct {
	v        *Validator
	ctx      context.Context
	q        *querier
	now      time.Time
	queries  int
	failures int
	zones    map[string]*zoneResult
	// The Validator's limits, their defaults filled in.
	maxSigs, maxKeys, maxFailures, maxQueries int
	// stop, once set, ends the lookup: a limit was reached or the
	// context is done.
	stop *result
}

// result is the outcome of validating an RRset or a zone's keys; for a
// Secure one, expires is when its proof lapses.
type result struct {
	sec     Security
	why     string
	expires time.Time
}

type zoneResult struct {
	result
	keys []*dns.DNSKEY
	tags []uint16 // the key tags of keys
}

func (v *Validator) newChase(ctx context.Context, q *querier) *chase {
	return &chase{v: v, ctx: ctx, q: q, now: v.now(), zones: map[string]*zoneResult{},
		maxSigs:     orDefault(v.MaxSignatures, defaultMaxSignatures),
		maxKeys:     orDefault(v.MaxKeysPerTag, defaultMaxKeysPerTag),
		maxFailures: orDefault(v.MaxFailures, defaultMaxFailures),
		maxQueries:  orDefault(v.MaxQueries, defaultMaxQueries)}
}

// halted reports whether the lookup must end, and with what.
func (c *chase) halted() (result, bool) {
	if c.stop == nil && c.ctx.Err() != nil {
		c.stop = &result{sec: Insecure, why: fmt.Sprintf("validation interrupted: %v", c.ctx.Err())}
	}
	if c.stop != nil {
		return *c.stop, true
	}
	return result{}, false
}

// query asks for name and qtype within the lookup's query budget.
func (c *chase) query(name string, qtype uint16) (*dns.Msg, error) {
	if c.queries >= c.maxQueries {
		c.stop = &result{sec: Bogus, why: fmt.Sprintf("validation abandoned: it needs more than %d queries (limit MaxQueries)", c.maxQueries)}
		return nil, errors.New(c.stop.why)
	}
	c.queries++
	return c.q.query(c.ctx, name, qtype)
}

// tryKeys verifies sig over rrset with the keys of its key tag and
// algorithm, at most MaxKeysPerTag of them. capped reports that more
// keys had the tag.
func (c *chase) tryKeys(sig *dns.RRSIG, keys []*dns.DNSKEY, tags []uint16, rrset []dns.RR) (ok, capped bool) {
	n := 0
	for i, k := range keys {
		if tags[i] != sig.KeyTag || k.Algorithm != sig.Algorithm {
			continue
		}
		if n == c.maxKeys {
			return false, true
		}
		n++
		if _, done := c.halted(); done {
			return false, false
		}
		c.v.verifications.Add(1)
		if sig.Verify(k, rrset) == nil {
			return true, false
		}
		c.failures++
		if c.failures >= c.maxFailures {
			c.stop = &result{sec: Bogus, why: fmt.Sprintf("validation abandoned after %d failed signature verifications (limit MaxFailures)", c.maxFailures)}
			return false, false
		}
	}
	return false, false
}

// validate checks that one of sigs proves rrset with a key of a zone whose
// keys chain up to an anchor.
func (c *chase) validate(rrset []dns.RR, sigs []*dns.RRSIG, depth int) result {
	h := rrset[0].Header()
	owner := dns.CanonicalName(h.Name)
	what := fmt.Sprintf("%s %s", owner, dns.TypeToString[h.Rrtype])
	if len(sigs) == 0 {
		return result{sec: Insecure, why: fmt.Sprintf("%s: no RRSIG covers the RRset", what)}
	}
	worst := result{sec: Insecure}
	note := func(s Security, why string) {
		if worst.why == "" || s == Bogus && worst.sec != Bogus {
			worst = result{sec: s, why: why}
		}
	}
	// The closest signers first: only the closest enclosing zone may sign.
	sigs = slices.Clone(sigs)
	slices.SortStableFunc(sigs, func(a, b *dns.RRSIG) int {
		return cmp.Compare(dns.CountLabel(b.SignerName), dns.CountLabel(a.SignerName))
	})
	tried := 0
	for _, sig := range sigs {
		if r, done := c.halted(); done {
			return r
		}
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
		case !sig.ValidityPeriod(c.now):
			note(Bogus, fmt.Sprintf("%s: RRSIG by %s key %d %s", what, signer, sig.KeyTag, validityWhy(sig, c.now)))
			continue
		}
		if tried == c.maxSigs {
			note(Bogus, fmt.Sprintf("%s: more than %d RRSIGs; the others are not tried (limit MaxSignatures)", what, c.maxSigs))
			break
		}
		tried++
		z := c.closerZone(signer, owner, h.Rrtype == dns.TypeDS, depth)
		if r, done := c.halted(); done {
			return r
		}
		if z != "" {
			note(Bogus, fmt.Sprintf("%s: RRSIG by %s, but the chain proves the closer zone %s", what, signer, z))
			continue
		}
		zk := c.zoneKeys(signer, depth+1)
		if zk.sec != Secure {
			note(zk.sec, zk.why)
			continue
		}
		if !c.v.algSupported(sig.Algorithm) {
			note(Bogus, fmt.Sprintf("%s: RRSIG by %s key %d uses unsupported algorithm %s", what, signer, sig.KeyTag, algName(sig.Algorithm)))
			continue
		}
		ok, capped := c.tryKeys(sig, zk.keys, zk.tags, rrset)
		if ok {
			return result{sec: Secure, why: fmt.Sprintf("%s signed by %s key %d, chain validated", what, signer, sig.KeyTag),
				expires: minTime(zk.expires, sigExpiry(c.now, sig, rrset))}
		}
		if r, done := c.halted(); done {
			return r
		}
		if capped {
			note(Bogus, fmt.Sprintf("%s: none of the first %d DNSKEYs of %s with key tag %d verifies the RRSIG (limit MaxKeysPerTag)", what,
				c.maxKeys, signer, sig.KeyTag))
			continue
		}
		note(Bogus, fmt.Sprintf("%s: no DNSKEY of %s verifies the RRSIG with key tag %d", what, signer, sig.KeyTag))
	}
	return worst
}

// closerZone returns a zone strictly below signer that encloses owner
// and that the chain proves: the zone that should have signed instead.
// The names strictly between signer and owner are examined as zones (a
// DS query each, once per lookup, and a DNSKEY query if a DS exists); owner itself, which may
// be a zone apex, counts only if this lookup or the cache has proven it,
// so that the common case, a name signed by its parent zone, costs no
// query. For a DS RRset, owner's own zone does not count.
func (c *chase) closerZone(signer, owner string, ds bool, depth int) string {
	name := owner
	if ds {
		name = parentName(owner)
	} else if c.known(owner) {
		return owner
	} else {
		name = parentName(owner)
	}
	for name != "" && name != signer && dns.IsSubDomain(signer, name) {
		if c.known(name) || c.zoneKeys(name, depth+1).sec == Secure {
			return name
		}
		if c.stop != nil {
			return ""
		}
		name = parentName(name)
	}
	return ""
}

// known reports whether this lookup or the cache has proven zone.
func (c *chase) known(zone string) bool {
	if zr, ok := c.zones[zone]; ok {
		return zr.sec == Secure
	}
	_, ok := c.v.cached(zone, c.now)
	return ok
}

// parentName returns the name one label up, or "" for the root.
func parentName(name string) string {
	if name == "." {
		return ""
	}
	if off, end := dns.NextLabel(name, 0); !end {
		return name[off:]
	}
	return "."
}

// sigExpiry returns when the proof by sig over rrset lapses: at the
// signature's expiration or after the RRset's TTL, capped by the
// signature's original TTL (RFC 4035 section 5.3.3).
func sigExpiry(now time.Time, sig *dns.RRSIG, rrset []dns.RR) time.Time {
	ttl := min(ttlOf(rrset), time.Duration(sig.OrigTtl)*time.Second)
	// Serial number arithmetic (RFC 1982), as ValidityPeriod does: the
	// signature is valid now, so its expiration is less than 2^31
	// seconds ahead.
	left := time.Duration(int32(sig.Expiration-uint32(now.Unix()))) * time.Second
	return now.Add(max(min(ttl, left), 0))
}

func validityWhy(sig *dns.RRSIG, now time.Time) string {
	inc := time.Unix(int64(sig.Inception), 0).UTC()
	exp := time.Unix(int64(sig.Expiration), 0).UTC()
	if now.Before(inc) {
		return "is not valid until " + inc.Format(time.RFC3339)
	}
	return "expired at " + exp.Format(time.RFC3339)
}

// zoneKeys returns the validated zone keys of zone, examining each zone
// at most once per lookup.
func (c *chase) zoneKeys(zone string, depth int) zoneResult {
	if zr, ok := c.zones[zone]; ok {
		return *zr
	}
	if ck, ok := c.v.cached(zone, c.now); ok {
		zr := zoneResult{result: result{sec: Secure, why: ck.why, expires: ck.expires}, keys: ck.keys, tags: keyTags(ck.keys)}
		c.zones[zone] = &zr
		return zr
	}
	if depth > maxChain {
		return zoneResult{result: result{sec: Bogus, why: fmt.Sprintf("chain longer than %d zones at %s", maxChain, zone)}}
	}
	zr := c.fetchZoneKeys(zone, depth)
	if c.stop != nil {
		return zr // not remembered: the lookup ends
	}
	c.zones[zone] = &zr
	if zr.sec == Secure {
		c.v.store(zone, zoneKeys{keys: zr.keys, expires: zr.expires, why: zr.why}, c.now)
	}
	return zr
}

func keyTags(keys []*dns.DNSKEY) []uint16 {
	tags := make([]uint16, len(keys))
	for i, k := range keys {
		tags[i] = k.KeyTag()
	}
	return tags
}

func (c *chase) fetchZoneKeys(zone string, depth int) zoneResult {
	fail := func(s Security, format string, args ...any) zoneResult {
		return zoneResult{result: result{sec: s, why: fmt.Sprintf(format, args...)}}
	}
	// The DS records or anchors that may introduce this zone's keys, and
	// only then the keys: a name without a DS costs one query.
	var (
		entry   []dns.RR
		expires = c.now.Add(c.v.maxTTL())
		via     string
	)
	for _, a := range c.v.anchors() {
		if dns.CanonicalName(a.Header().Name) == zone {
			entry = append(entry, a)
		}
	}
	if len(entry) > 0 {
		via = "trust anchor"
	} else {
		if zone == "." {
			return fail(Insecure, "no trust anchor covers the name")
		}
		dsResp, err := c.query(zone, dns.TypeDS)
		if err != nil {
			if r, done := c.halted(); done {
				return zoneResult{result: r}
			}
			return fail(Insecure, "%s DS: %v", zone, err)
		}
		dsSet := rrsetOf(dsResp.Answer, zone, dns.TypeDS)
		if len(dsSet) == 0 {
			if parentAnchored(c.v.anchors(), zone) {
				return fail(Insecure, "no DS for %s in its parent: unsigned delegation (not proven)", zone)
			}
			return fail(Insecure, "no trust anchor covers %s", zone)
		}
		r := c.validate(dsSet, sigsFor(dsResp.Answer, dsSet), depth)
		if r.sec != Secure {
			return zoneResult{result: r}
		}
		entry, via = dsSet, "DS"
		expires = minTime(expires, r.expires)
	}
	resp, err := c.query(zone, dns.TypeDNSKEY)
	if err != nil {
		if r, done := c.halted(); done {
			return zoneResult{result: r}
		}
		return fail(Insecure, "%s DNSKEY: %v", zone, err)
	}
	keySet := rrsetOf(resp.Answer, zone, dns.TypeDNSKEY)
	if len(keySet) == 0 {
		return fail(Bogus, "%s has a %s but no DNSKEY RRset", zone, via)
	}
	entry = c.v.usable(entry)
	if len(entry) == 0 {
		return fail(Insecure, "%s: the %s uses only unsupported algorithms or digest types", zone, via)
	}
	var keys []*dns.DNSKEY
	for _, rr := range keySet {
		if k, ok := rr.(*dns.DNSKEY); ok && k.Protocol == 3 && k.Flags&dns.ZONE != 0 && k.Flags&dns.REVOKE == 0 {
			keys = append(keys, k)
		}
	}
	tags := keyTags(keys)
	// Entry keys: DNSKEYs of the zone that an anchor or DS names, at most
	// MaxKeysPerTag candidates for each.
	var entryKeys []*dns.DNSKEY
	var entryTags []uint16
	for _, e := range entry {
		n := 0
		for i, k := range keys {
			if n == c.maxKeys {
				break
			}
			if tag, alg := entryTag(e); tag != tags[i] || alg != k.Algorithm {
				continue
			}
			n++
			if introduces(e, k) && !slices.Contains(entryKeys, k) {
				entryKeys, entryTags = append(entryKeys, k), append(entryTags, tags[i])
			}
		}
	}
	if len(entryKeys) == 0 {
		return fail(Bogus, "%s: no DNSKEY matches the %s (digest mismatch or wrong key)", zone, via)
	}
	// The DNSKEY RRset must be signed by one of the entry keys.
	why := fmt.Sprintf("%s DNSKEY: no valid RRSIG by a key the %s introduces", zone, via)
	tried := 0
	for _, sig := range sigsFor(resp.Answer, keySet) {
		if r, done := c.halted(); done {
			return zoneResult{result: r}
		}
		if dns.CanonicalName(sig.SignerName) != zone || !c.v.algSupported(sig.Algorithm) {
			continue
		}
		if !sig.ValidityPeriod(c.now) {
			why = fmt.Sprintf("%s DNSKEY: RRSIG by key %d %s", zone, sig.KeyTag, validityWhy(sig, c.now))
			continue
		}
		if tried == c.maxSigs {
			why = fmt.Sprintf("%s DNSKEY: more than %d RRSIGs; the others are not tried (limit MaxSignatures)", zone, c.maxSigs)
			break
		}
		tried++
		if ok, _ := c.tryKeys(sig, entryKeys, entryTags, keySet); ok {
			ok := fmt.Sprintf("%s keys introduced by %s", zone, via)
			return zoneResult{result: result{sec: Secure, why: ok, expires: minTime(expires, sigExpiry(c.now, sig, keySet))},
				keys: keys, tags: tags}
		}
	}
	if r, done := c.halted(); done {
		return zoneResult{result: r}
	}
	return fail(Bogus, "%s", why)
}

// entryTag returns the key tag and algorithm an anchor or DS names.
func entryTag(e dns.RR) (uint16, uint8) {
	switch a := e.(type) {
	case *dns.DNSKEY:
		return a.KeyTag(), a.Algorithm
	case *dns.DS:
		return a.KeyTag, a.Algorithm
	}
	return 0, 0
}

// usable returns the anchors or DS records the validator can use: those
// of supported algorithms and digest types, without SHA-1 DS records for
// a key that also has a SHA-256 or SHA-384 one (RFC 4509 section 3).
func (v *Validator) usable(entry []dns.RR) []dns.RR {
	type key struct {
		tag uint16
		alg uint8
	}
	strong := map[key]bool{}
	for _, e := range entry {
		if ds, ok := e.(*dns.DS); ok && ds.DigestType != dns.SHA1 && v.digestSupported(ds.DigestType) {
			strong[key{ds.KeyTag, ds.Algorithm}] = true
		}
	}
	var out []dns.RR
	for _, e := range entry {
		switch a := e.(type) {
		case *dns.DNSKEY:
			if v.algSupported(a.Algorithm) {
				out = append(out, e)
			}
		case *dns.DS:
			if v.algSupported(a.Algorithm) && v.digestSupported(a.DigestType) &&
				!(a.DigestType == dns.SHA1 && strong[key{a.KeyTag, a.Algorithm}]) {
				out = append(out, e)
			}
		}
	}
	return out
}

// introduces reports whether the anchor or DS e names key k.
func introduces(e dns.RR, k *dns.DNSKEY) bool {
	switch a := e.(type) {
	case *dns.DNSKEY:
		return a.Algorithm == k.Algorithm && a.Protocol == k.Protocol && a.Flags&^dns.SEP == k.Flags&^dns.SEP &&
			a.PublicKey == k.PublicKey
	case *dns.DS:
		if a.KeyTag != k.KeyTag() || a.Algorithm != k.Algorithm {
			return false
		}
		ds := k.ToDS(a.DigestType)
		return ds != nil && strings.EqualFold(ds.Digest, a.Digest)
	}
	return false
}

// algSupported reports whether RRSIG.Verify implements the DNSKEY
// algorithm a and the validator accepts it.
func (v *Validator) algSupported(a uint8) bool {
	switch a {
	case dns.RSASHA1, dns.RSASHA1NSEC3SHA1:
		return !v.NoSHA1
	case dns.RSASHA256, dns.RSASHA512, dns.ECDSAP256SHA256, dns.ECDSAP384SHA384, dns.ED25519:
		return true
	}
	return false
}

func (v *Validator) digestSupported(d uint8) bool {
	return d == dns.SHA1 && !v.NoSHA1 || d == dns.SHA256 || d == dns.SHA384
}

func algName(a uint8) string {
	if s, ok := dns.AlgorithmToString[a]; ok {
		return s
	}
	return strconv.Itoa(int(a))
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

// cached returns the cached keys of zone if they have not expired.
func (v *Validator) cached(zone string, now time.Time) (zoneKeys, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.cache[zone]
	if !ok || !now.Before(c.expires) {
		return zoneKeys{}, false
	}
	return c, true
}

func (v *Validator) store(zone string, c zoneKeys, now time.Time) {
	if v.maxTTL() < 0 || !now.Before(c.expires) {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cache == nil {
		v.cache = make(map[string]zoneKeys)
	}
	if len(v.cache) >= maxCacheZones {
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
