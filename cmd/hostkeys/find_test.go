package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/internal/keygentest"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/knownhosts"
)

// TestFindHashedMatchesSSHKeygen: hostkeys find -H and ssh-keygen -F -H
// agree, exit status and stdout, on generated files (markers, wildcards,
// hashed names, CRLF, blanks, invalid keys) and names taken from them, with
// and without -q. Salts are random, so each freshly hashed name is replaced
// by the name it hashes before the outputs are compared byte for byte.
// Lines with a NUL byte are included ("host\x00 KEY": -HF prints the
// hashed name, the text after the NUL and an extra newline).
func TestFindHashedMatchesSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	c := keygentest.Keys(t)
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(9, 9))
	hashedLines, runs := 0, 0
	for i := range 20 {
		data := keygentest.File(r, c, 1+r.IntN(40))
		path := filepath.Join(dir, fmt.Sprintf("kh%02d", i))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		names := candidateNames(data)
		hosts := []string{"absent.example", "EXAMPLE.COM", "[git.example.net]:2222"}
		for range 4 {
			if len(names) > 0 {
				hosts = append(hosts, names[r.IntN(len(names))])
			}
		}
		for j, host := range hosts {
			var flags []string
			if j%2 == 1 {
				flags = []string{"-q"}
			}
			want, _, wantCode := keygentest.Run(t, keygen, []string{"PATH=/usr/bin:/bin"}, append(append([]string{"-H", "-F", host}, flags...), "-f", path)...)
			stdout, stderr, code := runHostkeys(t, append(append([]string{"find", "-H"}, flags...), "-f", path, "--", host)...)
			assert.Equal(t, wantCode, code, "exit status of find -H %v %s %q: %s", flags, path, host, stderr)
			assert.Equal(t, unhashLines(t, string(want), names), unhashLines(t, stdout, names), "stdout of find -H %v %s %q", flags, path, host)
			hashedLines += strings.Count(unhashLines(t, string(want), names), "<hashed ")
			runs++
		}
	}
	t.Logf("%d runs, %d freshly hashed lines compared", runs, hashedLines)
	assert.Greater(t, hashedLines, 15)
}

// candidateNames returns every name ssh-keygen -H might hash in data: each
// comma element of each blank-separated field, lowercased.
func candidateNames(data []byte) []string {
	seen := map[string]bool{}
	var names []string
	for _, field := range strings.FieldsFunc(string(data), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == 0
	}) {
		for _, n := range strings.Split(field, ",") {
			n = strings.ToLower(n)
			if n != "" && !seen[n] && !strings.HasPrefix(n, "|") {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return names
}

// unhashLines replaces the host field of each line that starts with a
// hashed name by "<hashed NAME>" when it is the hash of one of names,
// found by the knownhosts package's lookup; lines keep their order.
// Hashed names from the input file, which match none, stay as they are.
func unhashLines(t *testing.T, out string, names []string) string {
	t.Helper()
	lines := strings.SplitAfter(out, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "|1|") {
			continue
		}
		one, err := knownhosts.Parse(strings.NewReader(l), "output")
		require.NoError(t, err)
		_, rest, _ := strings.Cut(l, " ")
		for _, n := range names {
			if len(one.Lookup(n)) > 0 {
				lines[i] = "<hashed " + n + "> " + rest
				break
			}
		}
	}
	return strings.Join(lines, "")
}
