package hostkeys

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/knownhosts"
)

// DefaultCertWarn is how long before it expires a host certificate is
// reported when AuditOptions.CertWarn is zero.
const DefaultCertWarn = 30 * 24 * time.Hour

// remoteHost is a host the live and DNS rules check: a name as ssh looks
// it up, and the line that named it first.
type remoteHost struct {
	name string // "host" or "[host]:port", lowercased unless an address
	host string
	port int // 0: the scanner's port (22 unless set)
	file string
	line int
}

// remoteHosts returns the hosts named by literal names of known_hosts
// entries, of pin lists, and of the inventory, each once, in that order.
func (a *auditor) remoteHosts() []remoteHost {
	seen := map[string]bool{}
	var out []remoteHost
	add := func(name, file string, line int) {
		if seen[name] || name == "" {
			return
		}
		seen[name] = true
		h := remoteHost{name: name, host: name, file: file, line: line}
		if strings.HasPrefix(name, "[") {
			host, port, ok := splitBracket(name)
			if !ok {
				return // not a name ssh looks up
			}
			h.host, h.port = host, port
		}
		out = append(out, h)
	}
	for _, name := range a.nameOrder {
		if ents := a.byName[name]; len(ents) > 0 {
			x := &a.ents[ents[0]]
			add(name, x.e.File, x.e.Line)
		}
	}
	for _, p := range a.pins {
		for _, pin := range p.All() {
			for _, name := range literalNames(pin.Hosts) {
				add(name, pin.File, pin.Line)
			}
		}
	}
	if a.invFile {
		for _, n := range a.inv {
			add(n.name, a.opts.Inventory, n.line)
		}
	}
	return out
}

// checkRemote applies the live and DNS rules.
func (a *auditor) checkRemote(ctx context.Context) error {
	if a.opts.Scan == nil && a.opts.SSHFP == nil {
		return nil
	}
	hosts := a.remoteHosts()
	// One DB of every known_hosts file, as ssh reads them for a host.
	db := knownhosts.New(knownhosts.Options{Now: a.opts.Now}, a.files...)
	var live map[string]*liveResult
	if a.opts.Scan != nil {
		var err error
		if live, err = a.scanHosts(ctx, hosts); err != nil {
			return err
		}
		a.checkLive(ctx, db, hosts, live)
	}
	if a.opts.SSHFP != nil {
		return a.checkDNS(ctx, db, hosts, live)
	}
	return nil
}

// liveResult is what the scans of one host gave.
type liveResult struct {
	plain *keyscan.Result
	certs *keyscan.Result // nil unless the server offers certificates
}

// scanHosts scans every host for plain keys, then those whose KEXINIT
// offers certificate algorithms for their certificates.
func (a *auditor) scanHosts(ctx context.Context, hosts []remoteHost) (map[string]*liveResult, error) {
	out := make(map[string]*liveResult, len(hosts))
	targets := make([]keyscan.Target, len(hosts))
	for i, h := range hosts {
		targets[i] = keyscan.Target{Hosts: []string{h.host}, Names: []string{h.name}, Port: h.port}
	}
	var last time.Time
	err := a.opts.Scan.Scan(ctx, targets, func(r *keyscan.Result) {
		out[r.Target.Names[0]] = &liveResult{plain: r}
		if p := a.opts.ScanProgress; p != nil && (len(out) == len(targets) || time.Since(last) >= 100*time.Millisecond) {
			last = time.Now()
			p(len(out), len(targets))
		}
	})
	if err != nil {
		return nil, err
	}
	var certTargets []keyscan.Target
	for _, t := range targets {
		if r := out[t.Names[0]]; r != nil && r.plain.KexInit != nil && offersCerts(r.plain.KexInit) {
			certTargets = append(certTargets, t)
		}
	}
	if len(certTargets) == 0 {
		return out, nil
	}
	err = certScanner(a.opts.Scan).Scan(ctx, certTargets, func(r *keyscan.Result) {
		out[r.Target.Names[0]].certs = r
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func offersCerts(k *keyscan.KexInit) bool {
	return slices.ContainsFunc(k.HostKeyAlgorithms, func(a string) bool { return strings.HasSuffix(a, "-cert-v01@openssh.com") })
}

// certScanner returns a scanner with the settings of s that asks for host
// certificates. A Scanner cannot be copied (it holds its limits' state),
// so its exported fields are; TestCertScannerCopiesEveryField keeps this
// list complete.
func certScanner(s *keyscan.Scanner) *keyscan.Scanner {
	return &keyscan.Scanner{
		Port:               s.Port,
		KeyTypes:           s.KeyTypes,
		Certificates:       true,
		Timeout:            s.Timeout,
		TargetTimeout:      s.TargetTimeout,
		MaxAddresses:       s.MaxAddresses,
		Concurrency:        s.Concurrency,
		PerHost:            s.PerHost,
		Retries:            s.Retries,
		Backoff:            s.Backoff,
		Network:            s.Network,
		Dial:               s.Dial,
		LookupNetIP:        s.LookupNetIP,
		KeyExchanges:       s.KeyExchanges,
		LegacyKeyExchanges: s.LegacyKeyExchanges,
		ClientVersion:      s.ClientVersion,
		MaxBytes:           s.MaxBytes,
	}
}

func (a *auditor) now() time.Time {
	if a.opts.Now != nil {
		return a.opts.Now()
	}
	return time.Now()
}

// addHost adds a finding about a remote host at the line that named it.
func (a *auditor) addHost(h *remoteHost, rule, key, msg string) {
	a.add(Finding{RuleID: rule, File: h.file, Line: h.line, Host: h.name, Key: key, Message: msg})
}

// checkLive applies the live rules to each host's scans.
func (a *auditor) checkLive(ctx context.Context, db *knownhosts.DB, hosts []remoteHost, live map[string]*liveResult) {
	pol := &Policy{KnownHosts: []*knownhosts.DB{db}, Pins: a.pins, Now: a.opts.Now}
	for i := range hosts {
		h := &hosts[i]
		lr := live[h.name]
		if lr == nil {
			continue // the scan was cut short; ctx's error says so
		}
		r := lr.plain
		if len(r.Keys) == 0 {
			reason := "no answer"
			if err := r.Err(); err != nil {
				reason = err.Error()
			}
			a.addHost(h, RuleScanFailed, "", fmt.Sprintf("The host could not be scanned: %s; check that it is up and reachable from here, or remove its entries if it is gone.", strings.TrimSuffix(reason, ".")))
		}
		if r.KexInit != nil {
			for _, is := range postureIssues(r.KexInit, r.Keys, a.opts.MinRSABits) {
				a.addHost(h, is.rule, is.key, is.msg)
			}
		}
		if len(r.Keys) > 0 {
			var certs []keyscan.Key
			if lr.certs != nil {
				certs = lr.certs.Keys
			}
			a.checkLiveKeys(ctx, pol, h, r.Port, r.Keys, certs)
		}
		if lr.certs != nil && len(lr.certs.Keys) == 0 {
			reason := "no answer"
			if err := lr.certs.Err(); err != nil {
				reason = err.Error()
			}
			a.addHost(h, RuleScanFailed, "", fmt.Sprintf("The host's certificates could not be fetched: %s; scan it again, and check its HostCertificate setting.", strings.TrimSuffix(reason, ".")))
		}
		if lr.certs != nil {
			for _, k := range lr.certs.Keys {
				if k.Cert != nil {
					for _, is := range certIssues(k.Cert, h.host, a.now(), a.certWarn()) {
						a.addHost(h, is.rule, is.key, is.msg)
					}
				}
			}
		}
	}
}

func (a *auditor) certWarn() time.Duration {
	if a.opts.CertWarn > 0 {
		return a.opts.CertWarn
	}
	return DefaultCertWarn
}

// issue is a finding about a remote host before it is located.
type issue struct{ rule, key, msg string }

// checkLiveKeys reports the live keys that known_hosts or the pin lists
// revoke or contradict: per source, when it confirms none of the host's
// keys and certificates (a source may know only the CA), or when it
// records another key of a type the server presents (the type ssh then
// negotiates).
func (a *auditor) checkLiveKeys(ctx context.Context, pol *Policy, h *remoteHost, port int, plain, certs []keyscan.Key) {
	var keys []ssh.PublicKey
	for _, k := range slices.Concat(plain, certs) {
		keys = append(keys, k.Key)
	}
	verdicts := pol.CheckKeys(ctx, h.host, port, keys)
	if len(verdicts) == 0 {
		return
	}
	plainKeys := keys[:len(plain)]
	reported := map[string]bool{}
	report := func(file string, line int, key ssh.PublicKey, msg string) {
		fp := ""
		if key != nil {
			fp = fpOf(key)
		}
		k := fmt.Sprintf("%s:%d %s", file, line, fp)
		if reported[k] {
			return
		}
		reported[k] = true
		a.add(Finding{RuleID: RuleLiveKeyMismatch, File: file, Line: line, Host: h.name, Key: fp, Message: msg})
	}
	for s := range verdicts[0].Evidence {
		confirmed := false
		var contra []int
		for i, v := range verdicts {
			ev := &v.Evidence[s]
			switch ev.Status {
			case Confirmed:
				confirmed = true
			case Contradicted:
				if i < len(plain) {
					contra = append(contra, i)
				}
			case RevokedKey:
				report(ev.File, ev.Line, keys[i], fmt.Sprintf("The server presents the %s key %s, which %s revokes here for %q.",
					keys[i].Type(), fpOf(keys[i]), sourceWords(ev.Source), h.name))
			}
		}
		// sameType returns the line of the source's key of the type of
		// keys[i], if it records one.
		sameType := func(i int) (file string, line int, ok bool) {
			for _, k := range verdicts[i].Evidence[s].known {
				if k.Key != nil && k.Key.Type() == keys[i].Type() {
					return k.Filename, k.Line, true
				}
			}
			return "", 0, false
		}
		another := func(i int, file string, line int) {
			report(file, line, keys[i], fmt.Sprintf("The server presents another %s key (%s) than the one %s records here for %q; check which is right out of band.",
				keys[i].Type(), fpOf(keys[i]), sourceWords(verdicts[i].Evidence[s].Source), h.name))
		}
		if !confirmed && len(contra) > 0 {
			// One finding for the source: the server is not the host it knows.
			i := contra[0]
			for _, j := range contra {
				if _, _, ok := sameType(j); ok {
					i = j
					break
				}
			}
			if file, line, ok := sameType(i); ok {
				another(i, file, line)
			} else {
				ev := &verdicts[i].Evidence[s]
				report(ev.File, ev.Line, nil, fmt.Sprintf("None of the server's keys is one %s records for %q (it presents %s); check which is right out of band.",
					sourceWords(ev.Source), h.name, keyList(plainKeys)))
			}
			continue
		}
		for _, i := range contra {
			if file, line, ok := sameType(i); ok {
				another(i, file, line)
			}
		}
	}
}

func sourceWords(s Source) string {
	if s == SourcePins {
		return "the approved list"
	}
	return "known_hosts"
}

func fpOf(key ssh.PublicKey) string {
	return fingerprint.Of(key, fingerprint.SHA256).String()
}

func keyList(keys []ssh.PublicKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.Type() + " " + fpOf(k)
	}
	return strings.Join(parts, ", ")
}

// SHA-1 algorithms and Terrapin's conditions, as ssh-audit reports them.
var (
	sha1KeyExchanges = []string{"diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1"}
	sha1HostKeyAlgos = []string{fingerprint.KeyAlgoDSA, ssh.KeyAlgoRSA, fingerprint.CertAlgoDSAv01, ssh.CertAlgoRSAv01}
)

const (
	strictKexServer = "kex-strict-s-v00@openssh.com"
	chacha20Poly    = "chacha20-poly1305@openssh.com"
)

// postureIssues reports what a server's KEXINIT and keys say of its
// posture: SHA-1 key exchanges and host-key algorithms, weak host keys,
// and exposure to Terrapin.
func postureIssues(k *keyscan.KexInit, keys []keyscan.Key, minRSABits int) []issue {
	var out []issue
	if kex := offered(k.KeyExchanges, sha1KeyExchanges); len(kex) > 0 {
		out = append(out, issue{rule: RuleSHA1KeyExchange, msg: fmt.Sprintf("The server offers SHA-1 key exchanges (%s); remove them from KexAlgorithms.",
			strings.Join(kex, ", "))})
	}
	if algs := offered(k.HostKeyAlgorithms, sha1HostKeyAlgos); len(algs) > 0 {
		out = append(out, issue{rule: RuleSHA1HostKeyAlgo, msg: fmt.Sprintf("The server offers host-key algorithms that sign with SHA-1 (%s); remove them from HostKeyAlgorithms.",
			strings.Join(algs, ", "))})
	}
	if dsa := offered(k.HostKeyAlgorithms, []string{fingerprint.KeyAlgoDSA, fingerprint.CertAlgoDSAv01}); len(dsa) > 0 {
		out = append(out, issue{rule: RuleWeakLiveHostKey, msg: fmt.Sprintf("The server has a DSA host key (it offers %s); replace it with an Ed25519 key.",
			strings.Join(dsa, ", "))})
	}
	for _, key := range keys {
		if key.Type != keyscan.RSA || key.Cert != nil {
			continue
		}
		if bits := fingerprint.Bits(key.Key); bits > 0 && bits < minRSABits {
			out = append(out, issue{rule: RuleWeakLiveHostKey, key: fpOf(key.Key),
				msg: fmt.Sprintf("The server's RSA host key has %d bits, under the minimum of %d; replace it with an Ed25519 or larger RSA key.", bits, minRSABits)})
		}
	}
	if why := terrapin(k); why != "" {
		out = append(out, issue{rule: RuleTerrapin, msg: "The server offers " + why + " without strict key exchange (CVE-2023-48795); update it, or disable them."})
	}
	return out
}

// terrapin says what exposes a server to the Terrapin attack, or "" if
// nothing does: ChaCha20-Poly1305, or an EtM MAC with a CBC cipher,
// without kex-strict-s-v00@openssh.com.
func terrapin(k *keyscan.KexInit) string {
	if slices.Contains(k.KeyExchanges, strictKexServer) {
		return ""
	}
	ciphers := slices.Concat(k.CiphersClientServer, k.CiphersServerClient)
	macs := slices.Concat(k.MACsClientServer, k.MACsServerClient)
	var why []string
	if slices.Contains(ciphers, chacha20Poly) {
		why = append(why, chacha20Poly)
	}
	etm := uniq(filter(macs, func(s string) bool { return strings.HasSuffix(s, "-etm@openssh.com") }))
	cbc := uniq(filter(ciphers, func(s string) bool { return strings.Contains(s, "-cbc") }))
	if len(etm) > 0 && len(cbc) > 0 {
		why = append(why, fmt.Sprintf("EtM MACs (%s) with CBC ciphers (%s)", nameList(etm), nameList(cbc)))
	}
	return strings.Join(why, " and ")
}

// maxNamesShown bounds the server's algorithm names a message lists.
const maxNamesShown = 6

// nameList lists algorithm names the server sent, at most maxNamesShown,
// quoting any that is not plain text.
func nameList(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i == maxNamesShown {
			fmt.Fprintf(&b, " and %d more", len(names)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if strings.Trim(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._+-") != "" || n == "" {
			n = strconv.Quote(n)
		}
		b.WriteString(n)
	}
	return b.String()
}

// offered returns the names of want that list holds, in want's order.
func offered(list, want []string) []string {
	var out []string
	for _, w := range want {
		if slices.Contains(list, w) {
			out = append(out, w)
		}
	}
	return out
}

func filter(s []string, keep func(string) bool) []string {
	var out []string
	for _, v := range s {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

func uniq(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// certIssues checks a host certificate as ssh would for host at now:
// its validity period (and how soon it ends) and its principals.
func certIssues(c *ssh.Certificate, host string, now time.Time, warn time.Duration) []issue {
	if c.CertType != ssh.HostCert {
		return nil
	}
	var out []issue
	fp := fpOf(c.Key)
	what := fmt.Sprintf("The host certificate %q (%s)", c.KeyId, c.Type())
	day := func(t uint64) string { return time.Unix(int64(t), 0).UTC().Format("2006-01-02 15:04 UTC") }
	unix := now.Unix()
	switch {
	case c.ValidBefore != ssh.CertTimeInfinity && (unix < 0 || uint64(unix) >= c.ValidBefore):
		out = append(out, issue{RuleHostCertExpired, fp, fmt.Sprintf("%s expired on %s; sign a new one.", what, day(c.ValidBefore))})
	case unix < 0 || uint64(unix) < c.ValidAfter:
		out = append(out, issue{RuleHostCertExpired, fp, fmt.Sprintf("%s is not valid before %s; check the signer's clock and re-sign it.", what, day(c.ValidAfter))})
	case c.ValidBefore != ssh.CertTimeInfinity && c.ValidBefore-uint64(unix) <= uint64(warn/time.Second):
		days := (c.ValidBefore - uint64(unix)) / 86400
		out = append(out, issue{RuleHostCertExpiring, fp, fmt.Sprintf("%s expires on %s, in %d days; sign a new one before then.", what, day(c.ValidBefore), days)})
	}
	if len(c.ValidPrincipals) > 0 && !slices.Contains(c.ValidPrincipals, hostPrincipal(host)) {
		out = append(out, issue{RuleHostCertPrincipal, fp, fmt.Sprintf("%s names %s, not %q; ssh refuses it for this name.",
			what, strings.Join(quoteAll(c.ValidPrincipals), ", "), hostPrincipal(host))})
	}
	return out
}

// hostPrincipal is the name ssh compares with a host certificate's
// principals: the host as typed, lowercased unless an address.
func hostPrincipal(host string) string {
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	return strings.ToLower(host)
}
