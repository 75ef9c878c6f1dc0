package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runHostkeys runs the CLI in-process.
func runHostkeys(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(&env{stdin: strings.NewReader(""), stdout: &o, stderr: &e, getenv: func(string) string { return "" }}, args)
	return o.String(), e.String(), code
}

// runKeyscan runs the real ssh-keyscan.
func runKeyscan(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	bin := testpeer.Binary(t, "ssh-keyscan", "openssh-client")
	var o, e bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if err != nil && cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("ssh-keyscan %v: %v\n%s", args, err, e.String())
	}
	return o.String(), e.String()
}

func sortedLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func uniqueLines(s string, prefix string) []string {
	var out []string
	for _, l := range sortedLines(s) {
		if strings.HasPrefix(l, prefix) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// TestScanMatchesKeyscan runs hostkeys scan and ssh-keyscan with the same
// flags against the same real servers: the key lines must be the same set.
func TestScanMatchesKeyscan(t *testing.T) {
	sshd := testpeer.StartSSHD(t, testpeer.ServerOptions{Certificates: true, RSABits: 2048})
	dropbear := testpeer.StartDropbear(t, testpeer.ServerOptions{RSABits: 2048})
	hosts := filepath.Join(t.TempDir(), "hosts")
	require.NoError(t, os.WriteFile(hosts, []byte("# comment\n\n127.0.0.1,127.0.0.9 Web1.Example,web1 # names\n"), 0o644))

	for _, srv := range []*testpeer.SSHServer{sshd, dropbear} {
		port := strconv.Itoa(srv.Port)
		cases := [][]string{
			{"-p", port, "127.0.0.1"},
			{"-p", port, "-t", "ed25519", "127.0.0.1"},
			{"-p", port, "-t", "rsa,ecdsa", "127.0.0.1"},
			{"-p", port, "-D", "127.0.0.1"},
			{"-p", port, "-t", "ed25519", "-f", hosts},
		}
		if srv.Program == "sshd" {
			cases = append(cases, []string{"-p", port, "-c", "127.0.0.1"}, []string{"-c", "-p", port, "-t", "ecdsa,ed25519", "127.0.0.1"})
		}
		for _, args := range cases {
			t.Run(srv.Program+" "+strings.Join(args, " "), func(t *testing.T) {
				wantOut, wantErr := runKeyscan(t, args...)
				gotOut, gotErr, code := runHostkeys(t, append([]string{"scan"}, args...)...)
				require.NotEmpty(t, wantOut, "ssh-keyscan found nothing: %s", wantErr)
				assert.Equal(t, 0, code, gotErr)
				assert.Equal(t, sortedLines(wantOut), sortedLines(gotOut))
				c := "#"
				if slices.Contains(args, "-D") {
					c = ";"
				}
				assert.Equal(t, uniqueLines(wantErr, c+" "), uniqueLines(gotErr, c+" "))
			})
		}
	}
}

// TestScanHashed checks -H by lookup: ssh-keygen -F finds every hashed line
// for [127.0.0.1]:port, and the keys are those ssh-keyscan -H prints.
func TestScanHashed(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	sshd := testpeer.StartSSHD(t, testpeer.ServerOptions{RSABits: 2048})
	port := strconv.Itoa(sshd.Port)
	args := []string{"-H", "-p", port, "127.0.0.1"}
	wantOut, _ := runKeyscan(t, args...)
	gotOut, gotErr, code := runHostkeys(t, append([]string{"scan"}, args...)...)
	require.Equal(t, 0, code, gotErr)
	keysOf := func(s string) []string {
		var ks []string
		for _, l := range sortedLines(s) {
			f := strings.Fields(l)
			require.Len(t, f, 3, l)
			require.True(t, strings.HasPrefix(f[0], "|1|"), l)
			ks = append(ks, f[1]+" "+f[2])
		}
		slices.Sort(ks)
		return ks
	}
	assert.Equal(t, keysOf(wantOut), keysOf(gotOut))

	kh := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(kh, []byte(gotOut), 0o600))
	out, err := exec.Command(keygen, "-F", "[127.0.0.1]:"+port, "-f", kh).Output()
	require.NoError(t, err)
	found := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "|1|") {
			found++
		}
	}
	assert.Equal(t, 3, found, "ssh-keygen -F output:\n%s", out)
	out, _ = exec.Command(keygen, "-F", "[127.0.0.2]:"+port, "-f", kh).Output()
	assert.NotContains(t, string(out), "|1|")
}
