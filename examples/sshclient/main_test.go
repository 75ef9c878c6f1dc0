package main

import (
	"bytes"
	"fmt"
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

func TestSSHClient(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}, Login: true})
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	keyText := func(k ssh.PublicKey) string { return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) }
	// The ECDSA key is pinned: the policy must make the server present it.
	pins := write("pins", fmt.Sprintf("Host %s\n%s (ECDSA)\n", srv.HostPort(), fingerprint.Of(srv.Keys[1], fingerprint.SHA256)))
	kh := write("known_hosts", srv.HostPort()+" "+keyText(srv.Keys[1])+"\n")
	run1 := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"-i", srv.UserKeyFile, "-l", srv.User}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	code, out, errOut := run1("-pins", pins, "-known-hosts", kh, srv.Addr, "echo", "hello")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "hello\n", out)

	// known_hosts with another key contradicts the pin: refused.
	bad := write("bad_known_hosts", srv.HostPort()+" "+keyText(srv.Keys[0])+"\n")
	code, out, errOut = run1("-pins", pins, "-known-hosts", bad, srv.Addr, "echo", "hello")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "host key refused: pins at "+pins+":2: the host is pinned to 1 other key")
	assert.Contains(t, errOut, "known-hosts: confirmed "+bad+":1")

	// Nothing known: refused, never trusted on first use.
	code, _, errOut = run1("-pins", write("empty", "# none\n"), srv.Addr, "true")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no trusted source confirms the key")
}
