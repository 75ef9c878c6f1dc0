package sshfp

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Security says how far DNSSEC proves an answer.
type Security uint8

const (
	// Insecure: nothing proves the answer (no signatures, no trust anchor
	// above it, an AD bit from an untrusted resolver, or an unsigned
	// delegation). The zero value, so that forgetting to check is safe.
	Insecure Security = iota // insecure
	// Bogus: signatures are present but do not prove the answer (expired,
	// not yet valid, wrong key, signer not the closest enclosing zone, DS
	// mismatch), or proving it would exceed the [Validator]'s limits.
	Bogus // bogus
	// Secure: the answer is proven, by a trusted resolver's AD bit or by
	// a validated chain from a trust anchor.
	Secure // secure
)

func (s Security) String() string {
	switch s {
	case Insecure:
		return "insecure"
	case Bogus:
		return "bogus"
	case Secure:
		return "secure"
	}
	return "security " + strconv.Itoa(int(s))
}

// ErrNumericHost is returned by [Resolver.Lookup] for an IP address: as
// OpenSSH does, SSHFP records are not looked up for numeric host names.
var ErrNumericHost = errors.New("sshfp: numeric host name: SSHFP lookup skipped")

// LookupError reports a lookup that got no usable answer from any server.
type LookupError struct {
	Name   string // the name queried
	Type   uint16 // the type queried; zero for SSHFP
	Server string // the last server tried, host:port
	Rcode  int    // the DNS response code, or -1 if no response came
	Err    error  // the network error, if any
}

func (e *LookupError) Error() string {
	qtype := "SSHFP"
	if e.Type != 0 && e.Type != dns.TypeSSHFP {
		qtype = dns.Type(e.Type).String()
	}
	if e.Rcode >= 0 {
		return fmt.Sprintf("sshfp: lookup %s %s on %s: %s", e.Name, qtype, e.Server, dns.RcodeToString[e.Rcode])
	}
	return fmt.Sprintf("sshfp: lookup %s %s on %s: %v", e.Name, qtype, e.Server, e.Err)
}

func (e *LookupError) Unwrap() error { return e.Err }

// Answer is the outcome of an SSHFP lookup.
type Answer struct {
	// Name is the fully qualified name that was queried, and Owner the
	// owner of the records (different when a CNAME was followed).
	Name, Owner string
	// Records are the SSHFP records found, sorted by algorithm,
	// fingerprint type and digest; empty when the name or the records do
	// not exist.
	Records []Record
	// Exists is false when the server answered NXDOMAIN.
	Exists bool
	// Security says whether DNSSEC proves the answer, and Reason why.
	Security Security
	Reason   string
	// Server is the server that answered, host:port.
	Server string
	// TTL is the smallest TTL of the records.
	TTL time.Duration
}

// Secure reports whether the answer is DNSSEC-proven.
func (a *Answer) Secure() bool { return a != nil && a.Security == Secure }

// Resolver looks up SSHFP records. The zero Resolver uses the nameservers
// of /etc/resolv.conf and believes their AD bit only if resolv.conf says
// "options trust-ad", as glibc 2.31 and later do.
//
// Whose AD bit is believed (trust mode A), in this order:
//   - a resolver named in Trusted;
//   - a resolver on loopback named in Servers: the caller chose it;
//   - the nameservers of resolv.conf, when it (or $RES_OPTIONS) has the
//     option trust-ad. Without it, not even one on loopback: a loopback
//     forwarder is not necessarily a validator (dnsmasq --proxy-dnssec
//     passes on the AD bit of whatever is upstream).
//
// [Answer.Reason] says which rule applied.
type Resolver struct {
	// Servers are the DNS servers asked, in order, as "host" or
	// "host:port" (port 53 by default). If empty, the nameservers of
	// ResolvConf are used.
	Servers []string
	// ResolvConf is the resolver configuration file read when Servers is
	// empty. If empty, /etc/resolv.conf is read. As glibc, only
	// nameservers given as IP addresses are used; a file over 1 MiB is
	// an error.
	ResolvConf string
	// Trusted names resolvers whose AD bit is believed wherever they are,
	// as "host" (any port) or "host:port". The path to them must itself
	// be secure (RFC 4255 section 2.4).
	Trusted []string
	// Validator, if not nil, validates DNSSEC locally (trust mode B): the
	// AD bit is then ignored and queries are sent with CD set.
	Validator *Validator
	// Timeout bounds each exchange with a server. If zero, 5 seconds.
	// The context's deadline bounds the whole lookup.
	Timeout time.Duration
}

const defaultTimeout = 5 * time.Second

// maxCNAME bounds the CNAME chain followed in one answer.
const maxCNAME = 8

// Lookup queries the SSHFP records of host (a host name, optionally with
// a port, which SSHFP ignores) with the DO bit set, over UDP and again
// over TCP if the answer is truncated. No search list is applied: the name
// is taken as fully qualified. Numeric hosts give [ErrNumericHost].
func (r *Resolver) Lookup(ctx context.Context, host string) (*Answer, error) {
	name, err := queryName(host)
	if err != nil {
		return nil, err
	}
	servers, err := r.servers()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for _, srv := range servers {
		resp, err := r.exchange(ctx, srv.addr, name, dns.TypeSSHFP)
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
			lastErr = &LookupError{Name: name, Server: srv.addr, Rcode: resp.Rcode}
			continue
		}
		return r.answer(ctx, srv, name, resp)
	}
	if lastErr == nil {
		lastErr = &LookupError{Name: name, Rcode: -1, Err: errors.New("no DNS servers")}
	}
	return nil, lastErr
}

func (r *Resolver) answer(ctx context.Context, srv server, name string, resp *dns.Msg) (*Answer, error) {
	return r.answerWith(ctx, r.querier(srv.addr), srv, name, resp)
}

// answerWith builds the Answer from resp, asking q for what validation
// needs.
func (r *Resolver) answerWith(ctx context.Context, q *querier, srv server, name string, resp *dns.Msg) (*Answer, error) {
	a := &Answer{Name: name, Owner: name, Server: srv.addr, Exists: resp.Rcode == dns.RcodeSuccess}
	// Follow a CNAME chain inside the answer section.
	var chain [][]dns.RR
	for range maxCNAME {
		cn := rrsetOf(resp.Answer, a.Owner, dns.TypeCNAME)
		if len(cn) == 0 {
			break
		}
		target, ok := cn[0].(*dns.CNAME)
		if !ok {
			break
		}
		chain = append(chain, cn)
		a.Owner = dns.Fqdn(target.Target)
	}
	set := rrsetOf(resp.Answer, a.Owner, dns.TypeSSHFP)
	var minTTL uint32
	for i, rr := range set {
		s, ok := rr.(*dns.SSHFP)
		if !ok {
			continue
		}
		fp, err := decodeHex([]string{s.FingerPrint})
		if err != nil {
			continue
		}
		a.Records = append(a.Records, Record{Name: a.Owner, Algorithm: Algorithm(s.Algorithm),
			Type: FingerprintType(s.Type), Fingerprint: fp})
		if i == 0 || s.Hdr.Ttl < minTTL {
			minTTL = s.Hdr.Ttl
		}
	}
	a.TTL = time.Duration(minTTL) * time.Second
	// DNS gives RRsets in any order; sort for stable output.
	slices.SortFunc(a.Records, func(x, y Record) int {
		return cmp.Or(cmp.Compare(x.Algorithm, y.Algorithm), cmp.Compare(x.Type, y.Type),
			bytes.Compare(x.Fingerprint, y.Fingerprint))
	})

	if r.Validator != nil {
		c := r.Validator.newChase(ctx, q)
		a.Security, a.Reason = Secure, ""
		for _, rrset := range append(chain, set) {
			if len(rrset) == 0 {
				continue
			}
			res := c.validate(rrset, sigsFor(resp.Answer, rrset), 0)
			if res.sec != Secure {
				a.Security, a.Reason = res.sec, res.why
				return a, nil
			}
			a.Reason = res.why
			// The answer is worth keeping no longer than its proof.
			a.TTL = min(a.TTL, res.expires.Sub(c.now).Truncate(time.Second))
		}
		if len(set) == 0 {
			// Only a positive answer can be proven here: proofs of
			// non-existence (NSEC, NSEC3) are not checked.
			a.Security, a.Reason = Insecure, "no SSHFP RRset to validate (proofs of non-existence are not checked)"
		}
		return a, nil
	}
	switch trusted, rule := r.trusts(srv); {
	case !resp.AuthenticatedData:
		a.Security, a.Reason = Insecure, fmt.Sprintf("resolver %s did not set the AD bit", srv.addr)
	case !trusted:
		a.Security, a.Reason = Insecure, fmt.Sprintf("resolver %s set the AD bit, but it is not trusted (%s)", srv.addr, rule)
	default:
		a.Security, a.Reason = Secure, fmt.Sprintf("AD bit from trusted resolver %s (%s)", srv.addr, rule)
	}
	return a, nil
}

// exchange sends one query to srv, over TCP if the UDP answer is
// truncated, and checks that the answer is for the question asked.
func (r *Resolver) exchange(ctx context.Context, srv, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, true)
	if r.Validator != nil {
		m.CheckingDisabled = true
	} else {
		m.AuthenticatedData = true // RFC 6840 section 5.7: ask for AD
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	var resp *dns.Msg
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: timeout, UDPSize: 1232}
		cctx, cancel := context.WithTimeout(ctx, timeout)
		var err error
		resp, _, err = c.ExchangeContext(cctx, m, srv)
		cancel()
		if err != nil {
			return nil, &LookupError{Name: name, Type: qtype, Server: srv, Rcode: -1, Err: err}
		}
		if !resp.Truncated {
			break
		}
	}
	if len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, name) ||
		resp.Question[0].Qtype != qtype || resp.Question[0].Qclass != dns.ClassINET {
		return nil, &LookupError{Name: name, Type: qtype, Server: srv, Rcode: -1, Err: errors.New("answer to another question")}
	}
	return resp, nil
}

// querier lets the validator ask the server that gave the answer.
type querier struct {
	ask   func(ctx context.Context, name string, qtype uint16) (*dns.Msg, error)
	count int // queries sent, for tests and benchmarks
}

func (r *Resolver) querier(server string) *querier {
	return &querier{ask: func(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
		resp, err := r.exchange(ctx, server, name, qtype)
		if err != nil {
			return nil, err
		}
		if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
			return nil, &LookupError{Name: name, Type: qtype, Server: server, Rcode: resp.Rcode}
		}
		return resp, nil
	}}
}

func (q *querier) query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	q.count++
	return q.ask(ctx, name, qtype)
}

// server is a DNS server to ask, host:port, and where it was named.
type server struct {
	addr string
	// conf is the resolv.conf file that named it, or "" for Servers.
	conf string
	// trustAD: conf or $RES_OPTIONS has options trust-ad.
	trustAD bool
}

func (r *Resolver) servers() ([]server, error) {
	var out []server
	for _, s := range r.Servers {
		out = append(out, server{addr: withPort(s)})
	}
	if len(out) > 0 {
		return out, nil
	}
	path := r.ResolvConf
	if path == "" {
		path = "/etc/resolv.conf"
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sshfp: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxResolvConf+1))
	if err != nil {
		return nil, fmt.Errorf("sshfp: %w", err)
	}
	if len(data) > maxResolvConf {
		return nil, fmt.Errorf("sshfp: %s: larger than %d bytes", path, maxResolvConf)
	}
	return parseResolvConf(data, path, os.Getenv("RES_OPTIONS"))
}

// maxResolvConf bounds the resolv.conf read.
const maxResolvConf = 1 << 20

// parseResolvConf returns the nameservers (IP addresses; other words
// are skipped) of the resolv.conf text data read from path, and whether its options, or those of $RES_OPTIONS
// (resOptions) that glibc applies after them, include trust-ad.
func parseResolvConf(data []byte, path, resOptions string) ([]server, error) {
	cc, err := dns.ClientConfigFromReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("sshfp: %s: %w", path, err)
	}
	trustAD := slices.Contains(strings.Fields(resOptions), "trust-ad")
	for line := range strings.Lines(string(data)) {
		fields := strings.Fields(line)
		if len(fields) > 0 && fields[0] == "options" && slices.Contains(fields[1:], "trust-ad") {
			trustAD = true
		}
	}
	var out []server
	for _, s := range cc.Servers {
		// glibc takes only IP addresses (inet_pton) and skips the rest;
		// miekg/dns keeps any word, which would make a host name the
		// resolver to ask.
		if _, err := netip.ParseAddr(s); err != nil {
			continue
		}
		addr := net.JoinHostPort(s, cc.Port)
		if h, _, err := net.SplitHostPort(addr); err != nil || h != s {
			continue // an IPv6 zone such as "%[" that no address can carry
		}
		out = append(out, server{addr: addr, conf: path, trustAD: trustAD})
	}
	return out, nil
}

// withPort returns s as host:port, adding port 53 if s has none.
func withPort(s string) string {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s
	}
	return net.JoinHostPort(strings.Trim(s, "[]"), "53")
}

// trusts reports whether the AD bit of srv is believed, and the rule
// that decided.
func (r *Resolver) trusts(srv server) (bool, string) {
	host, _, err := net.SplitHostPort(srv.addr)
	if err != nil {
		return false, "not a host:port address"
	}
	for _, t := range r.Trusted {
		if _, _, err := net.SplitHostPort(t); err == nil {
			if t == srv.addr {
				return true, "named in Trusted"
			}
		} else if strings.Trim(t, "[]") == host {
			return true, "named in Trusted"
		}
	}
	if srv.conf != "" {
		if srv.trustAD {
			return true, fmt.Sprintf("%s has options trust-ad", srv.conf)
		}
		return false, fmt.Sprintf("it comes from %s, which lacks options trust-ad, and is not named in Trusted", srv.conf)
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		return true, "on loopback and named in Servers"
	}
	return false, "neither on loopback nor named in Trusted"
}

// queryName turns "host", "host:port" or "[host]:port" into the FQDN to
// query, or ErrNumericHost.
func queryName(host string) (string, error) {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	if h == "" {
		return "", fmt.Errorf("sshfp: empty host name in %q", host)
	}
	if isNumeric(h) {
		return "", ErrNumericHost
	}
	if _, ok := dns.IsDomainName(h); !ok {
		return "", fmt.Errorf("sshfp: invalid host name %q", host)
	}
	return dns.Fqdn(h), nil
}

// isNumeric reports whether getaddrinfo with AI_NUMERICHOST would accept
// h: an IPv6 address (with a zone), or an IPv4 address in any of the
// forms inet_aton takes ("127.1", "0x7f.0.0.1").
func isNumeric(h string) bool {
	if i := strings.IndexByte(h, '%'); i > 0 {
		h = h[:i]
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	parts := strings.Split(h, ".")
	if len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.ParseUint(p, 0, 32); err != nil {
			return false
		}
	}
	return true
}

// rrsetOf returns the records of type t owned by name.
func rrsetOf(rrs []dns.RR, name string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		h := rr.Header()
		if h.Rrtype == t && h.Class == dns.ClassINET && strings.EqualFold(h.Name, name) {
			out = append(out, rr)
		}
	}
	return out
}

// sigsFor returns the RRSIGs in rrs that cover rrset.
func sigsFor(rrs []dns.RR, rrset []dns.RR) []*dns.RRSIG {
	h := rrset[0].Header()
	var out []*dns.RRSIG
	for _, rr := range rrs {
		if s, ok := rr.(*dns.RRSIG); ok && s.TypeCovered == h.Rrtype && strings.EqualFold(s.Hdr.Name, h.Name) {
			out = append(out, s)
		}
	}
	return out
}
