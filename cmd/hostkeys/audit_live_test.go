package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/internal/dnslab"
	"github.com/hostkeys/hostkeys/internal/testpeer"
)

// TestAuditLiveScripts runs testdata/audit_live/*.txt: hostkeys audit
// --scan against a real sshd with SHA-1 and CBC algorithms and a 1024-bit
// RSA key (WEAK) and a hardened one with host certificates (HARD), and
// --sshfp against nsd+unbound serving a signed zone. The scripts see:
//
//	$WEAK, $HARD           the servers' known_hosts names ("[127.0.0.1]:PORT")
//	$DNS, $AUTH, $ANCHOR   unbound (validating), nsd (no AD bit), the zone's DS
//	weak_kh, hard_kh       known_hosts files with the servers' Ed25519 keys
//	                       (hard_kh also its ECDSA key)
//	changed_kh             HARD with another Ed25519 key
//	dns_kh                 good.example.test (its SSHFP records match),
//	                       changed.example.test (they do not), nosshfp.example.test
func TestAuditLiveScripts(t *testing.T) {
	weak := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "rsa"}, RSABits: 1024,
		Config: []string{
			"KexAlgorithms +diffie-hellman-group14-sha1",
			"HostKeyAlgorithms +ssh-rsa",
			"Ciphers +aes128-cbc",
		}})
	hard := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}, Certificates: true,
		Principals: []string{"127.0.0.1"},
		Config: []string{
			"KexAlgorithms curve25519-sha256",
			"HostKeyAlgorithms ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com",
			"Ciphers aes256-gcm@openssh.com",
		}})
	keyText := func(k ssh.PublicKey) string { return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) }
	other := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	good, changed := hard.Keys[0], other.Keys[0]
	lab := dnslab.Start(t, append(records1(t, "good", good), records1(t, "changed", changed)...), dnslab.Options{})
	files := map[string]string{
		"weak_kh":    fmt.Sprintf("%s %s\n", weak.HostPort(), keyText(weak.Keys[0])),
		"hard_kh":    fmt.Sprintf("%s %s\n%s %s\n", hard.HostPort(), keyText(hard.Keys[0]), hard.HostPort(), keyText(hard.Keys[1])),
		"changed_kh": fmt.Sprintf("%s %s\n%s %s\n", hard.HostPort(), keyText(other.Keys[0]), hard.HostPort(), keyText(hard.Keys[1])),
		"dns_kh": fmt.Sprintf("good.example.test %s\nchanged.example.test %s\nnosshfp.example.test %s\n",
			keyText(good), keyText(good), keyText(good)),
	}
	vars := map[string]string{
		"WEAK": weak.HostPort(), "HARD": hard.HostPort(),
		"DNS": lab.Resolver, "AUTH": lab.Auth, "ANCHOR": lab.AnchorFile,
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/audit_live",
		Setup: func(env *testscript.Env) error {
			env.Setenv("CI", os.Getenv("CI"))
			for k, v := range vars {
				env.Setenv(k, v)
			}
			for name, text := range files {
				if err := os.WriteFile(filepath.Join(env.WorkDir, name), []byte(text), 0o644); err != nil {
					return err
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitcode,
		},
	})
}

// TestAuditScanJump: hostkeys audit --scan -J scans through a real jump
// sshd, logged in with -i, its key checked against --jump-known-hosts.
func TestAuditScanJump(t *testing.T) {
	jump := startJump(t)
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	dir := t.TempDir()
	jumpKH := writeFile(t, filepath.Join(dir, "jump_kh"), knownHostsLines(jump))
	good := writeFile(t, filepath.Join(dir, "good_kh"), knownHostsLines(target))
	changed := writeFile(t, filepath.Join(dir, "changed_kh"), fmt.Sprintf("%s %s\n", target.HostPort(),
		strings.TrimSpace(string(ssh.MarshalAuthorizedKey(jump.Keys[0])))))
	vars := map[string]string{"HOME": emptyHome(t)}
	args := []string{"-J", hopArg(jump), "-i", jump.UserKeyFile, "--jump-known-hosts", jumpKH}

	out, errOut, code := runHostkeysEnv(t, vars, append([]string{"audit", "--known-hosts", good, "--scan"}, args...)...)
	require.Equal(t, 0, code, "%s%s", out, errOut)
	assert.Equal(t, "0 findings: 0 errors, 0 warnings, 0 notes.\n", out)

	out, errOut, code = runHostkeysEnv(t, vars, append([]string{"audit", "--known-hosts", changed, "--scan"}, args...)...)
	require.Equal(t, 1, code, "%s%s", out, errOut)
	assert.Contains(t, out, "changed_kh:1  error    HK401  The server presents another ssh-ed25519 key")

	// A jump host whose key is not known: exit 2, nothing audited.
	out, errOut, code = runHostkeysEnv(t, vars, "audit", "--known-hosts", good, "--scan", "-J", hopArg(jump),
		"-i", jump.UserKeyFile, "--jump-known-hosts", good)
	assert.Equal(t, 2, code, "%s%s", out, errOut)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "hostkeys: error: audit: ")
}
