package fingerprint_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/keygentest"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadPublicKeyMatchesSSHKeygen checks LoadPublicKey against ssh-keygen
// -r, which reads its key with sshkey_load_public: a .pub file, a private
// key with its .pub, an OpenSSH private key alone (the key in its
// envelope, encrypted or not), and PEM private keys alone, which
// sshkey_load_public does not read.
func TestLoadPublicKeyMatchesSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	gen := keygentest.Generator(t, keygen, dir)
	var paths []string
	p := gen("ed", "-t", "ed25519", "-N", "", "-C", "a comment")
	paths = append(paths, p, p+".pub")
	p = gen("ed-alone", "-t", "ed25519", "-N", "", "-C", "c")
	require.NoError(t, os.Remove(p+".pub"))
	paths = append(paths, p)
	p = gen("ed-enc-alone", "-t", "ecdsa", "-N", "secret-pass")
	require.NoError(t, os.Remove(p+".pub"))
	paths = append(paths, p)
	p = gen("dsa-pem", "-t", "dsa", "-m", "PEM", "-N", "")
	paths = append(paths, p)
	p = gen("dsa-pem-alone", "-t", "dsa", "-m", "PEM", "-N", "")
	require.NoError(t, os.Remove(p+".pub"))
	paths = append(paths, p)
	// A file whose first line holds no key, then a key.
	pub, err := os.ReadFile(filepath.Join(dir, "ed.pub"))
	require.NoError(t, err)
	p = filepath.Join(dir, "second-line")
	require.NoError(t, os.WriteFile(p, append([]byte("# comment\nnot a key\n"), pub...), 0o644))
	paths = append(paths, p)
	p = filepath.Join(dir, "nokey")
	require.NoError(t, os.WriteFile(p, []byte("nothing here\n"), 0o644))
	paths = append(paths, p)

	for _, path := range paths {
		name := filepath.Base(path)
		out, runErr := exec.Command(keygen, "-r", "h", "-f", path).Output()
		key, comment, err := LoadPublicKey(path)
		if runErr != nil {
			assert.Error(t, err, "%s: ssh-keygen -r fails", name)
			var le *LoadError
			assert.True(t, errors.As(err, &le), "%s: %T %v", name, err, err)
			continue
		}
		require.NoError(t, err, name)
		assert.Contains(t, string(out), " 2 "+Of(key, SHA256).Hex()+"\n", name)
		if strings.HasPrefix(name, "ed") && !strings.Contains(name, "alone") {
			assert.Equal(t, "a comment", comment, name)
		}
	}
	_, _, err = LoadPublicKey(filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	// A missing file with a .pub beside it reads the .pub, as OpenSSH.
	key, _, err := LoadPublicKey(filepath.Join(dir, "ed-alone-gone"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Nil(t, key)
	require.NoError(t, os.Rename(filepath.Join(dir, "ed"), filepath.Join(dir, "ed-moved")))
	key, comment, err := LoadPublicKey(filepath.Join(dir, "ed"))
	require.NoError(t, err)
	assert.Equal(t, "a comment", comment)
	assert.Equal(t, "ssh-ed25519", key.Type())
	_, _, err = LoadPublicKey(dir)
	var le *LoadError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "fingerprint: "+dir+": "+le.Reason, err.Error())
}
