package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
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
			{"-p", port, "-t", "ed25519", "127.0.0.1,Localhost"},
			{"-p", port, "-t", "ed25519", "-H", "-D", "127.0.0.1,localhost"},
			{"-p", port, "-t", "ed25519", "127.0.0.0/29"},
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

// TestScanIPv6MatchesKeyscan: an IPv6 literal, [::1]:port in the key lines
// and an unbracketed "::1:port" in the comment lines, as ssh-keyscan.
func TestScanIPv6MatchesKeyscan(t *testing.T) {
	if l, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		l.Close()
	}
	sshd := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}, IPv6: true})
	args := []string{"-p", strconv.Itoa(sshd.Port), "::1"}
	wantOut, wantErr := runKeyscan(t, args...)
	gotOut, gotErr, code := runHostkeys(t, append([]string{"scan"}, args...)...)
	require.Equal(t, 0, code, gotErr)
	assert.Equal(t, sortedLines(wantOut), sortedLines(gotOut))
	assert.Equal(t, uniqueLines(wantErr, "# "), uniqueLines(gotErr, "# "))
}

// TestScanJSONAndQuiet: --json gives one object per target with verified
// keys and their fingerprints; -q drops the comment lines; a refused
// target is reported while the good one is scanned.
func TestScanJSONAndQuiet(t *testing.T) {
	sshd := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	refused := testpeer.FreePort(t)
	good := "127.0.0.1:" + strconv.Itoa(sshd.Port)
	bad := "127.0.0.1:" + strconv.Itoa(refused)

	out, errOut, code := runHostkeys(t, "scan", "-q", good, bad)
	assert.Equal(t, 0, code)
	assert.Equal(t, "[127.0.0.1]:"+strconv.Itoa(sshd.Port)+" "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshd.Keys[0])))+"\n", out)
	assert.NotContains(t, errOut, "# ")
	assert.Contains(t, errOut, "hostkeys: error: scan: "+bad+": refused during connect")

	out, _, code = runHostkeys(t, "scan", "--json", good, bad)
	assert.Equal(t, 0, code)
	lines := sortedLines(out)
	require.Len(t, lines, 2)
	byAddr := map[string]map[string]any{}
	for _, l := range lines {
		var j map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &j), l)
		byAddr[j["addr"].(string)] = j
	}
	g := byAddr[good]
	require.NotNil(t, g)
	assert.Equal(t, true, g["ok"])
	keys := g["keys"].([]any)
	require.Len(t, keys, 1)
	k := keys[0].(map[string]any)
	assert.Equal(t, "ed25519", k["type"])
	assert.Equal(t, fingerprint.Of(sshd.Keys[0], fingerprint.SHA256).String(), k["fingerprint"])
	assert.Equal(t, "ssh-ed25519", g["negotiated"].(map[string]any)["hostkey"])
	b := byAddr[bad]
	require.NotNil(t, b)
	assert.Equal(t, false, b["ok"])
	assert.Equal(t, "refused", b["errors"].([]any)[0].(map[string]any)["kind"])
}

// TestScanClosedBeforeBanner: a server that hangs up at once is retried,
// then reported with a hint about connection limits.
func TestScanClosedBeforeBanner(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	out, errOut, code := runHostkeys(t, "scan", "-p", port, "127.0.0.1")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Regexp(t, `hostkeys: error: scan: 127\.0\.0\.1:`+port+`: closed by peer during banner after \S+ \(5 attempts\): `, errOut)
	assert.Contains(t, errOut, "hostkeys: hint: a server that closes connections before its banner")
}

// TestScanHashalg: -D -O hashalg=sha1|sha256 (ssh-keyscan 9.3+; 9.2 lacks
// it) prints the records of that fingerprint type only: those ssh-keygen -r
// prints for the server's key files, and those of -D without -O.
func TestScanHashalg(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	sshd := testpeer.StartSSHD(t, testpeer.ServerOptions{RSABits: 2048})
	port := strconv.Itoa(sshd.Port)
	var oracle []string // ssh-keygen -r 127.0.0.1 -f each key file
	for _, f := range sshd.KeyFiles {
		out, err := exec.Command(keygen, "-r", "127.0.0.1", "-f", f).Output()
		require.NoError(t, err, f)
		oracle = append(oracle, sortedLines(string(out))...)
	}
	require.Len(t, oracle, 6)
	all, errOut, code := runHostkeys(t, "scan", "-p", port, "-D", "127.0.0.1")
	require.Equal(t, 0, code, errOut)
	allLines := sortedLines(all)
	slices.Sort(oracle)
	require.Equal(t, oracle, allLines)

	ofType := func(lines []string, typ string) []string {
		var out []string
		for _, l := range lines {
			if f := strings.Fields(l); len(f) == 6 && f[4] == typ {
				out = append(out, l)
			}
		}
		return out
	}
	for _, c := range []struct{ opt, typ string }{
		{"hashalg=sha1", "1"}, {"hashalg=sha256", "2"}, {"hashalg=SHA256", "2"},
	} {
		t.Run(c.opt, func(t *testing.T) {
			out, errOut, code := runHostkeys(t, "scan", "-p", port, "-D", "-O", c.opt, "127.0.0.1")
			require.Equal(t, 0, code, errOut)
			got := sortedLines(out)
			require.Len(t, got, 3)
			assert.Equal(t, ofType(oracle, c.typ), got)
			assert.Equal(t, ofType(allLines, c.typ), got)
			assert.NotContains(t, errOut, "warning")
			assert.Contains(t, errOut, "; 127.0.0.1:"+port+" SSH-2.0-")
		})
	}
	// Without -D the option changes nothing, with a warning.
	out, errOut, code := runHostkeys(t, "scan", "-p", port, "-t", "ed25519", "-Ohashalg=sha1", "127.0.0.1")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "[127.0.0.1]:"+port+" "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshd.Keys[2])))+"\n", out)
	assert.Contains(t, errOut, "hostkeys: warning: scan: -O hashalg only applies to SSHFP records (-D)")
}

// TestScanSOCKS5: --socks5 through the real ssh -D (logged into another
// sshd) prints what a direct scan prints.
func TestScanSOCKS5(t *testing.T) {
	jump := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, Login: true})
	proxy := testpeer.StartSOCKS(t, jump)
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{RSABits: 2048})
	args := []string{"-p", strconv.Itoa(target.Port), "127.0.0.1"}
	wantOut, wantErr, code := runHostkeys(t, append([]string{"scan"}, args...)...)
	require.Equal(t, 0, code, wantErr)
	gotOut, gotErr, code := runHostkeys(t, append([]string{"scan", "--socks5", proxy}, args...)...)
	require.Equal(t, 0, code, gotErr)
	assert.Len(t, sortedLines(gotOut), 3)
	assert.Equal(t, sortedLines(wantOut), sortedLines(gotOut))
	assert.Equal(t, uniqueLines(wantErr, "# "), uniqueLines(gotErr, "# "))
	assert.NotContains(t, gotErr, "hostkeys: error")
}

// TestScanLegacyKexHint: a server with only SHA-1 key exchanges gets a
// hint naming --legacy-kex, which then finds its key.
func TestScanLegacyKexHint(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"},
		Config: []string{"KexAlgorithms diffie-hellman-group14-sha1"}})
	args := []string{"-p", strconv.Itoa(srv.Port), "127.0.0.1"}
	out, stderr, code := runHostkeys(t, append([]string{"scan"}, args...)...)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, "no common algorithm during key exchange")
	assert.Contains(t, stderr, "hostkeys: hint: 127.0.0.1:"+strconv.Itoa(srv.Port)+" offers only SHA-1 key exchanges (diffie-hellman-group14-sha1); --legacy-kex accepts them")

	out, stderr, code = runHostkeys(t, append([]string{"scan", "--legacy-kex"}, args...)...)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "ssh-ed25519 ")
	assert.NotContains(t, stderr, "hint")
}

// TestScanNotOfferedWarning: a -t type the server does not offer is a
// warning naming the command, the address and what the server offers.
func TestScanNotOfferedWarning(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	out, errOut, code := runHostkeys(t, "scan", "-p", strconv.Itoa(srv.Port), "-t", "rsa,ed25519", "127.0.0.1")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, " ssh-ed25519 ")
	assert.Regexp(t, `(?m)^hostkeys: warning: scan: 127\.0\.0\.1:`+strconv.Itoa(srv.Port)+`: no rsa key offered \(the server offers \S*ssh-ed25519\S*\)$`, errOut)
}
