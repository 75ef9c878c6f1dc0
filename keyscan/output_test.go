package keyscan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// The Ed25519 key and records of research/keyscan.md section 2 (OpenSSH
// 9.2's ssh-keyscan and ssh-keygen -r output).
const edKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFa9jOwSV6I8pEKQ2CTzoyslAd4+WNNHbzrBtylGof5Y"

func parseKey(t *testing.T, s string) ssh.PublicKey {
	t.Helper()
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s))
	require.NoError(t, err)
	return k
}

func TestKnownHostsLines(t *testing.T) {
	k := parseKey(t, edKey)
	// Port 22: the names as one field (ssh-keyscan -t ed25519 127.0.0.1,localhost).
	assert.Equal(t, []string{"127.0.0.1,localhost " + edKey},
		KnownHostsLines([]string{"127.0.0.1", "localhost"}, 22, k, false))
	assert.Equal(t, []string{"web1.example,web1 " + edKey},
		KnownHostsLines([]string{"Web1.Example", "WEB1"}, 22, k, false))
	assert.Equal(t, []string{"::1 " + edKey}, KnownHostsLines([]string{"::1"}, 0, k, false))
	// Other ports: one line per name.
	assert.Equal(t, []string{"[web1.example]:42022 " + edKey, "[web1]:42022 " + edKey},
		KnownHostsLines([]string{"web1.example", "Web1"}, 42022, k, false))
	assert.Equal(t, []string{"[::1]:42022 " + edKey}, KnownHostsLines([]string{"::1"}, 42022, k, false))

	// Hashed: one line per name, over [name]:port, lowercased first.
	lines := KnownHostsLines([]string{"Web1", "127.0.0.1"}, 42022, k, true)
	require.Len(t, lines, 2)
	for i, want := range []string{"[web1]:42022", "[127.0.0.1]:42022"} {
		f := strings.Fields(lines[i])
		require.Len(t, f, 3)
		assert.True(t, strings.HasPrefix(f[0], "|1|"))
		// Re-hash with the same salt: the known_hosts matcher must agree.
		cb, err := knownhosts.New(writeTemp(t, lines[i]+"\n"))
		require.NoError(t, err)
		host := strings.TrimPrefix(strings.SplitN(want, "]:", 2)[0], "[")
		assert.NoError(t, cb(host+":42022", fakeAddr{}, k), want)
	}
	lines = KnownHostsLines([]string{"a", "b"}, 22, k, true)
	assert.Len(t, lines, 2, "-H splits the names even on port 22")
}

func TestSSHFPLines(t *testing.T) {
	k := parseKey(t, edKey)
	want := []string{
		"127.0.0.1 IN SSHFP 4 1 94cf258c131f4a71b238256fd0c62afc2bba131f",
		"127.0.0.1 IN SSHFP 4 2 a3c57e52a133a7d65a06b2559b537fa131f6917a44a1b5b538ad5f24009adece",
	}
	assert.Equal(t, want, SSHFPLines([]string{"127.0.0.1"}, 42022, k, false))
	assert.Equal(t, want, SSHFPLines([]string{"127.0.0.1"}, 22, k, false))
	// Port 22, no -H: the name list is one owner, verbatim (case kept).
	got := SSHFPLines([]string{"Web1", "web1.example"}, 22, k, false)
	require.Len(t, got, 2)
	assert.True(t, strings.HasPrefix(got[0], "Web1,web1.example IN SSHFP 4 1 "))
	assert.Len(t, SSHFPLines([]string{"a", "b"}, 2222, k, false), 4)

	// One fingerprint type, as ssh-keyscan -O hashalg= selects it; the
	// order of the digests given does not change the record order.
	assert.Equal(t, want[:1], SSHFPLines([]string{"127.0.0.1"}, 22, k, false, fingerprint.SHA1))
	assert.Equal(t, want[1:], SSHFPLines([]string{"127.0.0.1"}, 22, k, false, fingerprint.SHA256))
	assert.Equal(t, want, SSHFPLines([]string{"127.0.0.1"}, 22, k, false, fingerprint.SHA256, fingerprint.SHA1))
	assert.Empty(t, SSHFPLines([]string{"127.0.0.1"}, 22, k, false, fingerprint.MD5))
	assert.Equal(t, []string{"a" + want[1][len("127.0.0.1"):], "b" + want[1][len("127.0.0.1"):]},
		SSHFPLines([]string{"a", "b"}, 2222, k, false, fingerprint.SHA256))
}

func TestCommentLine(t *testing.T) {
	assert.Equal(t, "# 127.0.0.1:42022 SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10",
		CommentLine("127.0.0.1", 42022, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", false))
	assert.Equal(t, "; ::1:22 SSH-2.0-x", CommentLine("::1", 22, "SSH-2.0-x", true))
	assert.Equal(t, `# h:22 SSH-2.0-x\x1b[2J\n`, CommentLine("h", 22, "SSH-2.0-x\x1b[2J\n", false))
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

type fakeAddr struct{}

func (fakeAddr) Network() string { return "tcp" }
func (fakeAddr) String() string  { return "192.0.2.1:22" }

func TestKeyTypes(t *testing.T) {
	kts, err := ParseKeyTypes("ed25519,rsa,ed25519")
	require.NoError(t, err)
	assert.Equal(t, []KeyType{Ed25519, RSA}, kts)
	_, err = ParseKeyTypes("rsa,dss")
	assert.ErrorContains(t, err, `unknown key type "dss"`)
	for algo, want := range map[string]KeyType{
		"rsa-sha2-512-cert-v01@openssh.com": RSA, "ssh-rsa": RSA, "ecdsa-sha2-nistp384": ECDSA,
		"ssh-ed25519": Ed25519, "sk-ssh-ed25519@openssh.com": Ed25519SK,
	} {
		got, ok := KeyTypeOf(algo)
		assert.True(t, ok, algo)
		assert.Equal(t, want, got, algo)
	}
	_, ok := KeyTypeOf("ssh-mldsa-44")
	assert.False(t, ok)
	assert.Equal(t, []string{"ssh-ed25519-cert-v01@openssh.com"}, Ed25519.Algorithms(true))
	assert.Nil(t, KeyType("x").Algorithms(false))
}

func TestCertAuthorityLine(t *testing.T) {
	cert := &ssh.Certificate{SignatureKey: parseKey(t, edKey)}
	assert.Equal(t, "@cert-authority web1 "+edKey, CertAuthorityLine([]string{"Web1"}, 22, cert))
	assert.Equal(t, "@cert-authority [web1]:2222,[web2]:2222 "+edKey, CertAuthorityLine([]string{"web1", "Web2"}, 2222, cert))
}
