package hostkeys

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/knownhosts"
)

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Policy decides on each key. Nil is the zero Policy, which accepts
	// nothing.
	Policy *Policy
	// Scanner fetches the keys. Nil is the zero Scanner (ssh-keyscan's
	// defaults).
	Scanner *keyscan.Scanner
}

// Verify scans targets, as hostkeys scan does, and decides on every key each
// one presents, for each of the target's names (keyscan.Target.OutputNames:
// with an "addrlist namelist" target the addresses are scanned and the names
// checked, against pins, known_hosts and SSHFP alike).
//
// The error is non-nil only if ctx ends before every target is done; hosts
// that fail are reported in the VerifyReport.
func Verify(ctx context.Context, targets []keyscan.Target, opts VerifyOptions) (*VerifyReport, error) {
	p := opts.Policy
	if p == nil {
		p = &Policy{}
	}
	s := opts.Scanner
	if s == nil {
		s = &keyscan.Scanner{}
	}
	rep := &VerifyReport{Hosts: make([]*HostResult, len(targets))}
	workers := s.Concurrency
	if workers <= 0 {
		workers = 128
	}
	workers = min(workers, len(targets))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rep.Hosts[i] = verifyTarget(ctx, p, s, targets[i])
			}
		}()
	}
feed:
	for i := range targets {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return rep, nil
}

func verifyTarget(ctx context.Context, p *Policy, s *keyscan.Scanner, t keyscan.Target) *HostResult {
	r := s.ScanTarget(ctx, t)
	h := &HostResult{Target: t, Names: t.OutputNames(), Port: r.Port, Scan: r}
	if err := r.Err(); err != nil {
		reason := "unreachable"
		if r.Banner != "" {
			reason = "no host key fetched"
		}
		h.Err = &VerifyError{Target: t.String(), Reason: reason, Err: err}
		return h
	}
	h.Keys = make([]*KeyResult, len(r.Keys))
	for i := range r.Keys {
		h.Keys[i] = &KeyResult{Key: r.Keys[i]}
	}
	var missing []string
	for _, name := range h.Names {
		dns := p.lookupSSHFP(ctx, name)
		accepted := false
		for _, k := range h.Keys {
			v := p.decide(name, r.Port, k.Key.Key, dns, &k.Key)
			k.Verdicts = append(k.Verdicts, v)
			accepted = accepted || v.Accepted()
		}
		if !accepted {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		ve := &VerifyError{Target: t.String(), Reason: "no key accepted for " + joinQuoted(missing), Names: missing}
		for _, k := range h.Keys {
			for _, v := range k.Verdicts {
				if !v.Accepted() && slices.Contains(missing, v.Host) {
					ve.Rejected = append(ve.Rejected, v)
				}
			}
		}
		h.Err = ve
	}
	return h
}

func joinQuoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// VerifyError says why a target has no accepted key: it was unreachable, or
// gave no key, (Err is then the scan's error), or its keys were all
// rejected for some names (Rejected holds those verdicts).
type VerifyError struct {
	// Target is the target as given.
	Target string
	// Reason is "unreachable" (no SSH server answered), "no host key
	// fetched" (one answered but gave no key of the types asked for), or
	// "no key accepted for NAMES".
	Reason string
	// Err is the scan's error when the scan failed.
	Err error
	// Names are the names no key was accepted for, and Rejected the
	// verdicts on their keys, each with its reason.
	Names    []string
	Rejected []*Verdict
}

func (e *VerifyError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("hostkeys: %s: %s: %v", e.Target, e.Reason, e.Err)
	}
	var reasons []string
	for _, v := range e.Rejected {
		reasons = append(reasons, fmt.Sprintf("%s %s: %s", fingerprint.TypeLabel(v.Key), fingerprint.Of(v.Key, fingerprint.SHA256), v.Reason))
	}
	if len(reasons) == 0 {
		return fmt.Sprintf("hostkeys: %s: %s", e.Target, e.Reason)
	}
	return fmt.Sprintf("hostkeys: %s: %s: %s", e.Target, e.Reason, strings.Join(reasons, "; "))
}

func (e *VerifyError) Unwrap() error { return e.Err }

// VerifyReport is what Verify found, one HostResult per target in the order
// given.
type VerifyReport struct {
	Hosts []*HostResult
}

// OK reports whether every target has an accepted key for each of its
// names.
func (r *VerifyReport) OK() bool {
	for _, h := range r.Hosts {
		if !h.OK() {
			return false
		}
	}
	return true
}

// HostResult is the outcome for one target.
type HostResult struct {
	Target keyscan.Target
	// Names are the names the keys were checked for, and Port the port
	// scanned.
	Names []string
	Port  int
	// Scan is the scan's result: address, banner, errors.
	Scan *keyscan.Result
	// Keys are the keys the server proved it holds, each with a verdict
	// per name.
	Keys []*KeyResult
	// Err says why the target failed (a *VerifyError): the scan failed,
	// or some name has no accepted key. Nil when OK.
	Err error
}

// OK reports whether every name of the target has an accepted key.
func (h *HostResult) OK() bool { return h != nil && h.Err == nil }

// KeyResult is one scanned key and the policy's verdicts on it.
type KeyResult struct {
	Key keyscan.Key
	// Verdicts holds one verdict per name, in the order of
	// HostResult.Names.
	Verdicts []*Verdict
}

// ErrNotVerified is returned by VerifyReport.WriteKnownHosts when some
// target has no accepted key: nothing is written then.
var ErrNotVerified = errors.New("hostkeys: not every host has an accepted key; nothing written")

// WriteOptions controls VerifyReport.WriteKnownHosts.
type WriteOptions struct {
	// Hash writes host names hashed, as ssh-keygen -H and HashKnownHosts.
	Hash bool
	// Save controls the save (backup, mode of a new file).
	Save knownhosts.SaveOptions
}

// WriteKnownHosts appends the accepted keys to the known_hosts file name,
// under the names they were accepted for ("[name]:port" off port 22),
// through knownhosts.Edit: under its lock, atomically, creating the file if
// needed. A key the file already vouches for is not added again.
//
// A host certificate is recorded as the key it certifies, also when a
// @cert-authority pin accepted it. That is what ssh itself records (it never
// writes a certificate or a CA line), and what ssh then accepts: offered the
// certificate, it finds no CA line and retries with the certified key. A
// @cert-authority line would instead trust every certificate the CA signs
// for the name, keys this run never saw, without the pin list's @revoked
// lines; the pin list stays the place for that trust (give it to ssh
// through a Policy, or as a known_hosts file of its own).
//
// If the report is not OK, nothing is written and ErrNotVerified is
// returned: the file stays byte for byte as it was. It returns the number of
// lines added.
func (r *VerifyReport) WriteKnownHosts(name string, opts WriteOptions) (int, error) {
	if !r.OK() {
		return 0, ErrNotVerified
	}
	added := 0
	err := knownhosts.Edit(name, &opts.Save, func(f *knownhosts.File) error {
		added = 0
		db := knownhosts.New(knownhosts.Options{}, f)
		seen := map[string]bool{}
		for _, h := range r.Hosts {
			for _, k := range h.Keys {
				plain := plainKey(k.Key.Key)
				for _, v := range k.Verdicts {
					if !v.Accepted() {
						continue
					}
					addr := knownhosts.HostPort(v.Host, h.Port)
					id := strings.ToLower(addr) + " " + string(plain.Marshal())
					if seen[id] || hasPlainKey(db, addr, plain) {
						continue
					}
					seen[id] = true
					if err := f.Add([]string{addr}, plain, &knownhosts.AddOptions{Hash: opts.Hash}); err != nil {
						return err
					}
					added++
				}
			}
		}
		return nil
	})
	return added, err
}

// hasPlainKey reports whether an unmarked entry of db for addr holds key.
func hasPlainKey(db *knownhosts.DB, addr string, key ssh.PublicKey) bool {
	blob := key.Marshal()
	for _, e := range db.HostKeys(addr) {
		if e.Marker != "" {
			continue
		}
		if k, err := e.Key(); err == nil && bytes.Equal(k.Marshal(), blob) {
			return true
		}
	}
	return false
}

// VerifyJSONVersion is the version of the JSON schema of a VerifyReport.
// It changes only when a field changes meaning or goes away; fields may be
// added within a version.
const VerifyJSONVersion = 1

// MarshalJSON writes the report in the schema of VerifyJSONVersion:
//
//	{"version": 1, "ok": BOOL, "hosts": [{
//	    "target": "addrlist namelist", "names": [NAME...], "port": N,
//	    "addr": "IP:PORT", "banner": "SSH-2.0-...",
//	    "ok": BOOL, "error": "why not ok",      (error only when not ok)
//	    "scan_errors": ["..."],
//	    "keys": [{
//	        "type": "ssh-ed25519", "algorithm": "ssh-ed25519",
//	        "fingerprint": "SHA256:...", "key": "TYPE BASE64",
//	        "certificate": BOOL,
//	        "verdicts": [{
//	            "name": NAME, "decision": "accept"|"reject",
//	            "rule": "confirmed"|"insecure-trust-on-first-use"|"revoked"|
//	                    "contradicted"|"required"|"unconfirmed",
//	            "reason": "...", "weak": BOOL,
//	            "evidence": [{"source": "pins"|"known-hosts"|"sshfp"|"scan",
//	                "status": "confirmed"|"contradicted"|"revoked"|"silent"|"insecure"|"error",
//	                "weak": BOOL, "where": "...", "file": "...", "line": N,
//	                "dns_owner": "...", "dns_security": "secure"|"insecure"|"bogus",
//	                "dns_server": "...", "addr": "...", "banner": "...",
//	                "detail": "..."}]}]}]}]}
//
// Empty strings, zero numbers and false booleans inside evidence are left
// out.
func (r *VerifyReport) MarshalJSON() ([]byte, error) {
	type jsonVerdict struct {
		Name     string     `json:"name"`
		Decision Decision   `json:"decision"`
		Rule     string     `json:"rule"`
		Reason   string     `json:"reason"`
		Weak     bool       `json:"weak"`
		Evidence []Evidence `json:"evidence"`
	}
	type jsonKey struct {
		Type        string        `json:"type"`
		Algorithm   string        `json:"algorithm"`
		Fingerprint string        `json:"fingerprint"`
		Key         string        `json:"key"`
		Certificate bool          `json:"certificate"`
		Verdicts    []jsonVerdict `json:"verdicts"`
	}
	type jsonHost struct {
		Target     string    `json:"target"`
		Names      []string  `json:"names"`
		Port       int       `json:"port"`
		Addr       string    `json:"addr"`
		Banner     string    `json:"banner"`
		OK         bool      `json:"ok"`
		Error      string    `json:"error,omitempty"`
		ScanErrors []string  `json:"scan_errors"`
		Keys       []jsonKey `json:"keys"`
	}
	out := struct {
		Version int        `json:"version"`
		OK      bool       `json:"ok"`
		Hosts   []jsonHost `json:"hosts"`
	}{Version: VerifyJSONVersion, OK: r.OK(), Hosts: []jsonHost{}}
	for _, h := range r.Hosts {
		jh := jsonHost{Target: h.Target.String(), Names: h.Names, Port: h.Port, OK: h.OK(),
			ScanErrors: []string{}, Keys: []jsonKey{}}
		if h.Scan != nil {
			jh.Addr, jh.Banner = h.Scan.Addr, h.Scan.Banner
			for _, e := range h.Scan.Errors {
				jh.ScanErrors = append(jh.ScanErrors, e.Error())
			}
		}
		if h.Err != nil {
			jh.Error = h.Err.Error()
		}
		for _, k := range h.Keys {
			_, isCert := k.Key.Key.(*ssh.Certificate)
			jk := jsonKey{Type: k.Key.Key.Type(), Algorithm: k.Key.Algorithm,
				Fingerprint: fingerprint.Of(k.Key.Key, fingerprint.SHA256).String(),
				Key:         keyLine(k.Key.Key), Certificate: isCert, Verdicts: []jsonVerdict{}}
			for _, v := range k.Verdicts {
				ev := v.Evidence
				if ev == nil {
					ev = []Evidence{}
				}
				jk.Verdicts = append(jk.Verdicts, jsonVerdict{Name: v.Host, Decision: v.Decision, Rule: string(v.Rule),
					Reason: v.Reason, Weak: v.Weak(), Evidence: ev})
			}
			jh.Keys = append(jh.Keys, jk)
		}
		out.Hosts = append(out.Hosts, jh)
	}
	return json.Marshal(out)
}

// keyLine returns key as "TYPE BASE64", the form of a pin or a
// known_hosts key field.
func keyLine(k ssh.PublicKey) string {
	return k.Type() + " " + base64.StdEncoding.EncodeToString(k.Marshal())
}
