package sshfp_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/internal/dnslab"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/sshfp"
)

// opensshVerdict is what ssh -v -o VerifyHostKeyDNS=yes said about one host.
type opensshVerdict struct {
	secure, insecure bool // "found N secure|insecure fingerprints in DNS"
	match, mismatch  bool // "matching" / "mismatching host key fingerprint found in DNS"
	notFound         bool // "no host key fingerprint found in DNS"
	lookupError      bool // "DNS lookup error: ..." (NODATA among others)
	abandoned        bool // "Error calculating key fingerprint."
	accepted         bool // got past the host key check ("Permission denied")
}

// TestOpenSSHParity runs the real ssh client with VerifyHostKeyDNS=yes
// against a real sshd, with unbound (validating the nsd-served, signed
// zone) as its resolver, on port 53 of a private network namespace
// (unshare -n -m, as root; the host's resolv.conf is untouched). Trust
// mode A with Policy.Strict must give OpenSSH's verdicts; the default
// policy departs from it exactly where documented.
func TestOpenSSHParity(t *testing.T) {
	unshare := testpeer.Binary(t, "unshare", "util-linux")
	sshBin := testpeer.Binary(t, "ssh", "openssh-client")
	sshd := testpeer.Binary(t, "sshd", "openssh-server")
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	if out, err := exec.Command(unshare, "-n", "-m", "true").CombinedOutput(); err != nil {
		msg := fmt.Sprintf("unshare -n -m does not work here (needs root): %v %s", err, out)
		if testpeer.InCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "hostkey")
	other := filepath.Join(dir, "other")
	for _, f := range []string{hostKey, other} {
		out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", f).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	readKey := func(f string) ssh.PublicKey {
		b, err := os.ReadFile(f + ".pub")
		require.NoError(t, err)
		k, _, _, _, err := ssh.ParseAuthorizedKey(b)
		require.NoError(t, err)
		return k
	}
	lab, newer := readKey(hostKey), readKey(other)
	recs := func(owner string, k ssh.PublicKey) []string {
		rs, err := sshfp.ForKey(owner, k)
		require.NoError(t, err)
		return []string{rs[0].String(), rs[1].String()}
	}
	labRecs := func(owner string) []string { return recs(owner, lab) }
	newRecs := func(owner string) []string { return recs(owner, newer) }
	var zone []string
	zone = append(zone, labRecs("lab")...)
	zone = append(zone, newRecs("new")...)
	zone = append(zone, labRecs("both")...)
	zone = append(zone, newRecs("both")...)
	zone = append(zone, labRecs("unk")...)
	zone = append(zone, "unk IN SSHFP 4 3 00112233445566778899aabbccddeeff")
	zone = append(zone, "other IN SSHFP 6 2 d8d7fe1f64d91c7d1e35a6b97c813f7e598cf9303d38531b248c8430244625b7")
	zone = append(zone, labRecs("sha1")[0], newRecs("sha1")[1])
	hosts := []string{"lab", "new", "both", "unk", "other", "sha1", "none"}

	for _, h := range hosts {
		zone = append(zone, h+" IN A 127.0.0.1") // ssh resolves the name to connect
	}

	// OpenSSH's side, in the namespace: unbound on 127.0.0.1:53.
	ns := dnslab.Configure(t, zone, dnslab.Options{}, 5353, 53)
	writeFile(t, filepath.Join(dir, "sshd_config"), fmt.Sprintf(
		"Port 2222\nListenAddress 127.0.0.1\nHostKey %s\nPidFile %s\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nAuthorizedKeysFile none\n",
		hostKey, filepath.Join(dir, "sshd.pid")))
	writeFile(t, filepath.Join(dir, "resolv.conf"), "nameserver 127.0.0.1\noptions edns0 trust-ad\n")
	var script strings.Builder
	fmt.Fprintf(&script, `set -u
ip link set lo up
mkdir -p /run/sshd
%s -d -c %s >%s/nsd.out 2>&1 & NSD=$!
%s -d -c %s >%s/unbound.out 2>&1 & UB=$!
%s -D -e -f %s/sshd_config >%s/sshd.out 2>&1 & SSHD=$!
mount --bind %s/resolv.conf /etc/resolv.conf
i=0; until getent hosts host.example.test >/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done
`, ns.NSD, ns.NSDConf, dir, ns.Unbound, ns.UnboundConf, dir, sshd, dir, dir, dir)
	for _, h := range hosts {
		fmt.Fprintf(&script, "echo '=== %s'\n%s -v -p 2222 -o VerifyHostKeyDNS=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=10 -o HostKeyAlgorithms=ssh-ed25519 -F none %s.example.test true 2>&1\n",
			h, sshBin, h)
	}
	script.WriteString("kill $NSD $UB $SSHD; wait\n")

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "-n", "-m", "sh", "-c", script.String())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	got := parseOpenSSH(t, string(out), hosts)

	// Our side, trust mode A against a lab with the same records.
	ours := dnslab.Start(t, zone, dnslab.Options{})
	r := &sshfp.Resolver{Servers: []string{ours.Resolver}}
	for _, h := range hosts {
		t.Run(h, func(t *testing.T) {
			o := got[h]
			a, err := r.Lookup(ctx, h+".example.test")
			require.NoError(t, err)
			strict := sshfp.Check(lab, a, sshfp.Policy{Strict: true})
			def := sshfp.Check(lab, a, sshfp.Policy{})
			t.Logf("openssh %+v; strict: %s; default: %s", o, strict.Reason, def.Reason)

			assert.Equal(t, o.secure, a.Secure() && strict.Found, "secure")
			assert.Equal(t, o.notFound || o.lookupError, !strict.Found, "found")
			switch h {
			case "unk":
				// OpenSSH abandons the check on an unknown fingerprint
				// type; we skip the record and accept on the others.
				assert.True(t, o.abandoned)
				assert.False(t, o.accepted)
				assert.True(t, strict.Accepted())
			default:
				assert.Equal(t, o.match, strict.Match, "match")
				assert.Equal(t, o.mismatch, strict.Found && !strict.Match, "mismatch")
				assert.Equal(t, o.accepted, strict.Accepted(), "accepted")
			}
			// The default policy accepts a rotation; otherwise it agrees
			// with the strict one.
			if h == "both" {
				assert.True(t, def.Accepted())
			} else {
				assert.Equal(t, strict.Accepted(), def.Accepted())
			}
		})
	}
}

func parseOpenSSH(t *testing.T, out string, hosts []string) map[string]opensshVerdict {
	t.Helper()
	got := map[string]opensshVerdict{}
	parts := regexp.MustCompile(`(?m)^=== (\w+)$`).Split(out, -1)
	if len(parts) != len(hosts)+1 {
		t.Fatalf("unexpected ssh output:\n%s", out)
	}
	for i, h := range hosts {
		p := parts[i+1]
		got[h] = opensshVerdict{
			secure:      strings.Contains(p, "secure fingerprints in DNS") && !strings.Contains(p, "insecure fingerprints in DNS"),
			insecure:    strings.Contains(p, "insecure fingerprints in DNS"),
			match:       strings.Contains(p, "debug1: matching host key fingerprint found in DNS"),
			mismatch:    strings.Contains(p, "debug1: mismatching host key fingerprint found in DNS"),
			notFound:    strings.Contains(p, "no host key fingerprint found in DNS"),
			lookupError: strings.Contains(p, "DNS lookup error"),
			abandoned:   strings.Contains(p, "Error calculating key fingerprint."),
			accepted:    strings.Contains(p, "Permission denied") || strings.Contains(p, "Authenticated"),
		}
		if !strings.Contains(p, "DNS") {
			t.Fatalf("%s: ssh did not consult DNS:\n%s", h, p)
		}
	}
	return got
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
}
