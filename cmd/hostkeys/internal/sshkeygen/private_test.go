package sshkeygen

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hostkeys/hostkeys/internal/keygentest"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListPrivateMatchesSSHKeygen compares ListPrivate with the real
// ssh-keygen -l on private key files ssh-keygen wrote: every type in the
// OpenSSH, PEM and PKCS#8 formats, without a .pub beside them (DSA in PEM
// and PKCS#8 used to be "not a key file"), with a .pub, with and without
// a comment, encrypted, and Ed25519 in PKCS#8 (which OpenSSH refuses).
func TestListPrivateMatchesSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	gen := keygentest.Generator(t, keygen, dir)
	var paths []string
	for _, typ := range [][]string{{"dsa"}, {"rsa", "-b", "1024"}, {"ecdsa", "-b", "256"}, {"ecdsa", "-b", "384"}, {"ecdsa", "-b", "521"}, {"ed25519"}} {
		for _, format := range []string{"PEM", "PKCS8", "RFC4716"} {
			if typ[0] == "ed25519" && format != "RFC4716" {
				continue // ssh-keygen writes Ed25519 only in its own format
			}
			base := typ[0] + typ[len(typ)-1] + "-" + format
			args := append([]string{"-t"}, typ...)
			args = append(args, "-m", format)
			// Alone: the public key comes from the private key file.
			p := gen(base+"-alone", append(args, "-N", "", "-C", "c1")...)
			require.NoError(t, os.Remove(p+".pub"))
			paths = append(paths, p)
			// With its .pub, which has a comment, and one without.
			paths = append(paths, gen(base+"-pub", append(args, "-N", "", "-C", "with .pub")...))
			p = gen(base+"-nocomment", append(args, "-N", "", "-C", "")...)
			paths = append(paths, p)
			// Encrypted, alone and with a .pub.
			p = gen(base+"-enc", append(args, "-N", "secret-pass", "-C", "enc")...)
			paths = append(paths, p)
			p = gen(base+"-enc-alone", append(args, "-N", "secret-pass", "-C", "enc")...)
			require.NoError(t, os.Remove(p+".pub"))
			paths = append(paths, p)
		}
	}
	if openssl, err := exec.LookPath("openssl"); err == nil {
		p := filepath.Join(dir, "ed25519-openssl-pkcs8")
		out, err := exec.Command(openssl, "genpkey", "-algorithm", "ed25519", "-out", p).CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.NoError(t, os.Chmod(p, 0o600))
		paths = append(paths, p)
	}
	// A private key that others may read: ssh-keygen ignores it.
	p := gen("open-perms", "-t", "dsa", "-m", "PEM", "-N", "", "-C", "x")
	require.NoError(t, os.Remove(p+".pub"))
	require.NoError(t, os.Chmod(p, 0o644))
	paths = append(paths, p)

	listed := 0
	for _, path := range paths {
		for _, lc := range []listCase{{}, {visual: true}} {
			cmd := exec.Command(keygen, lc.args(path)...)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			var want bytes.Buffer
			cmd.Stdout = &want
			runErr := cmd.Run()
			var got bytes.Buffer
			_, ok, err := ListPrivate(&got, path, ListOptions{Hash: lc.hash, Visual: lc.visual})
			require.NoError(t, err)
			assert.Equal(t, runErr == nil, ok, "%s: ssh-keygen: %v", filepath.Base(path), runErr)
			assert.Equal(t, want.String(), got.String(), filepath.Base(path))
			if ok {
				listed++
			}
		}
	}
	t.Logf("%d private key files, %d listings", len(paths), listed)
	assert.Greater(t, listed, len(paths))
}
