// Package dnslab runs a DNSSEC lab on loopback for tests: nsd serving
// a zone signed with ldns-signzone, and unbound validating it with the
// zone's DS as its only trust anchor. Both daemons are started by the test
// on free 127.0.0.1 ports, in the foreground, and stopped by PID when the
// test ends; nothing else is touched (no port 53, no resolv.conf).
//
// The programs come from the Debian packages nsd, unbound and ldnsutils;
// as with internal/testpeer, a missing one skips the test locally and
// fails it in CI (CI=true).
package dnslab

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/hostkeys/hostkeys/internal/testpeer"
)

// unboundVerbosity is raised by a test that checks where unbound sends
// its queries.
var unboundVerbosity = 1

// Lab is a running nsd + unbound pair.
type Lab struct {
	// Zone is the signed zone, "example.test.".
	Zone string
	// Auth is nsd's address (authoritative, signed answers with DO).
	Auth string
	// Resolver is unbound's address (validating, AD on secure answers).
	Resolver string
	// AnchorFile holds the zone's DS record (ldns-keygen's .ds file), the
	// trust anchor unbound uses; KeyFile the KSK's DNSKEY record.
	AnchorFile, KeyFile string
	// Dir is the lab's directory.
	Dir string
	// NSD and Unbound are the programs, NSDConf and UnboundConf their
	// configuration files (run them with -d -c FILE).
	NSD, Unbound, NSDConf, UnboundConf string
}

// Options change how the zone is signed. The zero Options sign with
// signatures valid from one hour ago to 30 days ahead.
type Options struct {
	// Inception and Expiration bound the signatures. If zero, now-1h and
	// now+30 days.
	Inception, Expiration time.Time
}

// Start signs a zone example.test. holding records (zone-file lines, such
// as ssh-keygen -r output with relative or absolute owners) and starts nsd
// and unbound for it on free ports.
func Start(t testing.TB, records []string, opt Options) *Lab {
	t.Helper()
	l := Configure(t, records, opt, freePort(t), freePort(t))
	start(t, l.NSD, "-d", "-c", l.NSDConf)
	waitFor(t, l.Auth, "nsd", filepath.Join(l.Dir, "run", "nsd.log"))
	start(t, l.Unbound, "-d", "-c", l.UnboundConf)
	waitFor(t, l.Resolver, "unbound", filepath.Join(l.Dir, "run", "unbound.log"))
	return l
}

// Configure signs the zone and writes the configuration of nsd (on
// authPort) and unbound (on resolverPort), both on 127.0.0.1, without
// starting them: for tests that run them elsewhere, such as in a network
// namespace where unbound can have port 53.
func Configure(t testing.TB, records []string, opt Options, authPort, resolverPort int) *Lab {
	t.Helper()
	nsd := testpeer.Binary(t, "nsd", "nsd")
	unbound := testpeer.Binary(t, "unbound", "unbound")
	keygen := testpeer.Binary(t, "ldns-keygen", "ldnsutils")
	signzone := testpeer.Binary(t, "ldns-signzone", "ldnsutils")

	dir := t.TempDir()
	l := &Lab{Zone: "example.test.", Dir: dir}
	zoneDir := filepath.Join(dir, "zone")
	runDir := filepath.Join(dir, "run")
	for _, d := range []string{zoneDir, runDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var zone strings.Builder
	zone.WriteString("$ORIGIN example.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 127.0.0.1\nhost A 127.0.0.1\n")
	for _, r := range records {
		zone.WriteString(r + "\n")
	}
	writeFile(t, filepath.Join(zoneDir, "example.test.zone"), zone.String())

	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = zoneDir
		out, err := cmd.Output()
		if err != nil {
			stderr := ""
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			t.Fatalf("dnslab: %s %v: %v\n%s", name, args, err, stderr)
		}
		return strings.TrimSpace(string(out))
	}
	ksk := run(keygen, "-a", "ED25519", "-k", "example.test")
	zsk := run(keygen, "-a", "ED25519", "example.test")
	inc, exp := opt.Inception, opt.Expiration
	if inc.IsZero() {
		inc = time.Now().Add(-time.Hour)
	}
	if exp.IsZero() {
		exp = time.Now().Add(30 * 24 * time.Hour)
	}
	const stamp = "20060102150405"
	run(signzone, "-n", "-t", "0", "-i", inc.UTC().Format(stamp), "-e", exp.UTC().Format(stamp),
		"example.test.zone", zsk, ksk)
	l.AnchorFile = filepath.Join(zoneDir, ksk+".ds")
	l.KeyFile = filepath.Join(zoneDir, ksk+".key")

	l.Auth = net.JoinHostPort("127.0.0.1", strconv.Itoa(authPort))
	writeFile(t, filepath.Join(dir, "nsd.conf"), fmt.Sprintf(`server:
	ip-address: 127.0.0.1@%d
	username: ""
	chroot: ""
	database: ""
	zonesdir: %q
	pidfile: %q
	xfrdfile: %q
	zonelistfile: %q
	xfrdir: %q
	logfile: %q
	server-count: 1
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: "example.test"
	zonefile: "example.test.zone.signed"
`, authPort, zoneDir, filepath.Join(runDir, "nsd.pid"), filepath.Join(runDir, "xfrd.state"),
		filepath.Join(runDir, "zone.list"), runDir, filepath.Join(runDir, "nsd.log")))
	resPort := resolverPort
	l.Resolver = net.JoinHostPort("127.0.0.1", strconv.Itoa(resPort))
	writeFile(t, filepath.Join(dir, "unbound.conf"), fmt.Sprintf(`server:
	interface: 127.0.0.1@%d
	port: %d
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	local-zone: "test." nodefault
	username: ""
	chroot: ""
	directory: %q
	pidfile: %q
	logfile: %q
	use-syslog: no
	num-threads: 1
	so-reuseport: no
	outgoing-range: 64
	num-queries-per-thread: 32
	do-ip6: no
	val-log-level: 2
	trust-anchor-file: %q
	verbosity: %d
remote-control:
	control-enable: no
stub-zone:
	name: "example.test"
	stub-addr: 127.0.0.1@%d
# Everything else goes to nsd too (and is refused), so that unbound never
# asks the root servers, whatever the tests query.
stub-zone:
	name: "."
	stub-addr: 127.0.0.1@%d
`, resPort, resPort, dir, filepath.Join(runDir, "unbound.pid"), filepath.Join(runDir, "unbound.log"),
		l.AnchorFile, unboundVerbosity, authPort, authPort))
	l.NSD, l.Unbound = nsd, unbound
	l.NSDConf, l.UnboundConf = filepath.Join(dir, "nsd.conf"), filepath.Join(dir, "unbound.conf")
	return l
}

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a port free for both UDP and TCP on 127.0.0.1 now.
func freePort(t testing.TB) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", ln.Addr().String())
		ln.Close()
		if err == nil {
			pc.Close()
			return port
		}
	}
	t.Fatal("dnslab: no free port")
	return 0
}

// start runs a daemon in the foreground and stops it, by its PID, when
// the test ends.
func start(t testing.TB, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("dnslab: %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() && out.Len() > 0 {
			t.Logf("%s output:\n%s", filepath.Base(name), out.String())
		}
	})
}

// waitFor polls addr until it answers a query for the zone's SOA.
func waitFor(t testing.TB, addr, what, logfile string) {
	t.Helper()
	c := &dns.Client{Timeout: 300 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion("example.test.", dns.TypeSOA)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		r, _, err := c.ExchangeContext(ctx, m, addr)
		cancel()
		if err == nil && r != nil { // any answer, SERVFAIL included: the daemon is up
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(logfile)
	t.Fatalf("dnslab: %s on %s did not come up\n%s", what, addr, log)
}
