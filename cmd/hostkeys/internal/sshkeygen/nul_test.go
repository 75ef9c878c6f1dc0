package sshkeygen

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nulLines returns, for each line form, the line with a NUL byte inserted
// at every position and with the rest of the line after every position
// replaced by a NUL and junk.
func nulLines() map[string][]string {
	forms := map[string]string{
		"bare":    fuzzKey + " comment",
		"host":    "host.example,192.0.2.1 " + fuzzKey + " a comment",
		"blanks":  " \t" + fuzzKey,
		"options": `command="x y",no-pty ` + fuzzKey + " c",
		"marker":  "@cert-authority *.example " + fuzzKey,
		"revoked": "@revoked h " + fuzzKey + " c",
	}
	out := map[string][]string{}
	for name, l := range forms {
		var lines []string
		for p := 0; p <= len(l); p++ {
			lines = append(lines, l[:p]+"\x00"+l[p:], l[:p]+"\x00junk "+fuzzKey)
		}
		out[name] = lines
	}
	return out
}

// TestNULSameAsReadKeys: with a NUL byte anywhere on a line, hostkeys
// fingerprint -f (List) and --json (fingerprint.ReadKeys) agree: the line
// ends at the NUL, as for ssh-keygen; a key before it is listed by both (or
// by ReadKeys only, for marker lines, which -f reports with the reason);
// a line that is blank up to the NUL is reported by both with the same
// reason, never skipped silently; every line is either listed or reported.
func TestNULSameAsReadKeys(t *testing.T) {
	for name, lines := range nulLines() {
		t.Run(name, func(t *testing.T) {
			data := []byte(strings.Join(lines, "\n") + "\n")
			var listed []int
			res, err := List(io.Discard, bytes.NewReader(data), "f", ListOptions{OnKey: func(k Listed) { listed = append(listed, k.Line) }})
			require.NoError(t, err)
			require.Zero(t, res.MoreSkipped)
			kf, err := fingerprint.ReadKeys(bytes.NewReader(data), "f")
			require.NoError(t, err)
			keys := map[int]fingerprint.KeyLine{}
			for _, k := range kf.Keys {
				keys[k.Line] = k
			}
			invalid := map[int]string{}
			for _, e := range kf.Invalid {
				invalid[e.Line] = e.Reason
			}
			assert.Equal(t, len(lines), len(keys)+len(invalid), "ReadKeys: every line is a key or invalid")
			assert.Equal(t, len(lines), len(listed)+len(res.Skipped), "List: every line is listed or reported")
			for _, n := range listed {
				_, ok := keys[n]
				assert.True(t, ok, "line %d %q: listed by -f, not by ReadKeys (%s)", n, lines[n-1], invalid[n])
			}
			for _, s := range res.Skipped {
				if want, ok := invalid[s.Line]; ok {
					assert.Equal(t, want, s.Reason, "line %d %q", s.Line, lines[s.Line-1])
				} else {
					assert.NotEmpty(t, keys[s.Line].Marker, "line %d %q: skipped by -f (%s), a key to ReadKeys", s.Line, lines[s.Line-1], s.Reason)
				}
			}
			// The lines that start with a NUL (after any blanks).
			for i, l := range lines {
				if strings.TrimLeft(l, " \t")[0] == 0 {
					assert.Equal(t, "line starts with a NUL byte", invalid[i+1], "line %d %q", i+1, l)
				}
			}
			t.Logf("%d lines: %d listed by -f, %d keys and %d invalid for ReadKeys", len(lines), len(listed), len(keys), len(invalid))
		})
	}
}

// TestNULListMatchesSSHKeygen compares List's output on the lines of
// TestNULSameAsReadKeys with the real ssh-keygen -l.
func TestNULListMatchesSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	for name, lines := range nulLines() {
		// One file per line: the stale comment pointer (see the package
		// doc) makes bare keys after host lines differ on purpose.
		n := 0
		for i, l := range lines {
			path := filepath.Join(dir, fmt.Sprintf("%s-%03d", name, i))
			require.NoError(t, os.WriteFile(path, []byte(l+"\n"), 0o644))
			c, _ := compareList(t, keygen, path, listCase{})
			n += c
		}
		t.Logf("%s: %d of %d lines listed, as ssh-keygen", name, n, len(lines))
	}
}
