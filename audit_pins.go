package hostkeys

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// loadPins reads the pin lists; their invalid lines become findings.
func (a *auditor) loadPins() error {
	loaded := map[string]bool{}
	for _, name := range a.opts.Pins {
		if loaded[name] {
			continue
		}
		loaded[name] = true
		var p *Pins
		var err error
		if a.open == nil {
			p, err = ParsePinsFile(name)
		} else if r, oerr := a.open(name); oerr != nil {
			err = oerr
		} else {
			p, err = ParsePins(r, name)
			r.Close()
		}
		var invalid *InvalidPinsError
		if errors.As(err, &invalid) && p != nil {
			for _, l := range invalid.Lines {
				a.add(Finding{RuleID: RulePinListLine, File: l.File, Line: l.Line,
					Message: "The line is not used: " + l.Reason + "; fix or delete it."})
			}
		} else if err != nil {
			return err
		}
		a.pins = append(a.pins, p)
		a.stats.Pins += len(p.All())
	}
	return nil
}

// pinnedNames returns the literal host names of the pin lists, as ssh
// looks them up, lowercased and each once.
func (a *auditor) pinnedNames() []invName {
	var out []invName
	seen := map[string]bool{}
	for _, p := range a.pins {
		for _, pin := range p.All() {
			for _, name := range literalNames(pin.Hosts) {
				if !seen[name] {
					seen[name] = true
					out = append(out, invName{name: name, line: pin.Line})
				}
			}
		}
	}
	return out
}

// literalNames returns the names of a host field (patterns separated by
// commas or blanks) that are neither patterns, negations nor hashed,
// lowercased unless they are addresses.
func literalNames(hosts string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(hosts, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if p == "" || p[0] == '!' || p[0] == '|' || strings.ContainsAny(p, "*?") {
			continue
		}
		out = append(out, lowerName(p))
	}
	return out
}

// lowerName lowercases a host name as ssh does; addresses stay as they are.
func lowerName(s string) string {
	host := s
	if h, _, ok := splitBracket(s); ok {
		host = h
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return s
	}
	return strings.ToLower(s)
}

// splitBracket splits "[host]:port".
func splitBracket(name string) (host string, port int, ok bool) {
	if !strings.HasPrefix(name, "[") {
		return "", 0, false
	}
	h, p, found := strings.Cut(name[1:], "]:")
	if !found {
		return "", 0, false
	}
	n, err := strconv.Atoi(p)
	if err != nil || n <= 0 || n > 65535 {
		return "", 0, false
	}
	return h, n, true
}

// lookupPins returns the pins of every list for a name as ssh looks it up.
func (a *auditor) lookupPins(name string) []*Pin {
	host, port := name, 22
	if h, p, ok := splitBracket(name); ok {
		host, port = h, p
	}
	var out []*Pin
	for _, p := range a.pins {
		out = append(out, p.Lookup(host, port)...)
	}
	return out
}

// checkPins compares known_hosts with the pin lists: each unmarked usable
// entry against the pins of its names (its literal names, or the name
// that de-hashed it), each pinned name against the entries, and each
// pinned host's evidence.
func (a *auditor) checkPins() {
	if len(a.pins) == 0 {
		return
	}
	// Names with entries: the plain index and the de-hashed names.
	known := make(map[string]bool, len(a.byName)+len(a.inv))
	for name, ents := range a.byName {
		known[name] = len(ents) > 0
	}
	for _, n := range a.inv {
		for _, j := range n.ents {
			if x := &a.ents[j]; x.usable() && x.e.Marker != fingerprint.Revoked {
				known[n.name] = true
				break
			}
		}
	}
	dehashed := map[int32][]string{}
	for _, n := range a.inv {
		for _, j := range n.ents {
			if a.ents[j].e.IsHashed() {
				dehashed[j] = append(dehashed[j], n.name)
			}
		}
	}
	// Entries against the pins of their names, on all workers (Pins is
	// safe for concurrent lookups); the findings are added in order after.
	verdicts := make([]pinVerdict, len(a.ents))
	a.parallel(len(a.ents), func(i int) {
		x := &a.ents[i]
		if !x.usable() || x.e.Marker != "" {
			return
		}
		var names []string
		if x.e.IsHashed() {
			names = dehashed[int32(i)]
		} else if len(wildcards(x.e.Patterns())) == 0 {
			names = literalNames(x.e.Hosts)
		}
		verdicts[i] = a.entryPins(x, names)
	})
	for i, v := range verdicts {
		if v.rule != "" {
			a.addAt(v.rule, int32(i), v.msg)
		}
	}

	// Approved hosts missing from known_hosts, and hosts approved only by MD5.
	type group struct {
		first      *Pin
		weak, good int
	}
	groups := map[string]*group{}
	var order []string
	for _, p := range a.pins {
		for _, pin := range p.All() {
			if pin.Marker != "" {
				continue
			}
			k := pin.File + "\x00" + pin.Hosts
			g, ok := groups[k]
			if !ok {
				g = &group{first: pin}
				groups[k] = g
				order = append(order, k)
			}
			if pin.Weak() {
				g.weak++
			} else {
				g.good++
			}
		}
	}
	reported := map[string]bool{}
	inInv := map[string]bool{}
	if a.invFile {
		for _, n := range a.inv {
			inInv[n.name] = true
		}
	}
	for _, k := range order {
		g := groups[k]
		if g.good == 0 {
			a.add(Finding{RuleID: RuleWeakPinsOnly, File: g.first.File, Line: g.first.Line, Host: firstPattern(g.first.Hosts),
				Message: fmt.Sprintf("%s is approved only by MD5 fingerprints (%d); add its SHA256 fingerprint or key.",
					g.first.Hosts, g.weak)})
		}
		for _, name := range literalNames(g.first.Hosts) {
			if known[name] || reported[name] {
				continue
			}
			reported[name] = true
			msg := fmt.Sprintf("Approved host %q has no entry in known_hosts; write it with `hostkeys verify --write`.", name)
			if a.stats.HashedEntries > 0 && a.invFile && !inInv[name] {
				msg = fmt.Sprintf("Approved host %q is neither in a plain known_hosts entry nor in the inventory (hashed entries are matched against inventory names only); add it to the inventory, or write its entry with `hostkeys verify --write`.", name)
			}
			a.add(Finding{RuleID: RulePinnedHostMissing, File: g.first.File, Line: g.first.Line, Host: name, Message: msg})
		}
	}
}

func firstPattern(hosts string) string {
	f := strings.FieldsFunc(hosts, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// pinVerdict is what the pins say of an entry: a finding, or none.
type pinVerdict struct{ rule, msg string }

// entryPins checks one entry against the pins of its names.
func (a *auditor) entryPins(x *entInfo, names []string) pinVerdict {
	for _, name := range names {
		pins := a.lookupPins(name)
		var approved []*Pin
		cas := 0
		for _, p := range pins {
			switch p.Marker {
			case fingerprint.Revoked:
				if p.Matches(x.key) {
					return pinVerdict{RuleContradictsPins, fmt.Sprintf("The approved list revokes this key for %q at %s; remove the entry.", name, p.Location())}
				}
			case fingerprint.CertAuthority:
				cas++
			default:
				approved = append(approved, p)
			}
		}
		if len(approved) == 0 {
			if cas == 0 {
				return pinVerdict{RuleNotInPins, fmt.Sprintf("Host %q is not in the approved list; approve its key after checking it out of band, or remove the entry.", name)}
			}
			return pinVerdict{RuleContradictsPins, fmt.Sprintf("The approved list approves only host certificates for %q, not this plain %s key; remove the entry, or approve the key.",
				name, x.key.Type())}
		}
		matched := false
		for _, p := range approved {
			if p.Matches(x.key) {
				matched = true
				break
			}
		}
		if !matched {
			return pinVerdict{RuleContradictsPins, fmt.Sprintf("The approved list names other keys for %q (%s), not this %s key; check the host's key out of band, then fix the entry or the list.",
				name, approved[0].Location(), x.key.Type())}
		}
	}
	return pinVerdict{}
}
