package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
)

func TestCIKnownHosts(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}})
	other := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	dir := t.TempDir()
	pins := filepath.Join(dir, "pins")
	require.NoError(t, os.WriteFile(pins, []byte(fmt.Sprintf("Host [127.0.0.1]:*\n%s (ED25519)\n",
		fingerprint.Of(srv.Keys[0], fingerprint.SHA256))), 0o644))
	kh := filepath.Join(dir, "known_hosts")

	var stdout, stderr bytes.Buffer
	code := run([]string{"-pins", pins, "-o", kh, "-H", srv.Addr}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Equal(t, "1 approved key(s) added to "+kh+"\n", stdout.String())
	out, err := exec.Command(keygen, "-F", srv.HostPort(), "-f", kh).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "ssh-ed25519 ")
	before, err := os.ReadFile(kh)
	require.NoError(t, err)

	// A host with another key: exit 1 and the file untouched.
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"-pins", pins, "-o", kh, srv.Addr, other.Addr}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "not written")
	after, err := os.ReadFile(kh)
	require.NoError(t, err)
	assert.Equal(t, before, after)
}
