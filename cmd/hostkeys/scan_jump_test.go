package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// runHostkeysEnv runs the CLI in-process with these environment variables
// (HOME, SSH_AUTH_SOCK) and no others.
func runHostkeysEnv(t *testing.T, vars map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(&env{stdin: strings.NewReader(""), stdout: &o, stderr: &e, getenv: func(k string) string { return vars[k] }}, args)
	return o.String(), e.String(), code
}

// startJump starts an sshd a test can log into, as a jump host.
func startJump(t *testing.T) *testpeer.SSHServer {
	t.Helper()
	return testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}, Login: true})
}

// knownHostsLines are the known_hosts lines of servers' host keys, as
// ssh-keyscan prints them.
func knownHostsLines(srvs ...*testpeer.SSHServer) string {
	var b strings.Builder
	for _, s := range srvs {
		for _, k := range s.Keys {
			b.WriteString(s.HostPort() + " " + string(ssh.MarshalAuthorizedKey(k)))
		}
	}
	return b.String()
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// emptyHome is a HOME without ~/.ssh files, so that no test reads the
// real user's.
func emptyHome(t *testing.T) string {
	return t.TempDir()
}

// hopArg is "user@127.0.0.1:port" for srv.
func hopArg(srv *testpeer.SSHServer) string { return srv.User + "@" + srv.Addr }

// directScan is hostkeys scan of target without a jump host.
func directScan(t *testing.T, target *testpeer.SSHServer) (stdout, stderr string) {
	t.Helper()
	out, errOut, code := runHostkeys(t, "scan", "-p", strconv.Itoa(target.Port), "127.0.0.1")
	require.Equal(t, 0, code, errOut)
	require.NotEmpty(t, out)
	return out, errOut
}

// TestScanJumpAgent: through a jump sshd, logged in with the key the real
// ssh-agent holds (added by ssh-add), with the jump host's keys in a
// known_hosts file: the output is that of a direct scan.
func TestScanJumpAgent(t *testing.T) {
	jump := startJump(t)
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{RSABits: 2048})
	agent := testpeer.StartAgent(t)
	agent.Add(t, jump.UserKeyFile)
	kh := writeFile(t, filepath.Join(t.TempDir(), "jump_known_hosts"), knownHostsLines(jump))

	wantOut, wantErr := directScan(t, target)
	vars := map[string]string{"HOME": emptyHome(t), "SSH_AUTH_SOCK": agent.Socket}
	out, errOut, code := runHostkeysEnv(t, vars, "scan", "-J", hopArg(jump), "--jump-known-hosts", kh,
		"-p", strconv.Itoa(target.Port), "127.0.0.1")
	require.Equal(t, 0, code, "%s\njump sshd log:\n%s", errOut, jump.Log())
	assert.Equal(t, sortedLines(wantOut), sortedLines(out))
	assert.Equal(t, uniqueLines(wantErr, "# "), uniqueLines(errOut, "# "))
	assert.NotContains(t, errOut, "hostkeys: error")

	// -v names the jump host and its verified key; the user defaults to
	// the current one (the one sshd lets in); -D and JSON work the same.
	out, errOut, code = runHostkeysEnv(t, vars, "scan", "-v", "-D", "-J", jump.Addr, "--jump-known-hosts="+kh,
		"-p", strconv.Itoa(target.Port), "127.0.0.1")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "hostkeys: jump host "+hopArg(jump)+": logged in; host key ED25519 "+
		fingerprint.Of(jump.Keys[0], fingerprint.SHA256).String()+" verified by known_hosts\n")
	wantSSHFP, _, _ := runHostkeys(t, "scan", "-D", "-p", strconv.Itoa(target.Port), "127.0.0.1")
	assert.Equal(t, sortedLines(wantSSHFP), sortedLines(out))
}

// TestScanJumpIdentityFile: -i KEYFILE without an agent, the jump host's
// keys in ~/.ssh/known_hosts (the default); a refused target behind the
// jump host is reported as such.
func TestScanJumpIdentityFile(t *testing.T) {
	jump := startJump(t)
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	home := emptyHome(t)
	writeFile(t, filepath.Join(home, ".ssh", "known_hosts"), knownHostsLines(jump))

	wantOut, _ := directScan(t, target)
	vars := map[string]string{"HOME": home}
	out, errOut, code := runHostkeysEnv(t, vars, "scan", "-J", hopArg(jump), "-i", jump.UserKeyFile,
		"-p", strconv.Itoa(target.Port), "127.0.0.1")
	require.Equal(t, 0, code, "%s\njump sshd log:\n%s", errOut, jump.Log())
	assert.Equal(t, wantOut, out)

	// The default identity files (~/.ssh/id_ed25519) are tried without -i.
	key, err := os.ReadFile(jump.UserKeyFile)
	require.NoError(t, err)
	writeFile(t, filepath.Join(home, ".ssh", "id_ed25519"), string(key))
	out, errOut, code = runHostkeysEnv(t, vars, "scan", "-J", hopArg(jump), "-p", strconv.Itoa(target.Port), "127.0.0.1")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, wantOut, out)

	// Nothing listens on the port behind the jump host.
	closed := testpeer.FreePort(t)
	out, errOut, code = runHostkeysEnv(t, vars, "scan", "-J", hopArg(jump), "-p", strconv.Itoa(closed), "127.0.0.1")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "hostkeys: error: scan: 127.0.0.1:"+strconv.Itoa(closed)+": ")
	assert.Contains(t, errOut, "Connection refused")
	assert.NotContains(t, errOut, "jump host")
}

// TestScanJumpTwoHops: jump1 → jump2 → target, jump1's key in the agent and
// jump2's given with -i; jump2 is dialed by jump1. Without jump2's host key
// in known_hosts, the error names jump2.
func TestScanJumpTwoHops(t *testing.T) {
	jump1 := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}, Login: true, LogLevel: "DEBUG"})
	jump2 := startJump(t)
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{RSABits: 2048})
	agent := testpeer.StartAgent(t)
	agent.Add(t, jump1.UserKeyFile)
	dir := t.TempDir()
	kh1 := writeFile(t, filepath.Join(dir, "kh1"), knownHostsLines(jump1))
	kh2 := writeFile(t, filepath.Join(dir, "kh2"), knownHostsLines(jump2))

	wantOut, wantErr := directScan(t, target)
	vars := map[string]string{"HOME": emptyHome(t), "SSH_AUTH_SOCK": agent.Socket}
	hops := hopArg(jump1) + "," + hopArg(jump2)
	out, errOut, code := runHostkeysEnv(t, vars, "scan", "-J", hops, "-i", jump2.UserKeyFile,
		"--jump-known-hosts", kh1, "--jump-known-hosts", kh2, "-p", strconv.Itoa(target.Port), "127.0.0.1")
	require.Equal(t, 0, code, "%s\njump1 log:\n%s\njump2 log:\n%s", errOut, jump1.Log(), jump2.Log())
	assert.Equal(t, sortedLines(wantOut), sortedLines(out))
	assert.Equal(t, uniqueLines(wantErr, "# "), uniqueLines(errOut, "# "))
	// jump1 forwarded the connections to jump2 and to the target.
	assert.Regexp(t, `direct_tcpip: originator \S+ port \d+, target 127\.0\.0\.1 port `+strconv.Itoa(jump2.Port)+`\b`, jump1.Log())
	assert.Regexp(t, `Accepted publickey for `+regexp.QuoteMeta(jump2.User), jump2.Log())

	out, errOut, code = runHostkeysEnv(t, vars, "scan", "-J", hops, "-i", jump2.UserKeyFile,
		"--jump-known-hosts", kh1, "-p", strconv.Itoa(target.Port), "127.0.0.1")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "hostkeys: error: scan: jump host "+hopArg(jump2)+": host key not known: ")
	assert.NotContains(t, errOut, "# 127.0.0.1")
}

// countingListener is a scan target behind the jump host that counts the
// connections it gets, to show that nothing was scanned.
func countingListener(t *testing.T) (port int, accepted *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	accepted = &atomic.Int32{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, accepted
}

// TestScanJumpHostKeyStrict: a jump host whose key is not in known_hosts,
// or differs from the one there, stops the scan (exit 1) before any
// target is dialed, naming the host and the key's fingerprint. The line
// the hint gives, once added, lets the scan through.
func TestScanJumpHostKeyStrict(t *testing.T) {
	jump := startJump(t)
	other := startJump(t) // a server with other host keys
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	agent := testpeer.StartAgent(t)
	agent.Add(t, jump.UserKeyFile)
	port, accepted := countingListener(t)
	vars := map[string]string{"HOME": emptyHome(t), "SSH_AUTH_SOCK": agent.Socket}
	kh := filepath.Join(t.TempDir(), "known_hosts")
	edFP := fingerprint.Of(jump.Keys[0], fingerprint.SHA256).String()

	t.Run("unknown", func(t *testing.T) {
		// Another host's keys only, and a line for the jump host's plain
		// name on another port.
		writeFile(t, kh, knownHostsLines(other)+"127.0.0.2 "+string(ssh.MarshalAuthorizedKey(jump.Keys[0])))
		out, errOut, code := runHostkeysEnv(t, vars, "scan", "-J", hopArg(jump), "--jump-known-hosts", kh,
			"-p", strconv.Itoa(port), "127.0.0.1")
		assert.Equal(t, 1, code)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "hostkeys: error: scan: jump host "+hopArg(jump)+": host key not known: no key for "+
			jump.HostPort()+" in "+kh+"; it offered ED25519 key "+edFP+"\n")
		assert.Contains(t, errOut, "hostkeys: hint: nothing is trusted on first use: check that "+edFP)
		line := jump.HostPort() + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(jump.Keys[0])))
		assert.Contains(t, errOut, "hostkeys: hint:   "+line+"\n")
		assert.Equal(t, int32(0), accepted.Load(), "a target was dialed")

		// The line of the hint is what makes the jump host known.
		writeFile(t, kh, line+"\n")
		out, errOut, code = runHostkeysEnv(t, vars, "scan", "-J", hopArg(jump), "--jump-known-hosts", kh,
			"-p", strconv.Itoa(target.Port), "127.0.0.1")
		assert.Equal(t, 0, code, errOut)
		wantOut, _ := directScan(t, target)
		assert.Equal(t, wantOut, out)
	})

	t.Run("default files", func(t *testing.T) {
		// No --jump-known-hosts and nothing in ~/.ssh: unknown too.
		_, errOut, code := runHostkeysEnv(t, vars, "scan", "-J", hopArg(jump), "-p", strconv.Itoa(port), "127.0.0.1")
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, "host key not known: no key for "+jump.HostPort()+" in "+
			filepath.Join(vars["HOME"], ".ssh", "known_hosts")+", ")
		assert.Contains(t, errOut, edFP)
		assert.Equal(t, int32(0), accepted.Load(), "a target was dialed")
	})

	t.Run("changed", func(t *testing.T) {
		// The other server's Ed25519 key recorded for the jump host.
		writeFile(t, kh, "# jump\n"+jump.HostPort()+" "+string(ssh.MarshalAuthorizedKey(other.Keys[0])))
		out, errOut, code := runHostkeysEnv(t, vars, "scan", "-J", hopArg(jump), "--jump-known-hosts", kh,
			"-p", strconv.Itoa(port), "127.0.0.1")
		assert.Equal(t, 1, code)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "hostkeys: error: scan: jump host "+hopArg(jump)+": host key changed: it offered ED25519 key "+
			edFP+", but "+kh+":2 holds another key for "+jump.HostPort()+"; someone may be intercepting the connection\n")
		assert.Contains(t, errOut, "hostkeys: hint: if the host's key was replaced on purpose")
		assert.Contains(t, errOut, "ssh-keygen -f "+kh+" -R '"+jump.HostPort()+"'")
		assert.Equal(t, int32(0), accepted.Load(), "a target was dialed")
	})

	t.Run("revoked", func(t *testing.T) {
		writeFile(t, kh, knownHostsLines(jump)+"@revoked * "+string(ssh.MarshalAuthorizedKey(jump.Keys[0])))
		_, errOut, code := runHostkeysEnv(t, vars, "scan", "-J", hopArg(jump), "--jump-known-hosts", kh,
			"-p", strconv.Itoa(port), "127.0.0.1")
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, "jump host "+hopArg(jump)+": host key revoked: it offered ED25519 key "+edFP+
			", revoked for "+jump.HostPort()+" at "+kh+":3\n")
		assert.Equal(t, int32(0), accepted.Load(), "a target was dialed")
	})
}

// TestScanJumpAuthFailure: no key the jump host accepts: exit 1, naming
// the hop and what was offered; nothing is scanned.
func TestScanJumpAuthFailure(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	jump := startJump(t)
	port, accepted := countingListener(t)
	kh := writeFile(t, filepath.Join(t.TempDir(), "known_hosts"), knownHostsLines(jump))
	dir := t.TempDir()
	genKey := func(name string, args ...string) string {
		path := filepath.Join(dir, name)
		out, err := exec.Command(keygen, append([]string{"-q", "-t", "ed25519", "-C", "", "-f", path}, args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return path
	}
	wrong1, wrong2 := genKey("wrong1", "-N", ""), genKey("wrong2", "-N", "")
	agent := testpeer.StartAgent(t)
	agent.Add(t, wrong1)
	home := emptyHome(t)
	target := "-p" + strconv.Itoa(port)

	_, errOut, code := runHostkeysEnv(t, map[string]string{"HOME": home, "SSH_AUTH_SOCK": agent.Socket},
		"scan", "-J", hopArg(jump), "-i", wrong2, "--jump-known-hosts", kh, target, "127.0.0.1")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "hostkeys: error: scan: jump host "+hopArg(jump)+": authentication failed (tried agent keys, "+wrong2+")\n")
	assert.Contains(t, errOut, "hostkeys: hint: the jump host must accept one of your keys for user \""+jump.User+"\"")

	// No agent, no -i, no default identity file.
	_, errOut, code = runHostkeysEnv(t, map[string]string{"HOME": home},
		"scan", "-J", hopArg(jump), "--jump-known-hosts", kh, target, "127.0.0.1")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "jump host "+hopArg(jump)+": authentication failed (no key to offer; no agent socket; no identity file given and no "+
		filepath.Join(home, ".ssh", "id_*")+" file)\n")

	// A user the jump host does not know.
	_, errOut, code = runHostkeysEnv(t, map[string]string{"HOME": home, "SSH_AUTH_SOCK": agent.Socket},
		"scan", "-J", "nosuchuser@"+jump.Addr, "-i", jump.UserKeyFile, "--jump-known-hosts", kh, target, "127.0.0.1")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "jump host nosuchuser@"+jump.Addr+": authentication failed (tried agent keys, "+jump.UserKeyFile+")\n")
	assert.Equal(t, int32(0), accepted.Load(), "a target was dialed")

	// An encrypted -i key: exit 2, pointing to the agent. The same key
	// encrypted is fine when the agent holds it.
	enc := genKey("enc", "-N", "secret")
	_, errOut, code = runHostkeysEnv(t, map[string]string{"HOME": home},
		"scan", "-J", hopArg(jump), "-i", enc, "--jump-known-hosts", kh, target, "127.0.0.1")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "hostkeys: error: scan: -i "+enc+": the private key is encrypted, and hostkeys asks for no passphrase\n")
	assert.Contains(t, errOut, "hostkeys: hint: add it to ssh-agent (ssh-add "+enc+")")

	plain, err := os.ReadFile(jump.UserKeyFile)
	require.NoError(t, err)
	encJump := writeFile(t, filepath.Join(dir, "jump_enc"), string(plain))
	out, err := exec.Command(keygen, "-q", "-p", "-P", "", "-N", "secret", "-f", encJump).CombinedOutput()
	require.NoError(t, err, "%s", out)
	agent.Add(t, jump.UserKeyFile)
	_, errOut, code = runHostkeysEnv(t, map[string]string{"HOME": home, "SSH_AUTH_SOCK": agent.Socket},
		"scan", "-J", hopArg(jump), "-i", encJump, "--jump-known-hosts", kh, target, "127.0.0.1")
	assert.Equal(t, 1, code) // the target listener gives no key
	assert.NotContains(t, errOut, "jump host")
	assert.Positive(t, accepted.Load(), "the target was not dialed")
}

// TestScanJumpConnectFailures: a refused jump host port and one that never
// speaks (within -T) are errors naming the hop, exit 1.
func TestScanJumpConnectFailures(t *testing.T) {
	vars := map[string]string{"HOME": emptyHome(t)}
	kh := writeFile(t, filepath.Join(t.TempDir(), "known_hosts"), "")
	closed := testpeer.FreePort(t)
	_, errOut, code := runHostkeysEnv(t, vars, "scan", "-J", "me@127.0.0.1:"+strconv.Itoa(closed),
		"--jump-known-hosts", kh, "127.0.0.1")
	assert.Equal(t, 1, code)
	assert.Equal(t, "hostkeys: error: scan: jump host me@127.0.0.1:"+strconv.Itoa(closed)+": connect: connection refused\n", errOut)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	start := time.Now()
	_, errOut, code = runHostkeysEnv(t, vars, "scan", "-T", "1", "-J", "me@"+l.Addr().String(),
		"--jump-known-hosts", kh, "127.0.0.1")
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "hostkeys: error: scan: jump host me@"+l.Addr().String()+": no SSH session within 1s (connect, handshake and authentication)\n")
}

func TestParseJumpHosts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []keyscan.JumpHost
		err  string
	}{
		{in: "bastion", want: []keyscan.JumpHost{{Host: "bastion", Port: 22}}},
		{in: "me@bastion:2222", want: []keyscan.JumpHost{{User: "me", Host: "bastion", Port: 2222}}},
		{in: "a@b@c", want: []keyscan.JumpHost{{User: "a@b", Host: "c", Port: 22}}},
		{in: "me@[::1]:2222,10.0.0.1", want: []keyscan.JumpHost{{User: "me", Host: "::1", Port: 2222}, {Host: "10.0.0.1", Port: 22}}},
		{in: "[fe80::1%eth0]", want: []keyscan.JumpHost{{Host: "fe80::1%eth0", Port: 22}}},
		{in: "me@2001:db8::1", want: []keyscan.JumpHost{{User: "me", Host: "2001:db8::1", Port: 22}}},
		{in: "", err: `bad -J jump host "": no host`},
		{in: "a,,b", err: `bad -J jump host "": no host`},
		{in: "@host", err: "empty user name"},
		{in: "host:0", err: `bad port "0"`},
		{in: "host:x", err: `bad port "x"`},
		{in: "host:", err: `bad port ""`},
		{in: "[::1", err: "missing ']'"},
		{in: "[::1]x", err: "want [host]:port"},
		{in: "a:b:c", err: "want host, host:port or [host]:port"},
		{in: "-oProxyCommand=x", err: "invalid character"},
		{in: "me@ho st", err: "invalid character"},
	} {
		got, err := parseJumpHosts(tc.in)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	assert.Equal(t, "me@[::1]:2222", keyscan.JumpHost{User: "me", Host: "::1", Port: 2222}.String())
}
