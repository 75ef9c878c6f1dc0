package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/sshfprr"
	"github.com/hostkeys/hostkeys/keyscan"
)

func init() {
	register(&command{
		name:    "scan",
		summary: "collect host keys from servers (like ssh-keyscan)",
		run:     runScan,
	})
}

const scanUsage = `usage: hostkeys scan [-46cDHqv] [-f FILE] [-O hashalg=sha1|sha256] [-p PORT]
                    [-T TIMEOUT] [-t TYPES] [-j N] [--per-host N] [--legacy-kex]
                    [--socks5 [USER@]HOST:PORT] [-J [USER@]HOST[:PORT][,...]]
                    [-i FILE]... [--jump-known-hosts FILE]... [--json] [HOST...]

Fetches the host keys of each HOST, as ssh-keyscan does, and prints them in
ssh-keyscan's known_hosts form on standard output. Every key is verified:
the server proved it holds the private key. Comment lines ("# host:port
banner") and every failure, with its reason, go to standard error.

HOST is a name or address, host:port, [host]:port, an IPv6 address, a CIDR
range, or "addrlist namelist" as in ssh-keyscan (addresses tried in turn,
names printed).

  -4, -6        IPv4 or IPv6 addresses only
  -c            fetch host certificates instead of plain keys (printed bare)
  -D            print SSHFP resource records instead (comment lines use ';')
  -f FILE       read targets from FILE, one per line ("-" for stdin)
  -H            hash host names in the output
  -O hashalg=sha1|sha256
                only SSHFP records of that fingerprint type with -D
                (default both)
  -p PORT       port for hosts that do not name one (default 22)
  -q            no comment lines
  -T TIMEOUT    deadline of each connection, connect to key (default 5s);
                a whole target, with all its addresses and key types, gets
                4 x TIMEOUT, and at most 8 of a name's addresses are tried
  -t TYPES      key types: rsa,ecdsa,ed25519,ecdsa-sk,ed25519-sk,dsa
                (default all but dsa; only advertised ones are fetched)
  -v            verbose: negotiated algorithms, timings, missing types
  -j N          connections in flight in all (default 128)
  --per-host N  connections in flight per address (default 6)
  --legacy-kex  also offer the SHA-1 Diffie-Hellman groups
  --socks5 [USER@]HOST:PORT
                connect through this SOCKS5 proxy (ssh -D, Tor, ...); host
                names are resolved by the proxy. With USER, the password
                is read from $HOSTKEYS_SOCKS5_PASSWORD (RFC 1929)
  -J [USER@]HOST[:PORT][,[USER@]HOST[:PORT]...]
                connect through these SSH jump hosts, in order, as ssh -J
                does; host names are resolved by the last one. A jump
                host's key must be in known_hosts (never trusted on first
                use); USER defaults to yours. Each hop must connect, prove
                its key and log you in within -T
  -i FILE       a private key for the jump hosts (repeatable; unencrypted:
                put an encrypted one in ssh-agent). The agent's keys
                (SSH_AUTH_SOCK) are offered first; without -i, ssh's
                default ~/.ssh/id_* files after them
  --jump-known-hosts FILE
                known_hosts for the jump hosts (repeatable; default
                ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts, and their
                "2" variants, as ssh)
  --json        one JSON object per target, one per line

Exit status: 0 if any key was found, 1 if none or a jump host failed, 2 on
usage errors, 255 on an unsupported -O option or hash algorithm (as
ssh-keyscan 9.3+).
`

// scanFlags is the parsed command line.
type scanFlags struct {
	hinted      bool // the connection-limit hint was given
	network     string
	cert, sshfp bool
	hash, quiet bool
	verbose     int
	hashalg     fingerprint.Hash // -O hashalg=, or 0 for both SSHFP types
	files       []string
	port        int
	timeout     time.Duration
	types       []keyscan.KeyType
	jobs        int
	perHost     int
	legacyKex   bool
	socks5      string // proxy address, or empty
	socks5User  string // user name for the proxy, or empty
	jump        []keyscan.JumpHost
	identities  []string // -i
	jumpKnown   []string // --jump-known-hosts
	json        bool
	hosts       []string
}

// parseScanArgs reads ssh-keyscan's getopt-style flags ("-cH", "-p2222",
// flags after hosts) and the long ones.
func parseScanArgs(args []string) (*scanFlags, error) {
	f := &scanFlags{}
	value := func(name string, args []string, i *int, rest string) (string, error) {
		if rest != "" {
			return rest, nil
		}
		if *i+1 >= len(args) {
			return "", fmt.Errorf("option %s needs a value", name)
		}
		*i++
		return args[*i], nil
	}
	intValue := func(name, s string, lo, hi int) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("bad %s %q", name, s)
		}
		return n, nil
	}
	onlyHosts := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if onlyHosts || a == "-" || !strings.HasPrefix(a, "-") {
			f.hosts = append(f.hosts, a)
			continue
		}
		if a == "--" {
			onlyHosts = true
			continue
		}
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			var err error
			switch name {
			case "json", "legacy-kex", "help":
				if hasVal {
					return nil, fmt.Errorf("option --%s takes no value", name)
				}
				switch name {
				case "json":
					f.json = true
				case "legacy-kex":
					f.legacyKex = true
				case "help":
					return nil, errHelp
				}
			case "jump-known-hosts":
				if !hasVal {
					if val, err = value("--jump-known-hosts", args, &i, ""); err != nil {
						return nil, err
					}
				}
				if val == "" {
					return nil, errors.New("option --jump-known-hosts needs a file name")
				}
				f.jumpKnown = append(f.jumpKnown, val)
			case "socks5":
				if !hasVal {
					if val, err = value("--socks5", args, &i, ""); err != nil {
						return nil, err
					}
				}
				if user, addr, ok := strings.Cut(val, "@"); ok {
					if user == "" || len(user) > 255 {
						return nil, fmt.Errorf("bad --socks5 user %q: want 1 to 255 bytes", user)
					}
					f.socks5User, val = user, addr
				}
				if f.socks5, err = proxyAddr(val); err != nil {
					return nil, err
				}
			case "per-host":
				if !hasVal {
					if val, err = value("--per-host", args, &i, ""); err != nil {
						return nil, err
					}
				}
				if f.perHost, err = intValue("--per-host", val, 1, 1000); err != nil {
					return nil, err
				}
			default:
				return nil, fmt.Errorf("unknown option --%s", name)
			}
			continue
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			rest := a[j+1:]
			var err error
			var v string
			switch c {
			case '4':
				f.network = "tcp4"
			case '6':
				f.network = "tcp6"
			case 'c':
				f.cert = true
			case 'D':
				f.sshfp = true
			case 'H':
				f.hash = true
			case 'q':
				f.quiet = true
			case 'v':
				f.verbose++
			case 'h':
				return nil, errHelp
			case 'f', 'p', 'T', 't', 'j', 'O', 'J', 'i':
				if v, err = value("-"+string(c), args, &i, rest); err != nil {
					return nil, err
				}
				switch c {
				case 'f':
					f.files = append(f.files, v)
				case 'p':
					f.port, err = intValue("port", v, 1, 65535)
				case 'T':
					f.timeout, err = parseConvtime(v)
				case 't':
					f.types, err = parseKeyTypes(v)
				case 'j':
					f.jobs, err = intValue("-j", v, 1, 100000)
				case 'O':
					f.hashalg, err = parseScanOption(v)
				case 'J':
					if f.jump != nil {
						return nil, errors.New("only one -J option is allowed: separate the jump hosts with commas")
					}
					f.jump, err = parseJumpHosts(v)
				case 'i':
					if v == "" {
						return nil, errors.New("option -i needs a file name")
					}
					f.identities = append(f.identities, v)
				}
				if err != nil {
					return nil, err
				}
				j = len(a) // the value used the rest of the word
			default:
				return nil, fmt.Errorf("unknown option -%c", c)
			}
		}
	}
	switch {
	case f.jump != nil && f.socks5 != "":
		return nil, errors.New("-J and --socks5 cannot be combined")
	case f.jump == nil && f.identities != nil:
		return nil, errors.New("-i is for the jump hosts of -J")
	case f.jump == nil && f.jumpKnown != nil:
		return nil, errors.New("--jump-known-hosts is for the jump hosts of -J")
	}
	return f, nil
}

var errHelp = errors.New("help requested")

// parseKeyTypes reads -t with keyscan.ParseKeyTypes.
func parseKeyTypes(v string) ([]keyscan.KeyType, error) {
	types, err := keyscan.ParseKeyTypes(v)
	var te *keyscan.KeyTypeError
	if errors.As(err, &te) {
		return nil, fmt.Errorf("unknown key type %q in -t (want rsa, ecdsa, ed25519, ecdsa-sk, ed25519-sk or dsa)", te.Name)
	}
	return types, err
}

// socks5PasswordEnv holds the SOCKS5 proxy's password for --socks5
// USER@HOST:PORT.
const socks5PasswordEnv = "HOSTKEYS_SOCKS5_PASSWORD"

// proxyAddr checks a --socks5 value: host:port, [IPv6]:port.
func proxyAddr(v string) (string, error) {
	host, port, err := net.SplitHostPort(v)
	if err == nil && host == "" {
		err = errors.New("no host")
	}
	if err == nil {
		if n, perr := strconv.Atoi(port); perr != nil || n < 1 || n > 65535 {
			err = fmt.Errorf("bad port %q", port)
		}
	}
	if err != nil {
		return "", fmt.Errorf("bad --socks5 address %q: want HOST:PORT", v)
	}
	return v, nil
}

// exitFatal is ssh-keyscan's status for an unsupported -O option or hash
// algorithm (its fatal()).
const exitFatal = 255

// optionError is a -O value ssh-keyscan rejects with fatal(): exit 255.
type optionError struct{ msg, hint string }

func (e *optionError) Error() string { return e.msg }

// parseScanOption reads a -O option as ssh-keyscan 9.3+ does:
// hashalg=sha1 or hashalg=sha256, case-insensitive, the only option. Other
// digest names ssh-keyscan knows (md5, sha384, sha512) have no SSHFP
// fingerprint type: it prints nothing for them, we refuse them.
func parseScanOption(v string) (fingerprint.Hash, error) {
	name, val, ok := strings.Cut(v, "=")
	if !ok || name != "hashalg" {
		return 0, &optionError{fmt.Sprintf("unsupported -O option %q", v),
			"the only -O option is hashalg=sha1 or hashalg=sha256"}
	}
	if h, err := fingerprint.ParseHash(val); err == nil && sshfprr.Type(h) != 0 {
		return h, nil
	}
	return 0, &optionError{fmt.Sprintf("unsupported hash algorithm %q", val),
		"SSHFP records have sha1 and sha256 fingerprints: -O hashalg=sha1 or -O hashalg=sha256"}
}

// parseConvtime reads a time as OpenSSH's convtime does: a number of seconds
// or a sequence of numbers with s, m, h, d or w suffixes ("1m30s").
func parseConvtime(s string) (time.Duration, error) {
	bad := fmt.Errorf("bad timeout %q", s)
	if s == "" {
		return 0, bad
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 {
			return 0, bad
		}
		n, _ := strconv.Atoi(s[:i])
		unit := time.Second
		s = s[i:]
		if s != "" {
			switch s[0] {
			case 's', 'S':
			case 'm', 'M':
				unit = time.Minute
			case 'h', 'H':
				unit = time.Hour
			case 'd', 'D':
				unit = 24 * time.Hour
			case 'w', 'W':
				unit = 7 * 24 * time.Hour
			default:
				return 0, bad
			}
			s = s[1:]
		}
		total += time.Duration(n) * unit
	}
	if total <= 0 {
		return 0, bad
	}
	return total, nil
}

func runScan(e *env, args []string) int {
	f, err := parseScanArgs(args)
	if errors.Is(err, errHelp) {
		fmt.Fprint(e.stdout, scanUsage)
		return exitOK
	}
	var oe *optionError
	if errors.As(err, &oe) {
		e.errorf("scan: %s", oe.msg)
		e.hintf("%s", oe.hint)
		return exitFatal
	}
	if err != nil {
		e.errorf("scan: %s", msg(err))
		e.hintf("run \"hostkeys scan -h\" for the flags")
		return exitUsage
	}
	if f.hashalg != 0 && !f.sshfp {
		e.warnf("scan: -O hashalg only applies to SSHFP records (-D)")
	}
	var targets []keyscan.Target
	badTargets := false
	for _, h := range f.hosts {
		ts, err := keyscan.ParseTarget(h)
		if err != nil {
			e.errorf("scan: %s", msg(err))
			badTargets = true
			continue
		}
		targets = append(targets, ts...)
	}
	for _, name := range f.files {
		var r io.Reader
		if name == "-" {
			r = e.stdin
			name = "(stdin)"
		} else {
			fh, err := os.Open(name)
			if err != nil {
				e.errorf("scan: %v", err)
				return exitUsage
			}
			defer fh.Close()
			r = fh
		}
		ts, errs := keyscan.ReadTargets(r, name, nil)
		for _, err := range errs {
			e.errorf("scan: %s", msg(err))
			badTargets = true
		}
		targets = append(targets, ts...)
	}
	if len(targets) == 0 {
		if !badTargets {
			e.errorf("scan: no host given")
			e.hintf("name hosts as arguments or in a file with -f FILE")
		}
		return exitUsage
	}

	s := &keyscan.Scanner{
		Port:               f.port,
		KeyTypes:           f.types,
		Certificates:       f.cert,
		Timeout:            f.timeout,
		Concurrency:        f.jobs,
		PerHost:            f.perHost,
		Network:            f.network,
		LegacyKeyExchanges: f.legacyKex,
	}
	if f.socks5 != "" {
		var auth *keyscan.SOCKS5Auth
		if f.socks5User != "" {
			// From the environment, not argv, which other users can read.
			pw := e.getenv(socks5PasswordEnv)
			if pw == "" || len(pw) > 255 {
				e.errorf("scan: --socks5 %s@%s: the proxy password is read from %s, which is empty or longer than 255 bytes", f.socks5User, f.socks5, socks5PasswordEnv)
				return exitUsage
			}
			auth = &keyscan.SOCKS5Auth{User: f.socks5User, Password: pw}
		}
		s.Dial = keyscan.SOCKS5Dialer(f.socks5, auth)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if f.jump != nil {
		network := f.network
		if network == "" {
			network = "tcp"
		}
		chain, code, ok := dialJumpHosts(ctx, e, "scan", &jumpOptions{hops: f.jump, identities: f.identities,
			knownHosts: f.jumpKnown, timeout: f.timeout, network: network, verbose: f.verbose > 0}, exitFindings)
		if !ok {
			return code
		}
		defer chain.Close()
		s.Dial = chain.DialContext
	}
	// A scan waits on the network; its client-side crypto is well under a
	// millisecond per key. One P saves cross-thread wake-ups: about a tenth
	// of the client CPU in bench/keyscan.sh. GOMAXPROCS in the environment
	// still wins.
	if e.getenv("GOMAXPROCS") == "" {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}

	p := newProgress(e.stderr, len(targets))
	found := false
	err = s.Scan(ctx, targets, func(r *keyscan.Result) {
		p.clear()
		if len(r.Keys) > 0 {
			found = true
		}
		if f.json {
			b, err := json.Marshal(r)
			if err != nil {
				e.errorf("scan: %v", err)
				return
			}
			e.stdout.Write(append(b, '\n'))
			reportFailures(e, f, r)
		} else {
			printResult(e, f, r)
		}
		p.done(len(r.Keys) > 0)
	})
	p.clear()
	if err != nil {
		e.errorf("scan: %v", err)
	}
	if !found {
		return exitFindings
	}
	return exitOK
}

// digests are the SSHFP fingerprint types to print: nil means all.
func (f *scanFlags) digests() []fingerprint.Hash {
	if f.hashalg == 0 {
		return nil
	}
	return []fingerprint.Hash{f.hashalg}
}

// printResult writes a target's key lines to stdout and its comment lines,
// failures and (with -v) details to stderr.
func printResult(e *env, f *scanFlags, r *keyscan.Result) {
	names := r.Target.OutputNames()
	var out, errOut bytes.Buffer
	for _, k := range r.Keys {
		if !f.quiet {
			fmt.Fprintln(&errOut, keyscan.CommentLine(r.Host, r.Port, k.Banner, f.sshfp))
		}
		var lines []string
		if f.sshfp {
			lines = keyscan.SSHFPLines(names, r.Port, k.Key, f.hash, f.digests()...)
		} else {
			lines = keyscan.KnownHostsLines(names, r.Port, k.Key, f.hash)
		}
		for _, l := range lines {
			out.WriteString(l + "\n")
		}
		if f.verbose > 0 {
			fmt.Fprintf(&errOut, "hostkeys: %s: %s key via %s, kex %s, %s\n",
				r.Addr, k.Type, k.Algorithm, k.KeyExchange, k.Duration.Round(time.Millisecond))
		}
	}
	e.stdout.Write(out.Bytes())
	e.stderr.Write(errOut.Bytes())
	reportFailures(e, f, r)
}

// reportFailures writes a target's failures to stderr: errors when it gave
// no key, warnings otherwise; with -v, what was negotiated.
func reportFailures(e *env, f *scanFlags, r *keyscan.Result) {
	report := e.warnf
	if len(r.Keys) == 0 {
		report = e.errorf
	}
	for _, err := range r.Errors {
		report("scan: %s", msg(err))
		var ke *keyscan.Error
		if errors.As(err, &ke) && ke.Kind == keyscan.Closed && ke.Stage == keyscan.StageBanner && !f.hinted {
			f.hinted = true
			e.hintf("a server that closes connections before its banner may be limiting them (sshd's MaxStartups, PerSourcePenalties); try a lower --per-host")
		}
	}
	if len(r.Keys) == 0 && !f.legacyKex && r.KexInit.NeedsLegacyKeyExchanges() {
		e.hintf("%s offers only SHA-1 key exchanges (%s); --legacy-kex accepts them, the host key's proof then resting on SHA-1",
			hostPortLabel(r), strings.Join(r.KexInit.KeyExchangeMethods(), ","))
	}
	switch {
	case len(r.Keys) == 0 && len(r.Errors) == 0:
		e.errorf("scan: %s", msg(r.Err()))
	case len(r.NotOffered) > 0 && (f.types != nil || f.verbose > 0):
		e.warnf("scan: %s: no %s key offered (the server offers %s)", hostPortLabel(r), joinTypes(r.NotOffered),
			strings.Join(offered(r), ","))
	}
	if f.verbose > 0 && r.Negotiated != nil {
		n := r.Negotiated
		fmt.Fprintf(e.stderr, "hostkeys: %s: banner %q, kex %s, cipher %s, %d key(s) in %s\n",
			hostPortLabel(r), r.Banner, n.KeyExchange, n.CipherServerClient, len(r.Keys), r.Duration.Round(time.Millisecond))
	}
}

// msg says what went wrong in the CLI's words: a keyscan error from its
// fields (its Error adds the package's prefix), others as they are.
func msg(err error) string {
	var ke *keyscan.Error
	var te *keyscan.TargetError
	switch {
	case errors.As(err, &ke):
		what, tries := "", ""
		if ke.KeyType != "" {
			what = " (" + string(ke.KeyType) + ")"
		}
		if ke.Attempts > 1 {
			tries = fmt.Sprintf(" (%d attempts)", ke.Attempts)
		}
		return fmt.Sprintf("%s%s: %s during %s after %s%s: %v",
			ke.Addr, what, ke.Kind.String(), ke.Stage, ke.Elapsed.Round(time.Millisecond), tries, ke.Err)
	case errors.As(err, &te) && te.Name == "":
		return fmt.Sprintf("target %q: %v", te.Text, te.Err)
	case errors.As(err, &te) && te.Text == "":
		return fmt.Sprintf("%s:%d: %v", te.Name, te.Line, te.Err)
	case errors.As(err, &te):
		return fmt.Sprintf("%s:%d: %q: %v", te.Name, te.Line, te.Text, te.Err)
	}
	return err.Error()
}

func hostPortLabel(r *keyscan.Result) string {
	if r.Addr != "" {
		return r.Addr
	}
	return r.Target.String()
}

func offered(r *keyscan.Result) []string {
	if r.KexInit == nil {
		return []string{"(unknown)"}
	}
	return r.KexInit.HostKeyAlgorithms
}

func joinTypes(ts []keyscan.KeyType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// progress shows "[done/total]" on stderr for long scans when stderr is a
// terminal.
type progress struct {
	w           io.Writer
	total, n    int
	found       int
	last        time.Time
	shown, live bool
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total}
	if f, ok := w.(*os.File); ok && total >= 20 {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.live = true
		}
	}
	return p
}

func (p *progress) done(found bool) {
	p.n++
	if found {
		p.found++
	}
	if !p.live || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\033[Khostkeys: scanned %d/%d targets, %d with keys", p.n, p.total, p.found)
	p.shown = true
}

func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
