package main

import (
	"bytes"
	"encoding/json"
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
	flagSets := [][]string{nil, {"-E", "md5"}, {"-v"}, {"-v", "-E", "md5"}, {"-E", "SHA1"}}
	compared := 0
	for i := range 40 {
		// Keep to host-prefixed lines so that no stale comment pointer
		// makes ssh-keygen's output undefined.
		data := keygentest.HostFile(r, c, 1+r.IntN(40))
		path := filepath.Join(dir, fmt.Sprintf("k%02d", i))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		flags := flagSets[i%len(flagSets)]

		want, _, wantCode := keygentest.Run(t, keygen, []string{"PATH=/usr/bin:/bin"}, append(append([]string{"-l"}, flags...), "-f", path)...)
		stdout, _, code := runHostkeys(t, append(append([]string{"fingerprint"}, flags...), "-f", path)...)
		assert.Equal(t, wantCode, code, "exit status for %s %v", path, flags)
		assert.Equal(t, string(want), stdout, "stdout for %s %v", path, flags)
		compared += bytes.Count(want, []byte("SHA256:")) + bytes.Count(want, []byte("MD5:")) + bytes.Count(want, []byte("SHA1:"))
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
	stdout, stderr, code := runHostkeys(t, "fingerprint", "-f", sample)
	require.Equal(t, 0, code)
	assert.Equal(t, string(want), stdout)
	assert.Equal(t, 5, strings.Count(stderr, "hostkeys: warning: "), "every skipped line is reported:\n%s", stderr)

	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	out, err := exec.Command(keygen, "-l", "-f", sample).Output()
	require.NoError(t, err)
	assert.Equal(t, string(want), string(out))
}

// TestFingerprintBadInput: bad input gets a clear message naming file and
// line, and never a panic.
func TestFingerprintBadInput(t *testing.T) {
	dir := t.TempDir()
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"
	garbage := make([]byte, 256<<10)
	for i := range garbage {
		garbage[i] = byte(i*131 + i>>7)
	}
	tests := []struct {
		name, content string
		code          int
		stderr        []string
	}{
		{"truncated", "h ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5X\n", 255,
			[]string{"truncated:1: skipped: ssh-ed25519 key: invalid base64 key data", "truncated is not a public key file."}},
		{"mismatch", "h ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx\n", 255,
			[]string{`mismatch:1: skipped: key type mismatch: the line says "ssh-rsa", the key is "ssh-ed25519"`}},
		{"megabyte", "h " + key + " " + strings.Repeat("c", 1<<20) + "\n" + strings.Repeat("x", 1<<20) + "\nok " + key + "\n", 0,
			[]string{"megabyte:2: skipped: no public key on the line"}},
		{"garbage", string(garbage), 255, []string{"garbage:1: skipped: line starts with a NUL byte", "garbage:2: skipped: no public key on the line (the line ends at a NUL byte)", "garbage is not a public key file."}},
		{"empty", "", 255, []string{"empty is not a public key file."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o644))
			_, stderr, code := runHostkeys(t, "fingerprint", "-f", path)
			assert.Equal(t, tt.code, code)
			for _, s := range tt.stderr {
				assert.Contains(t, stderr, strings.Replace(s, tt.name, path, 1))
			}
		})
	}
}

// TestFingerprintPrivateKeys compares `hostkeys fingerprint -f KEY` with
// ssh-keygen -l on private key files: with and without a .pub file,
// encrypted, PEM, with an empty comment, readable by others, and broken.
func TestFingerprintPrivateKeys(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	gen := func(name, pass, comment string, args ...string) string {
		p := filepath.Join(dir, name)
		a := append([]string{"-q", "-N", pass, "-C", comment, "-f", p}, args...)
		out, err := exec.Command(keygen, a...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return p
	}
	withPub := gen("ed", "", "me@ed", "-t", "ed25519")
	paths := []string{withPub}
	for _, k := range []struct {
		name, pass, comment string
		args                []string
	}{
		{"nopub", "", "me@nopub", []string{"-t", "ed25519"}},
		{"enc", "secret", "encrypted", []string{"-t", "ecdsa"}},
		{"pem", "", "pem key", []string{"-t", "rsa", "-b", "2048", "-m", "PEM"}},
		{"empty", "", "", []string{"-t", "ed25519"}},
		{"dsa", "", "dsa key", []string{"-t", "dsa"}},
		{"open", "", "too open", []string{"-t", "ecdsa", "-b", "384"}},
	} {
		p := gen(k.name, k.pass, k.comment, k.args...)
		require.NoError(t, os.Remove(p+".pub"))
		paths = append(paths, p)
	}
	require.NoError(t, os.Chmod(filepath.Join(dir, "open"), 0o644))
	// A .pub file with no comment: ssh-keygen shows the .pub file's name.
	bare := gen("bare", "", "", "-t", "ed25519")
	paths = append(paths, bare)
	bad := filepath.Join(dir, "bad")
	require.NoError(t, os.WriteFile(bad, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n"), 0o600))
	paths = append(paths, bad)

	for _, p := range paths {
		for _, flags := range [][]string{nil, {"-E", "md5", "-v"}} {
			want, _, wantCode := keygentest.Run(t, keygen, nil, append(append([]string{"-l"}, flags...), "-f", p)...)
			stdout, stderr, code := runHostkeys(t, append(append([]string{"fingerprint"}, flags...), "-f", p)...)
			assert.Equal(t, wantCode, code, "%s %v: %s", p, flags, stderr)
			assert.Equal(t, string(want), stdout, "%s %v", p, flags)
		}
	}
}

// TestFindHashMatchesSSHKeygen: hostkeys find -l -E X and ssh-keygen -F -l
// -E X agree, stdout and exit status, for every digest both take, on
// generated files and names taken from them.
func TestFindHashMatchesSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	c := keygentest.Keys(t)
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(8, 8))
	compared := 0
	for i := range 6 {
		data := keygentest.HostFile(r, c, 20)
		path := filepath.Join(dir, fmt.Sprintf("kh%d", i))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		hosts := []string{"absent.example"}
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) > 1 && !strings.ContainsAny(f[0][:1], "|@#") {
				hosts = append(hosts, strings.Split(f[0], ",")[0])
			}
		}
		for j, hash := range []string{"sha256", "md5", "sha1", "MD5"} {
			host := hosts[(i+j)%len(hosts)]
			args := []string{"-E", hash, "-f", path, host}
			want, _, wantCode := keygentest.Run(t, keygen, []string{"PATH=/usr/bin:/bin"}, append([]string{"-l", "-F", host}, args[:4]...)...)
			stdout, stderr, code := runHostkeys(t, append([]string{"find", "-l"}, args...)...)
			assert.Equal(t, wantCode, code, "exit status of find -l %v: %s", args, stderr)
			assert.Equal(t, string(want), stdout, "stdout of find -l %v", args)
			compared += bytes.Count(want, []byte(" found: line"))
		}
	}
	assert.Greater(t, compared, 10)
}

// TestFingerprintJunkFile: a file of many junk lines (and a NUL-started
// one) is reported by -f and --json alike: the first 1000 lines by number
// and reason, then how many more there are.
func TestFingerprintJunkFile(t *testing.T) {
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"
	const n = 200_000
	path := filepath.Join(t.TempDir(), "junk")
	content := "\x00 " + key + "\n" + strings.Repeat("a b\n", n-2) + "h " + key + "\x00junk\n"
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	stdout, stderr, code := runHostkeys(t, "fingerprint", "-f", path)
	require.Equal(t, 0, code)
	assert.Equal(t, "256 SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw h (ED25519)\n", stdout)
	warnings := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	require.Len(t, warnings, 1001)
	assert.Equal(t, "hostkeys: warning: fingerprint: "+path+":1: skipped: line starts with a NUL byte", warnings[0])
	assert.Equal(t, fmt.Sprintf("hostkeys: warning: fingerprint: %s: %d more lines skipped (only the first 1000 are named)", path, n-1-1000), warnings[1000])

	stdout, stderr, code = runHostkeys(t, "fingerprint", "--json", "-f", path)
	require.Equal(t, 0, code)
	assert.Empty(t, stderr)
	var doc jsonFingerprints
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	require.Len(t, doc.Keys, 1)
	assert.Equal(t, n, doc.Keys[0].Line)
	require.Len(t, doc.Invalid, 1000)
	assert.Equal(t, jsonInvalid{File: path, Line: 1, Reason: "line starts with a NUL byte"}, doc.Invalid[0])
	assert.Equal(t, []jsonMoreInvalid{{File: path, Count: n - 1 - 1000}}, doc.MoreInvalid)
	for i, inv := range doc.Invalid {
		assert.Equal(t, fmt.Sprintf("hostkeys: warning: fingerprint: %s:%d: skipped: %s", path, inv.Line, inv.Reason), warnings[i])
	}
}
