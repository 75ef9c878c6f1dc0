package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/sshfp"
)

func TestZonegen(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}})
	dir := t.TempDir()
	pins := filepath.Join(dir, "pins")
	require.NoError(t, os.WriteFile(pins, []byte(fmt.Sprintf("Host web1.example.test,[web1.example.test]:*\n%s\n",
		fingerprint.Of(srv.Keys[0], fingerprint.SHA256))), 0o644))

	var stdout, stderr bytes.Buffer
	code := run([]string{"-pins", pins, srv.Addr + " web1.example.test"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	// Only the approved Ed25519 key gets records, read back by sshfp.Parse.
	f, err := sshfp.Parse(&stdout, "out")
	require.NoError(t, err)
	require.Empty(t, f.Invalid)
	require.Len(t, f.Records, 2)
	for _, rr := range f.Records {
		assert.Equal(t, "web1.example.test.", rr.Name)
		assert.True(t, rr.Matches(srv.Keys[0]))
	}

	// A name the pins do not approve: exit 1, no records.
	stdout.Reset()
	code = run([]string{"-pins", pins, srv.Addr + " web2.example.test"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout.String())
}
