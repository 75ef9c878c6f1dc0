package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/internal/keygentest"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFingerprintMatchesSSHKeygen runs the CLI in-process and the real
// ssh-keygen -l on the same generated files and compares stdout and exit
// status. (internal/sshkeygen has the larger, line-by-line version of this
// test; this one covers flag handling and the command's own wiring.) Files
// whose ssh-keygen output depends on freed memory are left out.
func TestFingerprintMatchesSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	c := keygentest.Keys(t)
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(7, 7))
	flagSets := [][]string{nil, {"-E", "md5"}, {"-v"}, {"-v", "-E", "md5"}}
	compared := 0
	for i := range 40 {
		// Keep to host-prefixed lines so that no stale comment pointer
		// makes ssh-keygen's output undefined.
		data := keygentest.HostFile(r, c, 1+r.IntN(40))
		path := filepath.Join(dir, fmt.Sprintf("k%02d", i))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		flags := flagSets[i%len(flagSets)]

		cmd := exec.Command(keygen, append(append([]string{"-l"}, flags...), "-f", path)...)
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		want, err := cmd.Output()
		wantCode := 0
		if ee, ok := err.(*exec.ExitError); ok {
			wantCode = ee.ExitCode()
		}

		var stdout, stderr bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
		code := run(e, append(append([]string{"fingerprint"}, flags...), "-f", path))
		assert.Equal(t, wantCode, code, "exit status for %s %v", path, flags)
		assert.Equal(t, string(want), stdout.String(), "stdout for %s %v", path, flags)
		compared += bytes.Count(want, []byte("SHA256:")) + bytes.Count(want, []byte("MD5:"))
	}
	assert.Greater(t, compared, 100)
}

// TestSampleData runs the README's first command on the bundled sample and
// compares it with the recorded output (which the real ssh-keygen -l
// printed; checked again here when it is installed).
func TestSampleData(t *testing.T) {
	sample := filepath.Join("..", "..", "examples", "testdata", "known_hosts")
	want, err := os.ReadFile(sample + ".fingerprints")
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	require.Equal(t, 0, run(e, []string{"fingerprint", "-f", sample}))
	assert.Equal(t, string(want), stdout.String())
	assert.Equal(t, 5, strings.Count(stderr.String(), "hostkeys: warning: "), "every skipped line is reported:\n%s", stderr.String())

	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	out, err := exec.Command(keygen, "-l", "-f", sample).Output()
	require.NoError(t, err)
	assert.Equal(t, string(want), string(out))
}
