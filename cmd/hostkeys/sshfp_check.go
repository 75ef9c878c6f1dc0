package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys"
	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/sshfp"
)

const defaultCheckTimeout = 10 * time.Second

type checkOptions struct {
	check     bool
	keys      string
	connect   string
	resolvers stringList
	trusted   stringList
	validate  bool
	anchors   stringList
	strict    bool
	sha1      bool
	timeout   time.Duration
	json      bool
}

// jsonSSHFPCheck is the document `hostkeys sshfp --check --json` prints.
type jsonSSHFPCheck struct {
	Host     string            `json:"host"`
	Name     string            `json:"name"`
	Owner    string            `json:"owner,omitempty"`
	Server   string            `json:"server,omitempty"`
	Exists   bool              `json:"exists"`
	Security string            `json:"security"`
	Reason   string            `json:"reason"`
	Error    string            `json:"error,omitempty"`
	Records  []jsonSSHFPRecord `json:"records"`
	Keys     []jsonSSHFPKey    `json:"keys"`
	Accepted bool              `json:"accepted"`
}

type jsonSSHFPRecord struct {
	Record      string   `json:"record"`
	Algorithm   uint8    `json:"algorithm"`
	Type        uint8    `json:"fingerprint_type"`
	Fingerprint string   `json:"fingerprint"`
	Status      string   `json:"status"` // match, mismatch, skipped, other-algorithm
	MatchedKeys []string `json:"matched_keys"`
}

type jsonSSHFPKey struct {
	Type     string `json:"type"`
	KeyType  string `json:"key_type"`
	SHA256   string `json:"sha256"`
	Found    bool   `json:"found"`
	Match    bool   `json:"match"`
	Secure   bool   `json:"secure"`
	Accepted bool   `json:"accepted"`
	Reason   string `json:"reason"`
}

func runSSHFPCheck(e *env, host string, o *checkOptions) int {
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	var keys []ssh.PublicKey
	if o.keys != "" {
		if o.connect != "" {
			e.errorf("sshfp: --connect scans the host; it does not go with --keys")
			return exitUsage
		}
		var status int
		if keys, status = sshfpReadKeys(e, o.keys); keys == nil {
			return status
		}
	} else {
		var status int
		if keys, status = sshfpScanKeys(ctx, e, host, o.connect); keys == nil {
			return status
		}
	}

	res := &sshfp.Resolver{Servers: o.resolvers, Trusted: o.trusted}
	if o.validate || len(o.anchors) > 0 {
		v := &sshfp.Validator{}
		a, err := sshfp.ReadAnchorFiles(o.anchors...)
		if err != nil {
			e.errorf("sshfp: reading trust anchors: %v", err)
			return exitUsage
		}
		v.Anchors = a
		res.Validator = v
	}
	// The decision is the Policy's, with SSHFP as its only source: a key is
	// accepted when DNSSEC-secure records match it.
	policy := &hostkeys.Policy{SSHFP: res, SSHFPPolicy: sshfp.Policy{Strict: o.strict, AllowSHA1Only: o.sha1}}
	name, port := host, 22
	if h, p, err := net.SplitHostPort(host); err == nil {
		name = h
		port, _ = strconv.Atoi(p)
	}

	out := jsonSSHFPCheck{Host: host, Records: []jsonSSHFPRecord{}, Keys: []jsonSSHFPKey{}}
	results := policy.CheckKeys(ctx, name, port, keys)
	evidence := make([]hostkeys.Evidence, len(results))
	for i, v := range results {
		for _, ev := range v.Evidence {
			if ev.Source == hostkeys.SourceSSHFP {
				evidence[i] = ev
			}
		}
	}
	if err := evidence[0].Err; err != nil {
		// No answer (resolver unreachable, SERVFAIL) or no name to ask
		// for: an I/O or usage error, not a mismatch.
		if o.json {
			out.Error = err.Error()
			out.Security = sshfp.Insecure.String()
			return sshfpWriteJSON(e, out, exitUsage)
		}
		if errors.Is(err, sshfp.ErrNumericHost) {
			e.errorf("sshfp: %q names an IP address: SSHFP records are looked up by host name", host)
			e.hintf("SSHFP records are published for host names, as ssh looks them up; give the name, and the address with --connect")
		} else {
			e.errorf("sshfp: cannot look up the SSHFP records of %q: %v", host, err)
		}
		return exitUsage
	}
	ans := evidence[0].Answer
	out.Name, out.Owner, out.Server, out.Exists = ans.Name, ans.Owner, ans.Server, ans.Exists
	out.Security, out.Reason = ans.Security.String(), ans.Reason

	verdicts := make([]*sshfp.Verdict, len(keys))
	for i, k := range keys {
		verdicts[i] = evidence[i].SSHFP
		v := verdicts[i]
		out.Keys = append(out.Keys, jsonSSHFPKey{
			Type: fingerprint.TypeLabel(k), KeyType: k.Type(), SHA256: fingerprint.Of(k, fingerprint.SHA256).String(),
			Found: v.Found, Match: v.Match, Secure: v.Secure, Accepted: results[i].Accepted(), Reason: v.Reason,
		})
		out.Accepted = out.Accepted || results[i].Accepted()
	}
	for _, rec := range ans.Records {
		jr := jsonSSHFPRecord{Record: rec.String(), Algorithm: uint8(rec.Algorithm), Type: uint8(rec.Type),
			Fingerprint: hex.EncodeToString(rec.Fingerprint), Status: "match", MatchedKeys: []string{}}
		for i := range keys {
			for _, m := range verdicts[i].Matched {
				if m.Equal(rec) {
					jr.MatchedKeys = append(jr.MatchedKeys, out.Keys[i].SHA256)
				}
			}
		}
		if len(jr.MatchedKeys) == 0 {
			jr.Status = unmatchedStatus(rec, verdicts)
		}
		out.Records = append(out.Records, jr)
	}
	status := exitFindings
	if out.Accepted {
		status = exitOK
	}
	if o.json {
		return sshfpWriteJSON(e, out, status)
	}

	fmt.Fprintf(e.stdout, "%s: %d SSHFP record(s), %s: %s\n", ans.Owner, len(ans.Records), ans.Security, ans.Reason)
	for _, jr := range out.Records {
		what := jr.Status
		switch jr.Status {
		case "match":
			what = "matches"
			for _, fp := range jr.MatchedKeys {
				what += " " + fp
			}
		case "mismatch":
			what = "matches no key"
		case "skipped":
			what = "skipped: unknown fingerprint type or bad digest length"
		case "other-algorithm":
			what = "no key of this algorithm"
		}
		fmt.Fprintf(e.stdout, "  %s: %s\n", jr.Record, what)
	}
	for _, k := range out.Keys {
		verdict := "not accepted"
		if k.Accepted {
			verdict = "accepted"
		}
		fmt.Fprintf(e.stdout, "%s %s: %s: %s\n", k.Type, k.SHA256, verdict, k.Reason)
	}
	return status
}

// sshfpReadKeys reads the host keys to check from a file.
func sshfpReadKeys(e *env, file string) ([]ssh.PublicKey, int) {
	r, closeFn, err := openInput(e, file)
	if err != nil {
		e.errorf("sshfp: %v", err)
		return nil, exitUsage
	}
	kf, err := fingerprint.ReadKeys(r, displayName(file))
	closeFn()
	if err != nil {
		e.errorf("sshfp: %v", err)
		return nil, exitUsage
	}
	for _, inv := range kf.Invalid {
		e.warnf("sshfp: %s:%d: skipped: %s", inv.File, inv.Line, inv.Reason)
	}
	if kf.MoreInvalid > 0 {
		e.warnf("sshfp: %s: %d more lines skipped", displayName(file), kf.MoreInvalid)
	}
	var keys []ssh.PublicKey
	for _, k := range kf.Keys {
		if k.Marker == "" {
			keys = append(keys, k.Key)
		}
	}
	if len(keys) == 0 {
		e.errorf("sshfp: %s holds no host key", displayName(file))
		return nil, exitUsage
	}
	return keys, exitOK
}

// sshfpScanKeys fetches the host keys with keyscan, from connect if set
// (an address to dial instead of HOST), else from host.
func sshfpScanKeys(ctx context.Context, e *env, host, connect string) ([]ssh.PublicKey, int) {
	target := host
	if connect != "" {
		target = connect
	}
	ts, err := keyscan.ParseTarget(target)
	if err != nil {
		e.errorf("sshfp: %v", err)
		return nil, exitUsage
	}
	if len(ts) != 1 {
		e.errorf("sshfp: %q names %d hosts; --check takes one", target, len(ts))
		return nil, exitUsage
	}
	res := (&keyscan.Scanner{}).ScanTarget(ctx, ts[0])
	if err := res.Err(); err != nil {
		e.errorf("sshfp: cannot fetch the host keys: %v", err)
		e.hintf("give them with --keys FILE, or an address to scan with --connect ADDR")
		return nil, exitUsage
	}
	keys := make([]ssh.PublicKey, 0, len(res.Keys))
	for _, k := range res.Keys {
		keys = append(keys, k.Key)
	}
	return keys, exitOK
}

// unmatchedStatus says what a record that matches no key is to the keys:
// "mismatch" if keys of its algorithm exist, "skipped" if it cannot be
// compared, "other-algorithm" if no key has its algorithm.
func unmatchedStatus(rec sshfp.Record, verdicts []*sshfp.Verdict) string {
	status := "other-algorithm"
	for _, v := range verdicts {
		for _, m := range v.Mismatched {
			if m.Equal(rec) {
				status = "mismatch"
			}
		}
		for _, m := range v.Skipped {
			if m.Equal(rec) && status == "other-algorithm" {
				status = "skipped"
			}
		}
	}
	return status
}

func sshfpWriteJSON(e *env, v any, status int) int {
	if err := writeJSON(e, v); err != nil {
		e.errorf("sshfp: %v", err)
		return exitUsage
	}
	return status
}
