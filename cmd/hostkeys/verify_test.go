package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/dnslab"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/sshfp"
)

// TestVerifyScripts runs testdata/verify/*.txt against a real sshd (Ed25519
// and ECDSA host keys with host certificates), a second sshd whose keys are
// nowhere (a swapped key), and nsd+unbound serving a signed zone with the
// first server's SSHFP records. The scripts see:
//
//	$ADDR, $PORT     the sshd (127.0.0.1:PORT)
//	$NAME            "[127.0.0.1]:PORT", its known_hosts name
//	$ED25519, $ECDSA its host keys ("TYPE BASE64"), $ED25519_SHA256, $ED25519_MD5
//	$CA              the CA that signed its host certificates
//	$OTHER_ADDR      the second sshd
//	$DNS, $AUTH      unbound (validating) and nsd (no AD bit) addresses
//	$ANCHOR          the zone's DS record file
//	host.example.test has the sshd's SSHFP records, bad.example.test those
//	of the second sshd's key.
func TestVerifyScripts(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}, Certificates: true,
		Principals: []string{"127.0.0.1", "host.example.test", "web.example"}})
	other := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	records := append(records1(t, "host", srv.Keys...), records1(t, "bad", other.Keys...)...)
	lab := dnslab.Start(t, records, dnslab.Options{})
	keyText := func(k ssh.PublicKey) string { return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) }
	vars := map[string]string{
		"ADDR":           srv.Addr,
		"PORT":           fmt.Sprint(srv.Port),
		"NAME":           srv.HostPort(),
		"ED25519":        keyText(srv.Keys[0]),
		"ECDSA":          keyText(srv.Keys[1]),
		"ED25519_SHA256": fingerprint.Of(srv.Keys[0], fingerprint.SHA256).String(),
		"ED25519_MD5":    strings.TrimPrefix(fingerprint.Of(srv.Keys[0], fingerprint.MD5).String(), "MD5:"),
		"CA":             keyText(srv.CA),
		"OTHER_ADDR":     other.Addr,
		"OTHER_PORT":     fmt.Sprint(other.Port),
		"DNS":            lab.Resolver,
		"AUTH":           lab.Auth,
		"ANCHOR":         lab.AnchorFile,
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/verify",
		Setup: func(env *testscript.Env) error {
			env.Setenv("CI", os.Getenv("CI"))
			for k, v := range vars {
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitcode,
			"need":     cmdNeed,
			"filter":   cmdFilter,
		},
	})
}

func records1(t *testing.T, owner string, keys ...ssh.PublicKey) []string {
	var out []string
	for _, k := range keys {
		rrs, err := sshfp.ForKey(owner, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, rr := range rrs {
			out = append(out, rr.String())
		}
	}
	return out
}

// TestCIRecipes runs the "hostkeys verify" commands of the README's CI
// recipes against a local sshd: git.example.com is pinned on the server's
// port, the target gets the server's address ("addrlist namelist"), and ~
// is a scratch home. The file written must be found by ssh-keygen -F; a
// server with another key must fail the step and leave the file alone.
func TestCIRecipes(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, ci, ok := strings.Cut(string(readme), "\n### In CI\n")
	if !ok {
		t.Fatal("README has no \"### In CI\" section")
	}
	ci, _, _ = strings.Cut(ci, "\n## ")
	var commands [][]string
	for _, line := range strings.Split(ci, "\n") {
		_, cmd, ok := strings.Cut(line, "hostkeys verify ")
		if ok {
			commands = append(commands, strings.Fields(cmd))
		}
	}
	if len(commands) != 2 {
		t.Fatalf("want the GitHub Actions and GitLab CI commands, found %d", len(commands))
	}
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}})
	other := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	name := fmt.Sprintf("[git.example.com]:%d", srv.Port)
	for i, args := range commands {
		home := t.TempDir()
		if err := os.MkdirAll(home+"/.ssh", 0o700); err != nil {
			t.Fatal(err)
		}
		expand := func(server string) []string {
			var out []string
			for _, a := range args {
				switch {
				case a == "git.example.com":
					a = server + " git.example.com"
				case strings.HasPrefix(a, "~/"):
					a = home + a[1:]
				case a == ".ssh-pins":
					a = home + "/.ssh-pins"
				}
				out = append(out, a)
			}
			return out
		}
		pins := fmt.Sprintf("Host %s\n%s (ED25519)\n", name, fingerprint.Of(srv.Keys[0], fingerprint.SHA256))
		if err := os.WriteFile(home+"/.ssh-pins", []byte(pins), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr strings.Builder
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
		if code := run(e, append([]string{"verify"}, expand(srv.Addr)...)); code != 0 {
			t.Fatalf("recipe %d: exit %d\n%s", i, code, stderr.String())
		}
		kh := home + "/.ssh/known_hosts"
		out, err := exec.Command(keygen, "-F", name, "-f", kh).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "ssh-ed25519 ") {
			t.Fatalf("recipe %d: ssh-keygen -F %s: %v\n%s", i, name, err, out)
		}
		before, _ := os.ReadFile(kh)
		stderr.Reset()
		if code := run(e, append([]string{"verify"}, expand(other.Addr)...)); code != 1 {
			t.Fatalf("recipe %d against another key: exit %d, want 1\n%s", i, code, stderr.String())
		}
		after, _ := os.ReadFile(kh)
		if string(before) != string(after) {
			t.Errorf("recipe %d: known_hosts changed by a failed step", i)
		}
	}
}

// TestVerifyJump: verify through an SSH jump host (-J, -i,
// --jump-known-hosts), the target's key checked against the pins.
func TestVerifyJump(t *testing.T) {
	jump := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, Login: true})
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	dir := t.TempDir()
	jumpKH := filepath.Join(dir, "jump_known_hosts")
	pins := filepath.Join(dir, "pins")
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(jumpKH, jump.HostPort()+" "+string(ssh.MarshalAuthorizedKey(jump.Keys[0])))
	write(pins, fmt.Sprintf("Host %s\n%s\n", target.HostPort(), fingerprint.Of(target.Keys[0], fingerprint.SHA256)))
	hop := fmt.Sprintf("%s@127.0.0.1:%d", jump.User, jump.Port)
	verify := func(args ...string) (int, string, string) {
		var stdout, stderr strings.Builder
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
			getenv: func(k string) string { return map[string]string{"HOME": dir}[k] }}
		code := run(e, append([]string{"verify"}, args...))
		return code, stdout.String(), stderr.String()
	}
	code, out, errOut := verify("-J", hop, "-i", jump.UserKeyFile, "--jump-known-hosts", jumpKH, "--pins", pins, target.Addr)
	if code != 0 || !strings.Contains(out, " accepted: confirmed by pins") {
		t.Fatalf("exit %d\n%s\n%s\njump log:\n%s", code, out, errOut, jump.Log())
	}
	// The jump host's own key is not in its known_hosts: refused, exit 1.
	write(jumpKH, "# empty\n")
	code, _, errOut = verify("-J", hop, "-i", jump.UserKeyFile, "--jump-known-hosts", jumpKH, "--pins", pins, target.Addr)
	if code != 1 || !strings.Contains(errOut, "jump host") {
		t.Fatalf("exit %d, want 1 with the jump host named\n%s", code, errOut)
	}
	if code, _, _ := verify("-i", jump.UserKeyFile, "--pins", pins, target.Addr); code != 2 {
		t.Fatalf("-i without -J: exit %d, want 2", code)
	}
}
