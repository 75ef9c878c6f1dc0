package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/hostkeys/hostkeys"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/knownhosts"
	"github.com/hostkeys/hostkeys/sshfp"
)

func init() {
	register(&command{
		name:    "audit",
		summary: "report what is wrong, weak or stale in known_hosts files (text, JSON, SARIF)",
		run:     runAudit,
	})
}

const auditUsage = `usage: hostkeys audit [--known-hosts FILE]... [--pins FILE]... [--inventory FILE]
                     [--require-hashed] [--min-rsa-bits N] [--format text|json|sarif]
                     [--fail-on SEVERITY]
                     [--scan [-p PORT] [-T TIMEOUT] [-J [user@]host[:port],...
                      [-i FILE]... [--jump-known-hosts FILE]...] [--cert-warn DAYS]]
                     [--sshfp [--resolver ADDR]... [--validate [--anchor FILE]...]]

Checks known_hosts files for lines ssh cannot use, weak keys, hosts with
conflicting or duplicate keys, wildcard and over-broad trust, and revoked
keys still trusted; against pin lists (the approved keys), for entries the
list contradicts or does not cover, approved hosts missing and hosts
approved only by MD5; with an inventory, for entries of hosts that are
gone and hosts with no entry. Each finding has a rule ID (HK101...), a
severity (error, warning, note), file:line and the host.

  --known-hosts FILE  a known_hosts file to audit (may be repeated); by
                      default the files ssh reads that exist:
                      ~/.ssh/known_hosts, ~/.ssh/known_hosts2,
                      /etc/ssh/ssh_known_hosts, /etc/ssh/ssh_known_hosts2
  --pins FILE         a pin list of approved host keys (may be repeated)
  --inventory FILE    the hosts that exist, one name (or [host]:port) a
                      line; hashed entries are de-hashed against it (or,
                      without it, against the pin lists' host names)
  --require-hashed    report host names that are not hashed
  --min-rsa-bits N    report RSA keys shorter than N bits (default 2048)
  --format FORMAT     text (default, grouped by host), json, or sarif
                      (SARIF 2.1.0 for code scanning; paths relative to
                      the working directory)
  --fail-on SEVERITY  exit 1 when a finding is at least this severe:
                      error, warning (default) or note

Live and DNS checks, of every host a known_hosts entry or pin list names
literally (no wildcard, not hashed) and every inventory host:
  --scan              scan them (HK4xx): keys that known_hosts or the pins
                      contradict, host certificates expired, expiring or
                      not naming the host, SHA-1 key exchanges and host-key
                      algorithms, DSA and small RSA keys, Terrapin exposure
                      (CVE-2023-48795), hosts that do not answer
  -p PORT             port for names without one (default 22)
  -T TIMEOUT          deadline of each connection (default 5s)
  -J HOSTS            scan through these SSH jump hosts, as hostkeys scan -J;
                      -i FILE and --jump-known-hosts FILE as there
  --cert-warn DAYS    report host certificates expiring within DAYS
                      (default 30)
  --sshfp             look up their names' SSHFP records (HK5xx): missing,
                      not proven by DNSSEC, SHA-1 only, not matching the
                      known (or scanned) keys, lookups that fail
  --resolver ADDR     DNS server to ask (repeatable; default: resolv.conf)
  --validate          validate DNSSEC here, from the root KSKs or --anchor
  --anchor FILE       trust anchors (DS or DNSKEY records) for --validate

Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 on
usage or I/O errors.
`

func runAudit(e *env, args []string) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var knownHostsFiles stringList
	fs.Var(&knownHostsFiles, "known-hosts", "")
	var pinFiles stringList
	fs.Var(&pinFiles, "pins", "")
	inventory := fs.String("inventory", "", "")
	requireHashed := fs.Bool("require-hashed", false, "")
	minRSA := fs.String("min-rsa-bits", strconv.Itoa(hostkeys.DefaultMinRSABits), "")
	format := fs.String("format", "text", "")
	failOn := fs.String("fail-on", "warning", "")
	scan := fs.Bool("scan", false, "")
	port := fs.Int("p", 0, "")
	timeout := fs.String("T", "", "")
	jump := fs.String("J", "", "")
	var identities, jumpKnown, resolvers, anchors stringList
	fs.Var(&identities, "i", "")
	fs.Var(&jumpKnown, "jump-known-hosts", "")
	fs.Var(&resolvers, "resolver", "")
	fs.Var(&anchors, "anchor", "")
	useSSHFP := fs.Bool("sshfp", false, "")
	validate := fs.Bool("validate", false, "")
	certWarn := fs.String("cert-warn", "", "")
	if code, ok := parseFlags(e, fs, args, "audit", auditUsage); !ok {
		return code
	}
	usage := func(format string, args ...any) int {
		e.errorf("audit: "+format, args...)
		e.hintf("run \"hostkeys audit -h\" for the flags")
		return exitUsage
	}
	if !*scan && (*port != 0 || *timeout != "" || *jump != "" || len(identities) > 0 || len(jumpKnown) > 0 || *certWarn != "") {
		return usage("-p, -T, -J, -i, --jump-known-hosts and --cert-warn go with --scan")
	}
	if *jump == "" && (len(identities) > 0 || len(jumpKnown) > 0) {
		return usage("-i and --jump-known-hosts are for the jump hosts of -J")
	}
	if !*useSSHFP && (len(resolvers) > 0 || *validate) {
		return usage("--resolver and --validate go with --sshfp")
	}
	if len(anchors) > 0 && !*validate {
		return usage("--anchor goes with --validate")
	}
	var scanner *keyscan.Scanner
	var warn time.Duration
	if *scan {
		if *port < 0 || *port > 65535 {
			return usage("-p: bad port %d", *port)
		}
		scanner = &keyscan.Scanner{Port: *port}
		if *timeout != "" {
			d, err := parseConvtime(*timeout)
			if err != nil {
				return usage("-T: %v", err)
			}
			scanner.Timeout = d
		}
		if *certWarn != "" {
			days, err := strconv.Atoi(*certWarn)
			if err != nil || days < 1 || days > 36500 {
				return usage("--cert-warn: %q is not a number of days from 1 to 36500", *certWarn)
			}
			warn = time.Duration(days) * 24 * time.Hour
		}
	}
	var resolver *sshfp.Resolver
	if *useSSHFP {
		resolver = &sshfp.Resolver{Servers: resolvers}
		if *validate {
			v := &sshfp.Validator{}
			rrs, err := sshfp.ReadAnchorFiles(anchors...)
			if err != nil {
				e.errorf("audit: --anchor: %v", err)
				return exitUsage
			}
			v.Anchors = rrs
			resolver.Validator = v
		}
	}
	if fs.NArg() > 0 {
		e.errorf("audit: unexpected argument %q", fs.Arg(0))
		e.hintf("name known_hosts files with --known-hosts FILE")
		return exitUsage
	}
	bits, err := strconv.Atoi(*minRSA)
	if err != nil || bits < 1 || bits > 16384 {
		e.errorf("audit: --min-rsa-bits: %q is not a number of bits from 1 to 16384", *minRSA)
		return exitUsage
	}
	threshold, err := hostkeys.ParseSeverity(*failOn)
	if err != nil {
		e.errorf("audit: --fail-on: unknown severity %q", *failOn)
		e.hintf("use --fail-on error, warning or note")
		return exitUsage
	}
	switch *format {
	case "text", "json", "sarif":
	default:
		e.errorf("audit: --format: unknown format %q", *format)
		e.hintf("use --format text, json or sarif")
		return exitUsage
	}

	files := []string(knownHostsFiles)
	if len(files) == 0 {
		for _, name := range knownhosts.DefaultFiles(e.getenv("HOME")) {
			if _, err := os.Stat(name); err == nil {
				files = append(files, name)
			}
		}
		if len(files) == 0 {
			e.errorf("audit: none of ssh's known_hosts files exists")
			e.hintf("name one with --known-hosts FILE")
			return exitUsage
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *jump != "" {
		hops, err := parseJumpHosts(*jump)
		if err != nil {
			return usage("-J: %v", err)
		}
		chain, code, ok := dialJumpHosts(ctx, e, "audit", &jumpOptions{hops: hops, identities: identities,
			knownHosts: jumpKnown, timeout: scanner.Timeout, network: "tcp"}, exitUsage)
		if !ok {
			return code
		}
		defer chain.Close()
		scanner.Dial = chain.DialContext
	}

	p := newAuditProgress(e.stderr)
	report, err := hostkeys.Audit(ctx, hostkeys.AuditOptions{
		KnownHosts:    files,
		Pins:          pinFiles,
		Inventory:     *inventory,
		RequireHashed: *requireHashed,
		MinRSABits:    bits,
		Progress:      p.update,
		Scan:          scanner,
		CertWarn:      warn,
		SSHFP:         resolver,
		ScanProgress:  p.scanned,
	})
	p.clear()
	if err != nil {
		e.errorf("audit: %v", err)
		return exitUsage
	}
	switch *format {
	case "json":
		err = report.WriteJSON(e.stdout)
	case "sarif":
		err = report.WriteSARIF(e.stdout, hostkeys.SARIFOptions{ToolVersion: version()})
	default:
		err = report.WriteText(e.stdout)
	}
	if err != nil {
		e.errorf("audit: %v", err)
		return exitUsage
	}
	if report.Max() >= threshold {
		return exitFindings
	}
	return exitOK
}

// auditProgress shows how far de-hashing and scanning have come on a
// terminal, once the audit has run for a second.
type auditProgress struct {
	w     io.Writer
	start time.Time
	live  bool
	shown bool
}

func newAuditProgress(w io.Writer) *auditProgress {
	p := &auditProgress{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.live = true
		}
	}
	return p
}

func (p *auditProgress) update(done, total int) {
	if !p.live || time.Since(p.start) < time.Second {
		return
	}
	fmt.Fprintf(p.w, "\r\033[Khostkeys: audit: de-hashing known_hosts with %d/%d names", done, total)
	p.shown = true
}

func (p *auditProgress) scanned(done, total int) {
	if !p.live || time.Since(p.start) < time.Second {
		return
	}
	fmt.Fprintf(p.w, "\r\033[Khostkeys: audit: scanned %d/%d hosts", done, total)
	p.shown = true
}

func (p *auditProgress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
