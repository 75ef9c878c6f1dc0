package sshfp_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/internal/dnslab"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/sshfp"
)

// netnsChild names the environment variable that makes
// TestADTrustRealUnbound run its lookups (inside the namespace).
const netnsChild = "HOSTKEYS_SSHFP_NETNS_DIR"

// TestADTrustRealUnbound: the resolv.conf rule against a real validating
// unbound on 127.0.0.1:53 of a private network namespace (unshare -n -m,
// as root): its AD bit is believed with "options trust-ad" in resolv.conf
// and not without, as glibc 2.31 decides, although it is on loopback.
func TestADTrustRealUnbound(t *testing.T) {
	if dir := os.Getenv(netnsChild); dir != "" {
		lookupsInNamespace(t, dir)
		return
	}
	unshare := testpeer.Binary(t, "unshare", "util-linux")
	if out, err := exec.Command(unshare, "-n", "-m", "true").CombinedOutput(); err != nil {
		msg := fmt.Sprintf("unshare -n -m does not work here (needs root): %v %s", err, out)
		if testpeer.InCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	lab := dnslab.Configure(t, records(t, "host", labKey), dnslab.Options{}, 5353, 53)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "plain.conf"), "nameserver 127.0.0.1\noptions edns0\n")
	writeFile(t, filepath.Join(dir, "trust-ad.conf"), "nameserver 127.0.0.1\noptions edns0 trust-ad\n")
	script := fmt.Sprintf(`set -u
ip link set lo up
%s -d -c %s >%s/nsd.out 2>&1 & NSD=$!
%s -d -c %s >%s/unbound.out 2>&1 & UB=$!
%s -test.run '^TestADTrustRealUnbound$' -test.v; rc=$?
kill $NSD $UB; wait
exit $rc
`, lab.NSD, lab.NSDConf, dir, lab.Unbound, lab.UnboundConf, dir, os.Args[0])
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "-n", "-m", "sh", "-c", script)
	cmd.Env = append(os.Environ(), netnsChild+"="+dir, "RES_OPTIONS=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	got := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "RESULT "); ok {
			conf, verdict, _ := strings.Cut(rest, " ")
			got[conf] = verdict
		}
	}
	assert.Equal(t, map[string]string{
		"plain.conf": "insecure: resolver 127.0.0.1:53 set the AD bit, but it is not trusted (it comes from " +
			filepath.Join(dir, "plain.conf") + ", which lacks options trust-ad, and is not named in Trusted)",
		"trust-ad.conf": "secure: AD bit from trusted resolver 127.0.0.1:53 (" + filepath.Join(dir, "trust-ad.conf") + " has options trust-ad)",
		"servers":       "secure: AD bit from trusted resolver 127.0.0.1:53 (on loopback and named in Servers)",
	}, got, "%s", out)
}

// lookupsInNamespace waits for unbound, then looks the lab host up with
// each resolv.conf of dir and with the server named, printing verdicts.
func lookupsInNamespace(t *testing.T, dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	named := &sshfp.Resolver{Servers: []string{"127.0.0.1"}, Timeout: time.Second}
	for {
		a, err := named.Lookup(ctx, "host.example.test")
		if err == nil && a.Secure() {
			fmt.Printf("RESULT servers %s: %s\n", a.Security, a.Reason)
			break
		}
		require.NoError(t, ctx.Err(), "unbound did not answer securely: %v %+v", err, a)
		time.Sleep(100 * time.Millisecond)
	}
	for _, conf := range []string{"plain.conf", "trust-ad.conf"} {
		r := &sshfp.Resolver{ResolvConf: filepath.Join(dir, conf)}
		a, err := r.Lookup(ctx, "host.example.test")
		require.NoError(t, err)
		fmt.Printf("RESULT %s %s: %s\n", conf, a.Security, a.Reason)
	}
}
