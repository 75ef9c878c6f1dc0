package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"

	"github.com/hostkeys/hostkeys"
	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/knownhosts"
	"github.com/hostkeys/hostkeys/sshfp"
)

func init() {
	register(&command{
		name:    "verify",
		summary: "scan hosts and accept only keys that pins, known_hosts or secure SSHFP confirm",
		run:     runVerify,
	})
}

const verifyUsage = `usage: hostkeys verify [--pins FILE]... [--known-hosts FILE]...
                      [--sshfp [--resolver ADDR]... [--validate [--anchor FILE]...]]
                      [--require SOURCES] [--write FILE [-H]] [-c] [-p PORT]
                      [-t TYPES] [-T TIMEOUT] [-f FILE]... [-J HOPS [-i FILE]...
                      [--jump-known-hosts FILE]...] [--json] [-v]
                      [HOST[:PORT]...]

Scans each HOST as hostkeys scan does and decides each key it presents:
a key is accepted when no source contradicts or revokes it, every
--require is met, and at least one trusted source confirms it (a pin, a
known_hosts entry, or an SSHFP record DNSSEC proves). The safe
replacement for "ssh-keyscan host >> ~/.ssh/known_hosts" in CI.

HOST is as for hostkeys scan: a name or address, host:port, [host]:port, a
CIDR range, or "addrlist namelist" (addresses scanned, names checked
against pins, known_hosts and SSHFP, and written).

  --pins FILE         a pin list, the approved-hosts list (repeatable)
  --known-hosts FILE  a known_hosts file to check against (repeatable)
  --sshfp             look up SSHFP records of each name; only answers
                      DNSSEC proves count
  --resolver ADDR     DNS server to ask (repeatable; default: resolv.conf);
                      its AD bit is believed only on loopback, unless
                      --validate
  --validate          validate DNSSEC here, from the root KSKs or --anchor
  --anchor FILE       trust anchors (DS or DNSKEY records) for --validate
  --require SOURCES   sources that must confirm each accepted key:
                      pins, known-hosts, sshfp; "|" means either, ","
                      both ("pins|sshfp")
  --write FILE        append the accepted keys to FILE (a known_hosts
                      file), atomically and without duplicates, and only if
                      every host has an accepted key
  -H                  hash the host names written
  -c                  fetch host certificates (judged by a @cert-authority
                      pin or known_hosts line, or by their key; --write
                      records the key a certificate certifies, as ssh does)
  -p PORT             port for hosts that do not name one (default 22)
  -t TYPES            key types (as hostkeys scan -t)
  -T TIMEOUT          deadline of each connection (default 5s)
  -f FILE             read targets from FILE, one per line ("-" for stdin)
  -J [USER@]HOST[:PORT][,...]
                      scan through these SSH jump hosts, as hostkeys scan -J
                      (a jump host's key must be in known_hosts)
  -i FILE             a private key for the jump hosts (repeatable)
  --jump-known-hosts FILE
                      known_hosts for the jump hosts (repeatable; default
                      ssh's files)
  --json              print the report as JSON (schema version 1; see
                      hostkeys.VerifyReport.MarshalJSON)
  -v                  also print rejected keys of hosts that passed

Flags may also follow the hosts. Each accepted key is printed as "NAME
TYPE FINGERPRINT accepted: REASON [EVIDENCE]"; each failing host on
standard error with its reason.

Exit status: 0 when every host has an accepted key, 1 when any has none
(mismatch, unpinned, only insecure SSHFP, unreachable; --write is then left
untouched), 2 on usage errors, unreadable pin or known_hosts files, and
write errors.
`

func runVerify(e *env, args []string) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var pinFiles, khFiles, resolvers, anchors, targetFiles stringList
	fs.Var(&pinFiles, "pins", "")
	fs.Var(&khFiles, "known-hosts", "")
	fs.Var(&resolvers, "resolver", "")
	fs.Var(&anchors, "anchor", "")
	fs.Var(&targetFiles, "f", "")
	var identities, jumpKnown stringList
	fs.Var(&identities, "i", "")
	fs.Var(&jumpKnown, "jump-known-hosts", "")
	useSSHFP := fs.Bool("sshfp", false, "")
	validate := fs.Bool("validate", false, "")
	require := fs.String("require", "", "")
	write := fs.String("write", "", "")
	hash := fs.Bool("H", false, "")
	cert := fs.Bool("c", false, "")
	port := fs.Int("p", 0, "")
	types := fs.String("t", "", "")
	timeout := fs.String("T", "", "")
	jump := fs.String("J", "", "")
	asJSON := fs.Bool("json", false, "")
	verbose := fs.Bool("v", false, "")
	// Flags may follow the hosts, as for hostkeys find: a "--write FILE"
	// after the hosts must not become two targets.
	hosts, code, ok := parseArgs(e, fs, args, "verify", verifyUsage)
	if !ok {
		return code
	}
	usage := func(format string, args ...any) int {
		e.errorf("verify: "+format, args...)
		e.hintf("run \"hostkeys verify -h\" for the flags")
		return exitUsage
	}
	if len(pinFiles) == 0 && len(khFiles) == 0 && !*useSSHFP {
		return usage("nothing to verify against: give --pins, --known-hosts or --sshfp")
	}
	if (len(resolvers) > 0 || *validate) && !*useSSHFP {
		return usage("--resolver and --validate go with --sshfp")
	}
	if len(anchors) > 0 && !*validate {
		return usage("--anchor goes with --validate")
	}
	if *hash && *write == "" {
		return usage("-H hashes the names --write writes")
	}
	if *port < 0 || *port > 65535 {
		return usage("bad port %d", *port)
	}

	policy := &hostkeys.Policy{}
	if *require != "" {
		req, err := hostkeys.ParseRequirements(*require)
		var re *hostkeys.RequirementError
		if errors.As(err, &re) {
			return usage("--require: unknown source %q in %q (want pins, known-hosts or sshfp)", re.Source, re.Text)
		}
		if err != nil {
			return usage("--require: %v", err)
		}
		configured := map[hostkeys.Source]bool{hostkeys.SourcePins: len(pinFiles) > 0,
			hostkeys.SourceKnownHosts: len(khFiles) > 0, hostkeys.SourceSSHFP: *useSSHFP}
		for _, r := range req {
			if !slices.ContainsFunc(r, func(s hostkeys.Source) bool { return configured[s] }) {
				return usage("--require %s: no such source is given (--pins, --known-hosts, --sshfp)", r)
			}
		}
		policy.Require = req
	}
	for _, name := range pinFiles {
		p, err := hostkeys.ParsePinsFile(name)
		var ie *hostkeys.InvalidPinsError
		if errors.As(err, &ie) {
			for _, l := range ie.Lines {
				e.errorf("verify: %s:%d: %s", l.File, l.Line, l.Reason)
			}
			return exitUsage
		}
		if err != nil {
			e.errorf("verify: --pins: %v", err)
			return exitUsage
		}
		policy.Pins = append(policy.Pins, p)
	}
	for _, name := range khFiles {
		db, err := knownhosts.Open(name)
		if err != nil {
			e.errorf("verify: --known-hosts: %v", err)
			return exitUsage
		}
		warnKnownHostsProblems(e, name)
		policy.KnownHosts = append(policy.KnownHosts, db)
	}
	if *useSSHFP {
		r := &sshfp.Resolver{Servers: resolvers}
		if *validate {
			v := &sshfp.Validator{}
			rrs, err := sshfp.ReadAnchorFiles(anchors...)
			if err != nil {
				e.errorf("verify: --anchor: %v", err)
				return exitUsage
			}
			v.Anchors = rrs
			r.Validator = v
		}
		policy.SSHFP = r
	}

	s := &keyscan.Scanner{Port: *port, Certificates: *cert}
	if *types != "" {
		kt, err := parseKeyTypes(*types)
		if err != nil {
			return usage("%v", err)
		}
		s.KeyTypes = kt
	}
	if *timeout != "" {
		d, err := parseConvtime(*timeout)
		if err != nil {
			return usage("-T: %v", err)
		}
		s.Timeout = d
	}
	targets, ok := verifyTargets(e, hosts, targetFiles)
	if !ok {
		return exitUsage
	}
	if len(targets) == 0 {
		return usage("no host given")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *jump == "" && (len(identities) > 0 || len(jumpKnown) > 0) {
		return usage("-i and --jump-known-hosts are for the jump hosts of -J")
	}
	if *jump != "" {
		hops, err := parseJumpHosts(*jump)
		if err != nil {
			return usage("-J: %v", err)
		}
		chain, code, ok := dialJumpHosts(ctx, e, "verify", &jumpOptions{hops: hops, identities: identities,
			knownHosts: jumpKnown, timeout: s.Timeout, network: "tcp"}, exitFindings)
		if !ok {
			return code
		}
		defer chain.Close()
		s.Dial = chain.DialContext
	}

	// As for hostkeys scan: the work waits on the network, and one P saves
	// cross-thread wake-ups. GOMAXPROCS in the environment still wins.
	if e.getenv("GOMAXPROCS") == "" {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	rep, err := hostkeys.Verify(ctx, targets, hostkeys.VerifyOptions{Policy: policy, Scanner: s})
	if err != nil {
		e.errorf("verify: %v", err)
		return exitFindings
	}
	if *asJSON {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			e.errorf("verify: %v", err)
			return exitUsage
		}
		e.stdout.Write(append(b, '\n'))
	} else {
		printVerify(e, rep, *verbose)
	}
	for _, h := range rep.Hosts {
		if h.Err != nil {
			e.errorf("verify: %s", verifyErrorText(h.Err))
		}
	}
	if !rep.OK() {
		if *write != "" {
			e.errorf("verify: %s left unchanged: not every host has an accepted key", *write)
		}
		return exitFindings
	}
	if *write != "" {
		n, err := rep.WriteKnownHosts(*write, hostkeys.WriteOptions{Hash: *hash})
		if err != nil {
			e.errorf("verify: --write: %v", err)
			return exitUsage
		}
		if !*asJSON {
			fmt.Fprintf(e.stderr, "hostkeys: verify: %d line(s) added to %s\n", n, *write)
		}
	}
	return exitOK
}

// warnKnownHostsProblems warns of the lines of a --known-hosts file that
// ssh, and so verify, skip: a line the user counts on must not vanish
// without a word. At most five are listed, then how many more.
func warnKnownHostsProblems(e *env, name string) {
	const show = 5
	f, err := knownhosts.ParseFile(name)
	if err != nil {
		return // Open read it; nothing more to say
	}
	problems := f.Problems()
	for i, p := range problems {
		if i == show {
			e.warnf("verify: %s: %d more line(s) skipped", name, len(problems)-show)
			break
		}
		e.warnf("verify: %s:%d: skipped, as ssh skips it: %s", p.File, p.Line, p.Reason)
	}
}

// verifyErrorText says why a host failed, from the fields of its
// *hostkeys.VerifyError: the target, the reason, and the scan's error or
// each rejected key's reason.
func verifyErrorText(err error) string {
	var ve *hostkeys.VerifyError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	if ve.Err != nil {
		return fmt.Sprintf("%s: %s: %s", ve.Target, ve.Reason, msg(ve.Err))
	}
	var reasons []string
	for _, v := range ve.Rejected {
		reasons = append(reasons, fmt.Sprintf("%s %s: %s", fingerprint.TypeLabel(v.Key), fingerprint.Of(v.Key, fingerprint.SHA256), v.Reason))
	}
	if len(reasons) == 0 {
		return ve.Target + ": " + ve.Reason
	}
	return fmt.Sprintf("%s: %s: %s", ve.Target, ve.Reason, strings.Join(reasons, "; "))
}

// verifyTargets reads the targets of the arguments and of -f files.
func verifyTargets(e *env, args, files []string) ([]keyscan.Target, bool) {
	var targets []keyscan.Target
	ok := true
	for _, a := range args {
		ts, err := keyscan.ParseTarget(a)
		if err != nil {
			e.errorf("verify: %s", msg(err))
			ok = false
			continue
		}
		targets = append(targets, ts...)
	}
	for _, name := range files {
		var r io.Reader
		if name == "-" {
			r, name = e.stdin, "(stdin)"
		} else {
			fh, err := os.Open(name)
			if err != nil {
				e.errorf("verify: %v", err)
				return nil, false
			}
			defer fh.Close()
			r = fh
		}
		ts, errs := keyscan.ReadTargets(r, name, nil)
		for _, err := range errs {
			e.errorf("verify: %s", msg(err))
			ok = false
		}
		targets = append(targets, ts...)
	}
	return targets, ok
}

// printVerify writes each accepted key, with its evidence, to stdout; with
// verbose, the rejected keys of every host to stderr.
func printVerify(e *env, rep *hostkeys.VerifyReport, verbose bool) {
	for _, h := range rep.Hosts {
		for _, k := range h.Keys {
			for _, v := range k.Verdicts {
				name := knownhosts.HostPort(v.Host, h.Port)
				fp := fingerprint.Of(v.Key, fingerprint.SHA256)
				if v.Accepted() {
					fmt.Fprintf(e.stdout, "%s %s %s accepted: %s [%s]\n", name, fingerprint.TypeLabel(v.Key), fp, v.Reason, evidenceList(v))
				} else if verbose || !h.OK() {
					fmt.Fprintf(e.stderr, "hostkeys: verify: %s %s %s rejected: %s\n", name, fingerprint.TypeLabel(v.Key), fp, v.Reason)
				}
			}
		}
	}
}

// evidenceList says which sources spoke and where: "pins pins.txt:3;
// scan 127.0.0.1:22".
func evidenceList(v *hostkeys.Verdict) string {
	var parts []string
	for _, ev := range v.Evidence {
		if ev.Status == hostkeys.Silent {
			continue
		}
		s := string(ev.Source) + " " + string(ev.Status)
		if ev.Source == hostkeys.SourceScan {
			s = "scan " + ev.Addr
		} else if ev.Where != "" {
			s += " " + ev.Where
		}
		if ev.Weak {
			s += " (weak)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
