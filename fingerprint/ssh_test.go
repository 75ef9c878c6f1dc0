package fingerprint_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseWhatSSHPrints runs the real ssh against a real sshd and parses
// the fingerprint lines ssh prints: the changed-key warning (two lines,
// SHA256 and MD5) and VisualHostKey's "Host key fingerprint is".
func TestParseWhatSSHPrints(t *testing.T) {
	sshBin := testpeer.Binary(t, "ssh", "openssh-client")
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	key := srv.Keys[0]
	dir := t.TempDir()
	host := fmt.Sprintf("[%s]:%d", srv.Host, srv.Port)
	run := func(knownHost string, opts ...string) string {
		kh := filepath.Join(dir, "known_hosts")
		require.NoError(t, os.WriteFile(kh, []byte(host+" "+knownHost+"\n"), 0o600))
		args := []string{"-F", "/dev/null", "-o", "UserKnownHostsFile=" + kh, "-o", "GlobalKnownHostsFile=/dev/null",
			"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "HostKeyAlgorithms=ssh-ed25519",
			"-o", "PreferredAuthentications=none", "-o", "ConnectTimeout=10", "-p", fmt.Sprint(srv.Port)}
		args = append(args, opts...)
		args = append(args, "nobody@"+srv.Host, "true")
		out, _ := exec.Command(sshBin, args...).CombinedOutput()
		return string(out)
	}
	other := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"
	for _, h := range []string{"sha256", "md5"} {
		out := run(other, "-o", "FingerprintHash="+h)
		lines := strings.Split(out, "\n")
		found := false
		for i, l := range lines {
			if strings.HasPrefix(l, "The fingerprint for the ") && i+1 < len(lines) {
				found = true
				for _, text := range []string{l + "\n" + lines[i+1], lines[i+1]} {
					fp, err := Parse(text)
					require.NoError(t, err, "%q", text)
					assert.True(t, fp.Matches(key), "%q", text)
				}
				fp, _ := Parse(l + "\n" + lines[i+1])
				assert.Equal(t, "ED25519", fp.KeyType)
			}
		}
		assert.True(t, found, "no changed-key warning in ssh's output:\n%s", out)
	}
	out := run(keyText(t, srv.KeyFiles[0]), "-o", "VisualHostKey=yes")
	found := false
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Host key fingerprint is ") {
			found = true
			fp, err := Parse(l)
			require.NoError(t, err, "%q", l)
			assert.True(t, fp.Matches(key), "%q", l)
		}
	}
	assert.True(t, found, "no \"Host key fingerprint is\" line in ssh's output:\n%s", out)
}

func keyText(t *testing.T, pubFile string) string {
	b, err := os.ReadFile(pubFile)
	require.NoError(t, err)
	f := strings.Fields(string(b))
	require.GreaterOrEqual(t, len(f), 2)
	return f[0] + " " + f[1]
}
