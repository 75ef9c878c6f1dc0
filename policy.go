package hostkeys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/knownhosts"
	"github.com/hostkeys/hostkeys/sshfp"
)

// Source names a kind of evidence about a host key.
type Source string

const (
	// SourcePins: a pin list (the approved-hosts list).
	SourcePins Source = "pins"
	// SourceKnownHosts: known_hosts files.
	SourceKnownHosts Source = "known-hosts"
	// SourceSSHFP: SSHFP records, evidence only when DNSSEC proves them.
	SourceSSHFP Source = "sshfp"
	// SourceScan: the live server that presented the key. It proves only
	// that the server holds the key, never that it is the right one.
	SourceScan Source = "scan"
)

// sources lists the sources in the order verdicts list their evidence.
var sources = []Source{SourcePins, SourceKnownHosts, SourceSSHFP, SourceScan}

// Status is what one source says about a key.
type Status string

const (
	// Confirmed: the source vouches for the key.
	Confirmed Status = "confirmed"
	// Contradicted: the source knows other keys for the host.
	Contradicted Status = "contradicted"
	// RevokedKey: the source revokes the key (or the CA that signed it).
	RevokedKey Status = "revoked"
	// Silent: the source knows nothing about the host.
	Silent Status = "silent"
	// Insecure: the source spoke, but without proof (SSHFP records that
	// DNSSEC does not prove); it counts for nothing.
	Insecure Status = "insecure"
	// Failed: the source could not be asked (a DNS lookup failed).
	Failed Status = "error"
)

// Evidence is what one source said about a key, and where it said it.
type Evidence struct {
	Source Source `json:"source"`
	Status Status `json:"status"`
	// Weak is set when the source confirms the key only by MD5
	// fingerprints.
	Weak bool `json:"weak,omitempty"`
	// Where says where the evidence comes from: "file:line" for pins and
	// known_hosts, the DNS owner name for SSHFP, "address banner" for a
	// scan.
	Where string `json:"where,omitempty"`
	// File and Line locate pins and known_hosts evidence.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Owner, Security and Server describe an SSHFP answer: the owner
	// name, how DNSSEC proves it ("secure", "insecure", "bogus") and the
	// server that answered.
	Owner    string `json:"dns_owner,omitempty"`
	Security string `json:"dns_security,omitempty"`
	Server   string `json:"dns_server,omitempty"`
	// Addr and Banner describe the connection a scan got the key from.
	Addr   string `json:"addr,omitempty"`
	Banner string `json:"banner,omitempty"`
	// Answer and SSHFP are, for SSHFP evidence, the lookup's answer (nil
	// if it failed) and what its records say about the key.
	Answer *sshfp.Answer  `json:"-"`
	SSHFP  *sshfp.Verdict `json:"-"`
	// Detail says in words what the source said.
	Detail string `json:"detail"`
	// Err is the failure of a Failed source.
	Err error `json:"-"`

	// known are the keys a contradicting source knows, for
	// x/crypto's KeyError.
	known []xknownhosts.KnownKey
}

// Trusted reports whether a confirmation from this source can make a key
// trusted: pins, known_hosts and DNSSEC-proven SSHFP can; a scan cannot.
func (e *Evidence) Trusted() bool { return e.Source != SourceScan }

// Decision is a verdict's outcome.
type Decision string

const (
	Accept Decision = "accept"
	Reject Decision = "reject"
)

// VerdictRule names the rule of the policy that decided a verdict.
type VerdictRule string

const (
	// VerdictRevoked: a source revokes the key. Rejects.
	VerdictRevoked VerdictRule = "revoked"
	// VerdictContradicted: a source knows other keys for the host. Rejects.
	VerdictContradicted VerdictRule = "contradicted"
	// VerdictRequired: a source named in Policy.Require did not confirm the
	// key. Rejects.
	VerdictRequired VerdictRule = "required"
	// VerdictUnconfirmed: no trusted source confirms the key. Rejects.
	VerdictUnconfirmed VerdictRule = "unconfirmed"
	// VerdictConfirmed: every source that speaks agrees and at least one
	// trusted source confirms. Accepts.
	VerdictConfirmed VerdictRule = "confirmed"
	// VerdictInsecureTrustOnFirstUse: nothing is known about the host and
	// Policy.InsecureTrustOnFirstUse accepts its first key. Accepts.
	VerdictInsecureTrustOnFirstUse VerdictRule = "insecure-trust-on-first-use"
)

// Verdict is a policy's decision on one host key, with the evidence of every
// source it consulted.
type Verdict struct {
	Host string
	Port int
	Key  ssh.PublicKey
	// Decision and the Rule that made it; Reason says it in one sentence.
	Decision Decision
	Rule     VerdictRule
	Reason   string
	// Evidence holds one entry per source consulted (per pin list and per
	// known_hosts DB), pins first, then known_hosts, SSHFP and the scan.
	Evidence []Evidence
}

// Accepted reports whether the key is accepted.
func (v *Verdict) Accepted() bool { return v.Decision == Accept }

// Weak reports whether every trusted confirmation is weak (MD5 pins only).
func (v *Verdict) Weak() bool {
	weak := false
	for _, e := range v.Evidence {
		if e.Status == Confirmed && e.Trusted() {
			if !e.Weak {
				return false
			}
			weak = true
		}
	}
	return weak
}

// VerdictError is the error of a rejected key. It wraps x/crypto's
// *knownhosts.RevokedError or *knownhosts.KeyError where one fits (a revoked
// key; a host whose other keys are known; a host nothing is known about), so
// that errors.As code written for x/crypto keeps working.
type VerdictError struct {
	Verdict *Verdict
	Err     error // *xknownhosts.RevokedError, *xknownhosts.KeyError or nil
}

func (e *VerdictError) Error() string {
	return fmt.Sprintf("hostkeys: %s key %s for %s rejected: %s",
		fingerprint.TypeLabel(e.Verdict.Key), fingerprint.Of(e.Verdict.Key, fingerprint.SHA256),
		knownhosts.HostPort(e.Verdict.Host, e.Verdict.Port), e.Verdict.Reason)
}

func (e *VerdictError) Unwrap() error { return e.Err }

// Requirement is a set of sources of which at least one must confirm a key.
type Requirement []Source

// ParseRequirements reads requirements as hostkeys verify --require takes
// them: requirements separated by commas, each a list of sources separated
// by "|", any of which must confirm. "pins" requires a pin; "pins|sshfp,
// known-hosts" requires a pin or a secure SSHFP match, and a known_hosts
// entry.
func ParseRequirements(s string) ([]Requirement, error) {
	var out []Requirement
	for _, part := range strings.Split(s, ",") {
		var req Requirement
		for _, name := range strings.Split(part, "|") {
			src := Source(strings.TrimSpace(name))
			switch src {
			case SourcePins, SourceKnownHosts, SourceSSHFP:
				req = append(req, src)
			default:
				return nil, &RequirementError{Text: s, Source: string(src)}
			}
		}
		out = append(out, req)
	}
	return out, nil
}

// RequirementError is a requirement ParseRequirements cannot read: it
// names a source other than pins, known-hosts and sshfp (or none).
type RequirementError struct {
	Text   string // the whole text given to ParseRequirements
	Source string // the source name it does not know
}

func (e *RequirementError) Error() string {
	return fmt.Sprintf("hostkeys: unknown source %q in requirement %q (want pins, known-hosts or sshfp)", e.Source, e.Text)
}

func (r Requirement) String() string {
	s := make([]string, len(r))
	for i, src := range r {
		s[i] = string(src)
	}
	return strings.Join(s, "|")
}

// Policy decides whether a host key is the right one from every source it is
// given. The zero Policy knows nothing and rejects every key.
//
// The rule: a key revoked by any source is rejected; a key any source
// contradicts is rejected; every Requirement must be met by a confirming
// source; and at least one trusted source (pins, known_hosts, secure SSHFP)
// must confirm. SSHFP records that DNSSEC does not prove are reported as
// Insecure and count for nothing.
//
// A host certificate is judged by its CA (a @cert-authority pin or
// known_hosts line, with the certificate valid for the host and now) or,
// failing that, by the key it certifies, as ssh does.
//
// A Policy must not be changed while in use; it is safe for concurrent use.
type Policy struct {
	// KnownHosts are known_hosts databases; each one is a source.
	KnownHosts []*knownhosts.DB
	// Pins are pin lists; each one is a source.
	Pins []*Pins
	// SSHFP, if not nil, looks up SSHFP records of the host name, and
	// SSHFPPolicy says which records a key must match.
	SSHFP       *sshfp.Resolver
	SSHFPPolicy sshfp.Policy
	// Require lists sources that must confirm a key, besides the
	// default rule. Nil requires nothing more.
	Require []Requirement
	// InsecureTrustOnFirstUse accepts a key when no source knows anything
	// about the host (all silent, and no requirement), as ssh's
	// StrictHostKeyChecking=accept-new does. Whatever answers first is
	// then trusted: use it only where an attacker cannot be in the path.
	InsecureTrustOnFirstUse bool
	// Now is the clock for certificate validity. If nil, time.Now.
	Now func() time.Time
	// CallbackTimeout bounds the DNS lookups of HostKeyCallback, which
	// has no context. If zero, 10 seconds.
	CallbackTimeout time.Duration
}

func (p *Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Check decides on key for host on port. Its only network traffic is the
// SSHFP lookup, bounded by ctx.
func (p *Policy) Check(ctx context.Context, host string, port int, key ssh.PublicKey) *Verdict {
	return p.CheckKeys(ctx, host, port, []ssh.PublicKey{key})[0]
}

// CheckKeys decides on each of a host's keys, as Check does, with one SSHFP
// lookup for them all.
func (p *Policy) CheckKeys(ctx context.Context, host string, port int, keys []ssh.PublicKey) []*Verdict {
	dns := p.lookupSSHFP(ctx, host)
	out := make([]*Verdict, len(keys))
	for i, k := range keys {
		out[i] = p.decide(host, port, k, dns, nil)
	}
	return out
}

// sshfpAnswer is the outcome of one SSHFP lookup, shared by every key of a
// host.
type sshfpAnswer struct {
	answer *sshfp.Answer
	err    error
}

func (p *Policy) lookupSSHFP(ctx context.Context, host string) *sshfpAnswer {
	if p.SSHFP == nil {
		return nil
	}
	a, err := p.SSHFP.Lookup(ctx, host)
	return &sshfpAnswer{answer: a, err: err}
}

// decide applies the rule to the evidence of every source.
func (p *Policy) decide(host string, port int, key ssh.PublicKey, dns *sshfpAnswer, scan *keyscan.Key) *Verdict {
	if port == 0 {
		port = 22
	}
	v := &Verdict{Host: host, Port: port, Key: key}
	for _, pins := range p.Pins {
		v.Evidence = append(v.Evidence, p.pinEvidence(pins, host, port, key))
	}
	for _, db := range p.KnownHosts {
		v.Evidence = append(v.Evidence, knownHostsEvidence(db, host, port, key))
	}
	if dns != nil {
		v.Evidence = append(v.Evidence, p.sshfpEvidence(dns, key))
	}
	if scan != nil {
		v.Evidence = append(v.Evidence, Evidence{Source: SourceScan, Status: Confirmed,
			Where: scan.Addr + " " + strconv.Quote(scan.Banner), Addr: scan.Addr, Banner: scan.Banner,
			Detail: "the server proved it holds the key (" + scan.Algorithm + ")"})
	}
	p.apply(v)
	return v
}

func (p *Policy) apply(v *Verdict) {
	reject := func(r VerdictRule, reason string) { v.Decision, v.Rule, v.Reason = Reject, r, reason }
	for _, e := range v.Evidence {
		if e.Status == RevokedKey {
			reject(VerdictRevoked, fmt.Sprintf("revoked by %s at %s", e.Source, e.Where))
			return
		}
	}
	for _, e := range v.Evidence {
		if e.Status == Contradicted {
			reject(VerdictContradicted, fmt.Sprintf("%s at %s: %s", e.Source, e.Where, e.Detail))
			return
		}
	}
	confirmed := map[Source]bool{}
	spoke := false
	for _, e := range v.Evidence {
		if e.Status == Confirmed && e.Trusted() {
			confirmed[e.Source] = true
		}
		if e.Trusted() && e.Status != Silent {
			spoke = true
		}
	}
	for _, req := range p.Require {
		if !slices.ContainsFunc(req, func(s Source) bool { return confirmed[s] }) {
			reject(VerdictRequired, fmt.Sprintf("required %s did not confirm the key", req))
			return
		}
	}
	if len(confirmed) > 0 {
		var by []string
		for _, s := range sources {
			if confirmed[s] {
				by = append(by, string(s))
			}
		}
		v.Decision, v.Rule, v.Reason = Accept, VerdictConfirmed, "confirmed by "+strings.Join(by, " and ")
		if v.Weak() {
			v.Reason += " (weak: MD5 fingerprints only)"
		}
		return
	}
	if p.InsecureTrustOnFirstUse && !spoke && len(p.Require) == 0 {
		v.Decision, v.Rule, v.Reason = Accept, VerdictInsecureTrustOnFirstUse, "nothing known about the host: trusted on first use (insecure)"
		return
	}
	// Say what each trusted source said instead: not secure, failed, or
	// silent (an unpinned host), in that order.
	reason := "no trusted source confirms the key"
	for _, st := range []Status{Insecure, Failed, Silent} {
		for _, e := range v.Evidence {
			if e.Status != st || !e.Trusted() {
				continue
			}
			switch st {
			case Insecure:
				reason += "; " + string(e.Source) + " is not secure: " + e.Detail
			case Failed:
				reason += "; " + string(e.Source) + " failed: " + e.Detail
			default:
				reason += "; " + string(e.Source)
				if e.Where != "" {
					reason += " " + e.Where
				}
				reason += ": " + e.Detail
			}
		}
	}
	reject(VerdictUnconfirmed, reason)
}

// pinEvidence is what one pin list says about key.
func (p *Policy) pinEvidence(pins *Pins, host string, port int, key ssh.PublicKey) Evidence {
	ev := Evidence{Source: SourcePins, Status: Silent, Where: pins.Name, File: pins.Name, Detail: "no pin for the host"}
	list := pins.Lookup(host, port)
	cert, isCert := key.(*ssh.Certificate)
	var approved []*Pin
	for _, pin := range list {
		if pin.Marker == fingerprint.Revoked && (pin.Matches(key) || pin.Signs(key)) {
			return pinAt(Evidence{Source: SourcePins, Status: RevokedKey, Detail: "the key is revoked: " + pin.brief()}, pin)
		}
		if pin.Marker != fingerprint.Revoked {
			approved = append(approved, pin)
		}
	}
	if len(approved) == 0 {
		return ev
	}
	var certProblem string
	if isCert {
		for _, pin := range approved {
			if pin.Marker != fingerprint.CertAuthority || !pin.Signs(key) {
				continue
			}
			if err := p.checkCert(host, cert); err != nil {
				certProblem = fmt.Sprintf("; the certificate signed by the CA at %s is not valid: %v", pin.Location(), err)
				continue
			}
			return pinAt(Evidence{Source: SourcePins, Status: Confirmed, Weak: pin.Weak(),
				Detail: "host certificate signed by the pinned CA " + pin.brief()}, pin)
		}
	}
	var weakMatch *Pin
	for _, pin := range approved {
		if pin.Marker == "" && pin.Matches(key) {
			if !pin.Weak() {
				return pinAt(Evidence{Source: SourcePins, Status: Confirmed, Detail: "pinned: " + pin.brief()}, pin)
			}
			if weakMatch == nil {
				weakMatch = pin
			}
		}
	}
	if weakMatch != nil {
		return pinAt(Evidence{Source: SourcePins, Status: Confirmed, Weak: true, Detail: "pinned by MD5 fingerprint (weak): " + weakMatch.brief()}, weakMatch)
	}
	if !isCert && slices.ContainsFunc(approved, func(p *Pin) bool { return p.Marker == fingerprint.CertAuthority }) {
		certProblem = "; a CA is pinned: its host certificates would be accepted (scan them with -c)"
	}
	// Name the pins (a few: a wildcard section may hold many), so that
	// the message says what the list expects.
	const show = 3
	var named []string
	for _, pin := range approved[:min(show, len(approved))] {
		named = append(named, pin.brief())
	}
	if len(approved) > show {
		named = append(named, fmt.Sprintf("and %d more", len(approved)-show))
	}
	ev = pinAt(Evidence{Source: SourcePins, Status: Contradicted,
		Detail: fmt.Sprintf("the host is pinned to %d other key(s) or CA(s): %s%s", len(approved), strings.Join(named, ", "), certProblem)}, approved[0])
	for _, pin := range approved {
		if pin.Key != nil && pin.Marker == "" {
			ev.known = append(ev.known, xknownhosts.KnownKey{Key: pin.Key, Filename: pin.File, Line: pin.Line})
		}
	}
	return ev
}

func pinAt(ev Evidence, pin *Pin) Evidence {
	ev.File, ev.Line, ev.Where = pin.File, pin.Line, pin.Location()
	return ev
}

// checkCert checks a host certificate for host as ssh does once its CA is
// trusted: type, principals, validity period and the CA's signature.
func (p *Policy) checkCert(host string, cert *ssh.Certificate) error {
	c := &ssh.CertChecker{Clock: p.now}
	return c.CheckCert(host, cert)
}

// knownHostsEvidence is what one known_hosts DB says about key, through
// DB.Check (OpenSSH's rules, certificates and ports included).
func knownHostsEvidence(db *knownhosts.DB, host string, port int, key ssh.PublicKey) Evidence {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	ev := Evidence{Source: SourceKnownHosts}
	err := db.Check(addr, key)
	var ke *xknownhosts.KeyError
	var re *xknownhosts.RevokedError
	switch {
	case err == nil:
		ev.Status, ev.Detail = Confirmed, "known"
		if e := knownEntry(db, addr, key); e != nil {
			ev.File, ev.Line, ev.Where = e.File, e.Line, fmt.Sprintf("%s:%d", e.File, e.Line)
			if e.Marker == fingerprint.CertAuthority {
				ev.Detail = "host certificate signed by a known CA"
			}
		}
	case errors.As(err, &re):
		ev.Status, ev.Detail = RevokedKey, "the key is revoked"
		ev.File, ev.Line = re.Revoked.Filename, re.Revoked.Line
		ev.Where = fmt.Sprintf("%s:%d", ev.File, ev.Line)
	case errors.As(err, &ke) && len(ke.Want) > 0:
		ev.Status = Contradicted
		ev.Detail = fmt.Sprintf("the host has %d other known key(s)", len(ke.Want))
		ev.File, ev.Line = ke.Want[0].Filename, ke.Want[0].Line
		ev.Where = fmt.Sprintf("%s:%d", ev.File, ev.Line)
		ev.known = ke.Want
	case errors.As(err, &ke):
		ev.Status, ev.Detail = Silent, "the host is not known"
		var names []string
		for _, f := range db.Files() {
			names = append(names, f.Name)
		}
		ev.Where = strings.Join(names, ", ")
	default:
		ev.Status, ev.Detail, ev.Err = Failed, err.Error(), err
	}
	return ev
}

// knownEntry finds the entry that vouches for key: its plain key, or for a
// certificate the CA.
func knownEntry(db *knownhosts.DB, addr string, key ssh.PublicKey) *knownhosts.Entry {
	plain := plainKey(key).Marshal()
	var ca []byte
	if c, ok := key.(*ssh.Certificate); ok && c.SignatureKey != nil {
		ca = c.SignatureKey.Marshal()
	}
	entries := db.HostKeys(addr)
	if host, _, err := net.SplitHostPort(addr); err == nil {
		entries = append(entries, db.HostKeys(host)...)
	}
	for _, e := range entries {
		k, err := e.Key()
		if err != nil || e.Marker == fingerprint.Revoked {
			continue
		}
		b := k.Marshal()
		if (e.Marker == "" && bytes.Equal(b, plain)) || (e.Marker == fingerprint.CertAuthority && ca != nil && bytes.Equal(b, ca)) {
			return e
		}
	}
	return nil
}

// sshfpEvidence is what an SSHFP answer says about key. It confirms exactly
// when sshfp's own verdict accepts the key (records found, matching under
// SSHFPPolicy, DNSSEC-secure), contradicts when secure records of the key's
// algorithm do not match it, and is Insecure when records of its algorithm
// are there but not proven.
func (p *Policy) sshfpEvidence(dns *sshfpAnswer, key ssh.PublicKey) Evidence {
	ev := Evidence{Source: SourceSSHFP, Err: dns.err}
	if dns.err != nil {
		if errors.Is(dns.err, sshfp.ErrNumericHost) {
			ev.Status, ev.Detail = Silent, "numeric host: no SSHFP lookup"
			return ev
		}
		ev.Status, ev.Detail = Failed, dns.err.Error()
		return ev
	}
	a := dns.answer
	ev.Answer = a
	ev.Owner, ev.Security, ev.Server = a.Owner, a.Security.String(), a.Server
	if ev.Owner == "" {
		ev.Owner = a.Name
	}
	ev.Where = ev.Owner + " (" + ev.Security + ")"
	vd := sshfp.Check(key, a, p.SSHFPPolicy)
	ev.SSHFP = vd
	ofAlgorithm := len(vd.Matched)+len(vd.Mismatched) > 0
	switch {
	case vd.Accepted():
		ev.Status, ev.Detail = Confirmed, vd.Reason
	case !ofAlgorithm:
		ev.Status, ev.Detail = Silent, "no SSHFP records for the key's algorithm"
	case !vd.Secure:
		ev.Status, ev.Detail = Insecure, vd.Reason+" (not proven by DNSSEC: "+a.Reason+")"
	default:
		ev.Status, ev.Detail = Contradicted, vd.Reason
	}
	return ev
}

// verdictError turns a rejection into an error, wrapping x/crypto's error
// types where one fits.
func verdictError(v *Verdict) error {
	ve := &VerdictError{Verdict: v}
	switch v.Rule {
	case VerdictRevoked:
		for _, e := range v.Evidence {
			if e.Status == RevokedKey {
				ve.Err = &xknownhosts.RevokedError{Revoked: xknownhosts.KnownKey{Key: v.Key, Filename: e.File, Line: e.Line}}
				break
			}
		}
	case VerdictContradicted:
		var want []xknownhosts.KnownKey
		for _, e := range v.Evidence {
			if e.Status == Contradicted {
				want = append(want, e.known...)
			}
		}
		if len(want) > 0 {
			ve.Err = &xknownhosts.KeyError{Want: want}
		}
	case VerdictUnconfirmed:
		known := false
		for _, e := range v.Evidence {
			known = known || (e.Trusted() && e.Status != Silent)
		}
		if !known {
			ve.Err = &xknownhosts.KeyError{}
		}
	}
	return ve
}

// HostKeyCallback returns a callback for ssh.ClientConfig that accepts a key
// exactly when Check does. A rejected key gives a *VerdictError, which
// errors.As also finds x/crypto's *knownhosts.RevokedError or
// *knownhosts.KeyError in when one fits (see VerdictError), so
// knownhosts.IsHostUnknown, IsHostKeyChanged and IsRevoked work on it.
func (p *Policy) HostKeyCallback() ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		host, port := knownhosts.SplitAddress(hostname)
		timeout := p.CallbackTimeout
		if timeout == 0 {
			timeout = 10 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		v := p.Check(ctx, host, port, key)
		if v.Accepted() {
			return nil
		}
		return verdictError(v)
	}
}

// HostKeyAlgorithms returns host key algorithms for
// ssh.ClientConfig.HostKeyAlgorithms, so that the server presents a key the
// policy knows: the algorithms of pinned and known keys (and every
// certificate algorithm when a CA is pinned or known) first, then the rest
// of the default list, each group in the default order. A fingerprint pin
// says which algorithms to prefer only through its type label ("(ED25519)");
// without one the server may present another of its keys, which the pins
// then contradict.
func (p *Policy) HostKeyAlgorithms(host string, port int) []string {
	defaults := knownhosts.New(knownhosts.Options{}).HostKeyAlgorithms("")
	addr := net.JoinHostPort(host, strconv.Itoa(portOr22(port)))
	preferred := map[string]bool{}
	addKey := func(k ssh.PublicKey, marker fingerprint.Marker) {
		switch marker {
		case fingerprint.CertAuthority:
			for _, a := range defaults {
				if strings.Contains(a, "-cert-") {
					preferred[a] = true
				}
			}
		case "":
			if kt, ok := keyscan.KeyTypeOf(plainKey(k).Type()); ok {
				for _, a := range kt.Algorithms(false) {
					preferred[a] = true
				}
			}
		}
	}
	for _, pins := range p.Pins {
		for _, pin := range pins.Lookup(host, port) {
			switch {
			case pin.Key != nil:
				addKey(pin.Key, pin.Marker)
			case pin.Marker == "" && pin.Fingerprint.KeyType != "":
				if kt := keyTypeOfLabel(pin.Fingerprint.KeyType); kt != "" {
					for _, a := range kt.Algorithms(false) {
						preferred[a] = true
					}
				}
			}
		}
	}
	for _, db := range p.KnownHosts {
		for _, e := range db.HostKeys(addr) {
			if k, err := e.Key(); err == nil {
				addKey(k, e.Marker)
			}
		}
	}
	var first, rest []string
	for _, a := range defaults {
		if preferred[a] {
			first = append(first, a)
		} else {
			rest = append(rest, a)
		}
	}
	return append(first, rest...)
}

func portOr22(port int) int {
	if port == 0 {
		return 22
	}
	return port
}

// keyTypeOfLabel maps a fingerprint's type label ("RSA", "Ed25519") to the
// key type it names.
func keyTypeOfLabel(label string) keyscan.KeyType {
	switch kt := keyscan.KeyType(strings.ToLower(label)); kt {
	case keyscan.RSA, keyscan.ECDSA, keyscan.Ed25519, keyscan.ECDSASK, keyscan.Ed25519SK, keyscan.DSA:
		return kt
	}
	return ""
}
