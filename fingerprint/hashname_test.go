package fingerprint_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
)

func TestParseHash(t *testing.T) {
	for _, tc := range []struct {
		name string
		want fingerprint.Hash
	}{
		{"sha256", fingerprint.SHA256}, {"SHA256", fingerprint.SHA256}, {"Sha256", fingerprint.SHA256},
		{"md5", fingerprint.MD5}, {"MD5", fingerprint.MD5},
		{"sha1", fingerprint.SHA1}, {"SHA1", fingerprint.SHA1},
	} {
		h, err := fingerprint.ParseHash(tc.name)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, h, tc.name)
		// The name String prints reads back.
		h, err = fingerprint.ParseHash(tc.want.String())
		require.NoError(t, err)
		assert.Equal(t, tc.want, h)
	}
	for _, tc := range []struct {
		name, msg string
		openSSH   bool
	}{
		{"", `fingerprint: unknown hash algorithm "" (want sha256, md5 or sha1)`, false},
		{"sha-256", `fingerprint: unknown hash algorithm "sha-256" (want sha256, md5 or sha1)`, false},
		{" sha256", `fingerprint: unknown hash algorithm " sha256" (want sha256, md5 or sha1)`, false},
		{"ripemd160", `fingerprint: unknown hash algorithm "ripemd160" (want sha256, md5 or sha1)`, false},
		{"SHA512", `fingerprint: unsupported hash algorithm "SHA512" (want sha256, md5 or sha1)`, true},
		{"sha384", `fingerprint: unsupported hash algorithm "sha384" (want sha256, md5 or sha1)`, true},
		{strings.Repeat("x", 100), `fingerprint: unknown hash algorithm "` + strings.Repeat("x", 40) + `"... (100 bytes) (want sha256, md5 or sha1)`, false},
	} {
		h, err := fingerprint.ParseHash(tc.name)
		assert.Zero(t, h)
		var he *fingerprint.HashError
		require.True(t, errors.As(err, &he), "%q: %v", tc.name, err)
		assert.Equal(t, tc.name, he.Name)
		assert.Equal(t, tc.openSSH, he.OpenSSH, tc.name)
		assert.Equal(t, tc.msg, err.Error())
	}
}

// TestParseHashSSHKeygen: a name ParseHash accepts is one ssh-keygen -E
// accepts, and a name OpenSSH rejects ParseHash rejects too.
func TestParseHashSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	key := t.TempDir() + "/k"
	out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput()
	require.NoError(t, err, "%s", out)
	pub := key + ".pub"
	for _, name := range []string{"sha256", "SHA256", "sHa1", "MD5", "sha512", "SHA384", "sha-256", "ripemd160", "", "foo"} {
		out, kerr := exec.Command(keygen, "-l", "-E", name, "-f", pub).CombinedOutput()
		h, perr := fingerprint.ParseHash(name)
		var he *fingerprint.HashError
		if kerr == nil {
			// OpenSSH knows it: ParseHash makes it or says it is OpenSSH's.
			if perr == nil {
				assert.Contains(t, string(out), " "+h.String()+":", name)
			} else {
				assert.True(t, errors.As(perr, &he) && he.OpenSSH, "%q: ssh-keygen accepts it: %s", name, out)
			}
		} else {
			assert.Contains(t, string(out), "Invalid hash algorithm", name)
			assert.True(t, errors.As(perr, &he) && !he.OpenSSH, "%q: ssh-keygen rejects it: %v", name, perr)
		}
	}
}
