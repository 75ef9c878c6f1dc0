package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
)

func runTofu(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func keyLine(k ssh.PublicKey) string {
	return k.Type() + " " + base64.StdEncoding.EncodeToString(k.Marshal())
}

// TestTOFU runs the example against a real sshd that presents a host
// certificate: "y" records the certified plain key, the next run is
// checked without a question, "n" leaves the file as it was, and a
// changed key is refused without a question.
func TestTOFU(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, Certificates: true})
	key := srv.Keys[0]
	fp := fingerprint.Of(key, fingerprint.SHA256).String()
	dir := t.TempDir()

	t.Run("yes, then known", func(t *testing.T) {
		kh := filepath.Join(dir, "known_hosts")
		code, out, errOut := runTofu(t, "y\n", "-f", kh, srv.Addr)
		require.Equal(t, 0, code, errOut)
		assert.Contains(t, out, "The authenticity of host \""+srv.Addr+"\" can't be established.\nED25519 key fingerprint is "+fp+".\n")
		assert.Contains(t, out, "Permanently added "+srv.HostPort()+" (ED25519) to "+kh+".\n")
		data, err := os.ReadFile(kh)
		require.NoError(t, err)
		assert.Equal(t, srv.HostPort()+" "+keyLine(key)+"\n", string(data), "the plain key, not the certificate")

		code, out, errOut = runTofu(t, "", "-f", kh, srv.Addr)
		require.Equal(t, 0, code, errOut)
		assert.NotContains(t, out, "authenticity")
		assert.Contains(t, out, "host key of "+srv.Addr+" verified: certificate of ED25519 key "+fp)
		again, err := os.ReadFile(kh)
		require.NoError(t, err)
		assert.Equal(t, data, again)
	})

	t.Run("no", func(t *testing.T) {
		kh := filepath.Join(dir, "known_hosts_no")
		before := "# other hosts\nother.example " + keyLine(srv.CA) + "\n"
		require.NoError(t, os.WriteFile(kh, []byte(before), 0o600))
		code, out, errOut := runTofu(t, "n\n", "-f", kh, srv.Addr)
		assert.Equal(t, 1, code)
		assert.Contains(t, out, "ED25519 key fingerprint is "+fp+".\n")
		assert.Contains(t, errOut, "not trusted")
		data, err := os.ReadFile(kh)
		require.NoError(t, err)
		assert.Equal(t, before, string(data))

		missing := filepath.Join(dir, "never_created")
		code, _, _ = runTofu(t, "", "-f", missing, srv.Addr) // no answer at all is no
		assert.Equal(t, 1, code)
		assert.NoFileExists(t, missing)
	})

	t.Run("changed", func(t *testing.T) {
		kh := filepath.Join(dir, "known_hosts_changed")
		before := srv.HostPort() + " " + keyLine(srv.CA) + "\n"
		require.NoError(t, os.WriteFile(kh, []byte(before), 0o600))
		code, out, errOut := runTofu(t, "y\n", "-f", kh, srv.Addr)
		assert.Equal(t, 1, code)
		assert.NotContains(t, out, "authenticity", "a changed key is not a question")
		assert.Contains(t, errOut, "tofu: host key changed: it offered ED25519 key "+fp+", but "+kh+":1 holds another key for "+srv.HostPort())
		data, err := os.ReadFile(kh)
		require.NoError(t, err)
		assert.Equal(t, before, string(data))
	})

	t.Run("usage", func(t *testing.T) {
		code, _, _ := runTofu(t, "", srv.Addr)
		assert.Equal(t, 2, code)
	})
}
