package knownhosts

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/hostkeys/hostkeys/internal/testpeer"
)

// TestLiveSSHD starts sshd on 127.0.0.1 with Ed25519, RSA and ECDSA host
// keys and host certificates, and checks that for each known_hosts file
// HostKeyCallback with HostKeyAlgorithms accepts the server exactly when
// ssh -o StrictHostKeyChecking=yes does.
func TestLiveSSHD(t *testing.T) {
	sshBin := testpeer.Binary(t, "ssh", "openssh-client")
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{
		KeyTypes:     []string{"ed25519", "rsa", "ecdsa"},
		RSABits:      2048,
		Certificates: true,
	})
	other := newSigner(t)
	ed, rsaK, ec := keyText(srv.Keys[0]), keyText(srv.Keys[1]), keyText(srv.Keys[2])
	ca, o := keyText(srv.CA), keyText(other.PublicKey())
	hp := "[127.0.0.1]:" + strconv.Itoa(srv.Port)

	files := map[string][]string{
		"ed25519 on the port":         {hp + " " + ed},
		"rsa only":                    {hp + " " + rsaK},
		"ecdsa only":                  {hp + " " + ec},
		"portless entry":              {"127.0.0.1 " + ed},
		"wildcard":                    {"* " + ec},
		"wildcard with port":          {"[127.0.0.*]:* " + rsaK},
		"hashed":                      {HashHost(hp) + " " + ed},
		"other key":                   {hp + " " + o},
		"other key, portless right":   {hp + " " + o, "127.0.0.1 " + ed},
		"portless other key":          {"127.0.0.1 " + o},
		"ca":                          {"@cert-authority " + hp + " " + ca},
		"ca portless":                 {"@cert-authority 127.0.0.1 " + ca},
		"ca revoked":                  {"@cert-authority * " + ca, "@revoked * " + ca},
		"server key as ca":            {"@cert-authority " + hp + " " + ed},
		"revoked elsewhere":           {"@revoked other.example " + ed, hp + " " + ed},
		"revoked here":                {"@revoked * " + ed, hp + " " + ed},
		"revoked ecdsa, ed25519 kept": {"@revoked * " + ec, hp + " " + ed},
		"negated":                     {"!127.0.0.1,* " + ed},
		"negated port":                {"![127.0.0.1]:*,* " + ed},
		"upper case":                  {strings.ToUpper(hp) + " " + ed},
		"empty":                       {},
		"invalid lines first":         {hp + " foo-bar-v1 AAAA", hp, "@foo " + hp + " " + ed, hp + " " + ed},
		"nul after host":              {hp + "\x00 " + ed},
		"nul after host, comment":     {hp + "\x00\t" + ed + " c\x00d"},
		"nul after hashed host":       {HashHost(hp) + "\x00 " + ed},
		"nul after revoked host":      {"@revoked *\x00 " + ed, hp + " " + ed},
		"nul before host":             {"\x00" + hp + " " + ed, "other.example " + ed},
		"nul in key type":             {hp + " ssh-ed\x0025519" + strings.TrimPrefix(ed, "ssh-ed25519"), "other.example " + ed},
	}
	dir := t.TempDir()
	verdicts := map[bool]int{}
	for name, lines := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
			content := ""
			for _, l := range lines {
				content += l + "\n"
			}
			require.NoError(t, os.WriteFile(path, []byte(content), 0o644))

			// OpenSSH.
			cmd := exec.Command(sshBin, "-vvv", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
				"-o", "UserKnownHostsFile="+path, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10",
				"-o", "IdentityFile=/dev/null", "-p", strconv.Itoa(srv.Port), "127.0.0.1", "true")
			cmd.Env = []string{"HOME=" + dir, "PATH=/usr/bin:/bin"}
			out, _ := cmd.CombinedOutput()
			sshAccepts := !strings.Contains(string(out), "Host key verification failed")
			if sshAccepts && !strings.Contains(string(out), "Permission denied") {
				t.Fatalf("ssh gave neither a host key failure nor an authentication failure:\n%s", out)
			}

			// Ours.
			db, err := Open(path)
			require.NoError(t, err)
			assert.Equal(t, sshAlgorithmOrder(t, string(out)), opensshAlgorithms(db.HostKeyAlgorithms(srv.Addr)), "HostKeyAlgorithms order")
			cfg := &ssh.ClientConfig{
				User:              "nobody",
				HostKeyCallback:   db.HostKeyCallback(),
				HostKeyAlgorithms: db.HostKeyAlgorithms(srv.Addr),
				Timeout:           10 * time.Second,
			}
			c, err := ssh.Dial("tcp", srv.Addr, cfg)
			if c != nil {
				c.Close()
			}
			var ke *xknownhosts.KeyError
			var re *xknownhosts.RevokedError
			weAccept := err == nil || !(errors.As(err, &ke) || errors.As(err, &re))
			if weAccept && err != nil && !strings.Contains(err.Error(), "unable to authenticate") {
				t.Fatalf("unexpected error: %v", err)
			}
			assert.Equal(t, sshAccepts, weAccept, "ssh says:\n%s\nwe say: %v", out, err)
			verdicts[sshAccepts]++
		})
	}
	t.Logf("ssh accepted %d files and rejected %d", verdicts[true], verdicts[false])
	if verdicts[true]+verdicts[false] == len(files) {
		assert.Positive(t, verdicts[true])
		assert.Positive(t, verdicts[false])
	}
}

// opensshDefault is OpenSSH 9.2's default HostKeyAlgorithms.
var opensshDefault = []string{
	"ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
	"ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
	"sk-ssh-ed25519-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
	"rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
	"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
	"rsa-sha2-512", "rsa-sha2-256",
}

// sshAlgorithmOrder reads the order ssh -vvv chose (order_hostkeyalgs):
// the preferred algorithms, then the rest of the default list.
func sshAlgorithmOrder(t *testing.T, out string) []string {
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if _, list, ok := strings.Cut(l, "prefer hostkeyalgs: "); ok {
			first := strings.Split(list, ",")
			order := slices.Clone(first)
			for _, a := range opensshDefault {
				if !slices.Contains(first, a) {
					order = append(order, a)
				}
			}
			return order
		}
		if strings.Contains(l, "using HostkeyAlgorithms verbatim") || strings.Contains(l, "no algorithms matched; accept original") {
			return opensshDefault
		}
	}
	t.Fatalf("no order_hostkeyalgs line in ssh's output:\n%s", out)
	return nil
}

// opensshAlgorithms keeps the algorithms of OpenSSH's default list.
func opensshAlgorithms(algos []string) []string {
	var out []string
	for _, a := range algos {
		if slices.Contains(opensshDefault, a) {
			out = append(out, a)
		}
	}
	return out
}

// TestLiveTOFUCertificate is trust on first use against a real sshd that
// presents a host certificate: the key the callback rejects as unknown
// is added with File.Add under the callback's hostname and saved; the
// next connection (ours, and the real ssh's) accepts the host. Adding
// the certificate itself would give a line that never matches.
func TestLiveTOFUCertificate(t *testing.T) {
	sshBin := testpeer.Binary(t, "ssh", "openssh-client")
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, Certificates: true})
	path := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(path, nil, 0o600))

	dial := func() (presented ssh.PublicKey, hostname string, err error) {
		db, err := Open(path)
		require.NoError(t, err)
		check := db.HostKeyCallback()
		cfg := &ssh.ClientConfig{
			User: "nobody",
			HostKeyCallback: func(h string, remote net.Addr, key ssh.PublicKey) error {
				presented, hostname = key, h
				return check(h, remote, key)
			},
			HostKeyAlgorithms: db.HostKeyAlgorithms(srv.Addr),
			Timeout:           10 * time.Second,
		}
		c, err := ssh.Dial("tcp", srv.Addr, cfg)
		if c != nil {
			c.Close()
		}
		return presented, hostname, err
	}

	key, hostname, err := dial()
	require.True(t, IsHostUnknown(err), "first connection: %v", err)
	_, isCert := key.(*ssh.Certificate)
	require.True(t, isCert, "the server presents its certificate, got %s", key.Type())
	assert.Equal(t, srv.Addr, hostname)
	require.NoError(t, Edit(path, nil, func(f *File) error { return f.Add([]string{hostname}, key, nil) }))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, srv.HostPort()+" "+keyText(srv.Keys[0])+"\n", string(data), "the plain key, as ssh records it")

	_, _, err = dial()
	assert.False(t, IsHostUnknown(err) || IsHostKeyChanged(err) || IsRevoked(err), "second connection: %v", err)
	if err != nil {
		assert.Contains(t, err.Error(), "unable to authenticate")
	}

	cmd := exec.Command(sshBin, "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
		"-o", "UserKnownHostsFile="+path, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10",
		"-o", "IdentityFile=/dev/null", "-p", strconv.Itoa(srv.Port), "127.0.0.1", "true")
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
	out, _ := cmd.CombinedOutput()
	assert.NotContains(t, string(out), "Host key verification failed", "ssh accepts the recorded key")
	assert.Contains(t, string(out), "Permission denied")
}
