package hostkeys

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/knownhosts"
	"github.com/hostkeys/hostkeys/sshfp"
)

// dnsLookups is how many SSHFP lookups an audit has in flight at once.
const dnsLookups = 8

// dnsHost is one host name the DNS rules check: the remote hosts with
// that name (SSHFP records ignore the port), the first of which named it.
type dnsHost struct {
	name  string
	hosts []*remoteHost
	ans   *sshfp.Answer
	err   error
}

// knownKey is a key the audit knows for a host, and where from.
type knownKey struct {
	key   ssh.PublicKey
	where string // "known_hosts at FILE:LINE", "the approved list at ...", "the server"
	file  string
	line  int
}

// checkDNS looks up the SSHFP records of every host name (addresses have
// none) and checks them against the keys known for the host: those of
// known_hosts, of the pin lists (public keys; fingerprint pins name no
// key to compare) and, with a scan, the server's.
func (a *auditor) checkDNS(ctx context.Context, db *knownhosts.DB, hosts []remoteHost, live map[string]*liveResult) error {
	var names []*dnsHost
	byName := map[string]*dnsHost{}
	for i := range hosts {
		h := &hosts[i]
		if _, err := netip.ParseAddr(h.host); err == nil {
			continue // as ssh, no SSHFP lookup for addresses
		}
		name := strings.ToLower(strings.TrimSuffix(h.host, "."))
		d := byName[name]
		if d == nil {
			d = &dnsHost{name: name}
			byName[name] = d
			names = append(names, d)
		}
		d.hosts = append(d.hosts, h)
	}
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for w := 0; w < min(dnsLookups, len(names)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				next.Lock()
				j := i
				i++
				next.Unlock()
				if j >= len(names) {
					return
				}
				d := names[j]
				d.ans, d.err = a.opts.SSHFP.Lookup(ctx, d.name)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, d := range names {
		a.checkSSHFP(d, a.knownKeys(db, d, live))
	}
	return nil
}

// knownKeys returns the distinct keys known for a DNS host's names.
func (a *auditor) knownKeys(db *knownhosts.DB, d *dnsHost, live map[string]*liveResult) []knownKey {
	var out []knownKey
	seen := map[string]bool{}
	add := func(k knownKey) {
		if c, ok := k.key.(*ssh.Certificate); ok {
			k.key = c.Key
		}
		b := string(k.key.Marshal())
		if !seen[b] {
			seen[b] = true
			out = append(out, k)
		}
	}
	for _, h := range d.hosts {
		port := h.port
		if port == 0 {
			port = 22
			if a.opts.Scan != nil && a.opts.Scan.Port != 0 {
				port = a.opts.Scan.Port
			}
		}
		for _, e := range db.HostKeys(net.JoinHostPort(h.host, strconv.Itoa(port))) {
			if e.Marker != "" {
				continue
			}
			if k, err := e.Key(); err == nil {
				add(knownKey{key: k, where: fmt.Sprintf("known_hosts at %s:%d", e.File, e.Line), file: e.File, line: e.Line})
			}
		}
		for _, p := range a.pins {
			for _, pin := range p.Lookup(h.host, port) {
				if pin.Marker == "" && pin.Key != nil {
					add(knownKey{key: pin.Key, where: "the approved list at " + pin.Location(), file: pin.File, line: pin.Line})
				}
			}
		}
		if lr := live[h.name]; lr != nil {
			for _, k := range lr.plain.Keys {
				add(knownKey{key: k.Key, where: "the server at " + lr.plain.Addr})
			}
		}
	}
	return out
}

// checkSSHFP applies the DNS rules to one name's answer.
func (a *auditor) checkSSHFP(d *dnsHost, keys []knownKey) {
	h := d.hosts[0]
	add := func(rule, file string, line int, key, msg string) {
		if file == "" {
			file, line = h.file, h.line
		}
		a.add(Finding{RuleID: rule, File: file, Line: line, Host: d.name, Key: key, Message: msg})
	}
	if d.err != nil {
		add(RuleSSHFPLookupFailed, "", 0, "", fmt.Sprintf("The SSHFP lookup of %q failed: %s; check the zone's signatures and the resolver.", d.name, strings.TrimSuffix(d.err.Error(), ".")))
		return
	}
	ans := d.ans
	if len(ans.Records) == 0 {
		what := "has no SSHFP records"
		if !ans.Exists {
			what = "does not exist (NXDOMAIN)"
		}
		add(RuleSSHFPMissing, "", 0, "", fmt.Sprintf("%q %s; publish its SSHFP records in a signed zone.", d.name, what))
		return
	}
	if !ans.Secure() {
		add(RuleSSHFPInsecure, "", 0, "", fmt.Sprintf("The SSHFP records of %q are %s (%s), so ssh does not trust them; sign the zone, or query a validating resolver.",
			d.name, ans.Security, strings.TrimSuffix(ans.Reason, ".")))
	}
	types := map[sshfp.Algorithm][2]bool{} // SHA-1, SHA-256 present
	var algs []sshfp.Algorithm
	for _, r := range ans.Records {
		t, ok := types[r.Algorithm]
		if !ok {
			algs = append(algs, r.Algorithm)
		}
		switch r.Type {
		case sshfp.SHA1:
			t[0] = true
		case sshfp.SHA256:
			t[1] = true
		}
		types[r.Algorithm] = t
	}
	for _, alg := range algs {
		if t := types[alg]; t[0] && !t[1] {
			add(RuleSSHFPSHA1Only, "", 0, "", fmt.Sprintf("%q has only SHA-1 SSHFP records for %s keys; publish SHA-256 (type 2) records.", d.name, alg))
		}
	}
	for _, k := range keys {
		if sshfp.AlgorithmOf(k.key) == sshfp.AlgorithmReserved {
			continue
		}
		v := sshfp.Check(k.key, ans, sshfp.Policy{})
		if v.Match || len(v.Mismatched) == 0 {
			continue
		}
		add(RuleSSHFPMismatch, k.file, k.line, fingerprint.Of(k.key, fingerprint.SHA256).String(),
			fmt.Sprintf("The SSHFP records of %q for %s keys do not match the %s key of %s; publish the records of the host's current keys.",
				d.name, sshfp.AlgorithmOf(k.key), k.key.Type(), k.where))
	}
}
