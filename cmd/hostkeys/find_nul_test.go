package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/knownhosts"
)

const nulKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"

// TestFindNULBytes compares hostkeys find and find -l with ssh-keygen -F
// and -lF on known_hosts lines with a NUL byte in each place OpenSSH's
// hostkeys_foreach_file treats differently.
//
// OpenSSH reads a line with getline, cuts it at the first "\n" or NUL and
// reads it as a C string, except that the host field ends at a space, tab
// or NUL and the parser then steps over that byte whatever it was: when a
// NUL ends the host field, the key is read from the bytes after it, up to
// the next NUL or the end of the line with its "\n" (which the cut did not
// reach: it passes -F's check for text after the key type, and -lF prints
// it at the end of the comment). -F prints the line up to the NUL.
//
// knownhosts ends every line at its first NUL, so it finds no entry in
// such a line ("differs" below): the README lists this among the
// deliberate differences (ssh would trust the key; hostkeys does not).
// Such a line passes when hostkeys shows exactly that difference or
// exactly ssh-keygen's output; the other lines agree byte for byte.
func TestFindNULBytes(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	for i, tc := range []struct {
		line    string
		differs bool // a NUL ends the host field
	}{
		{"h\x00 " + nulKey, true},
		{"h\x00\t" + nulKey, true},
		{"h\x00 " + nulKey + " the comment", true},
		{"h\x00 " + nulKey + " com\x00ment", true},
		{"h\x00 ssh-ed25519 \t", true}, // -F finds it, -lF does not
		{"@revoked h\x00 " + nulKey, true},
		{knownhosts.HashHost("h") + "\x00 " + nulKey, true},
		{"other,h\x00 " + nulKey, true},
		{"h\x00 ssh-ed25519", false},  // nothing after the key type
		{"h\x00x " + nulKey, false},   // key type "x"
		{"h\x00\x00" + nulKey, false}, // nothing after the host field
		{"h " + nulKey + "\x00 trailing", false},
		{"h " + nulKey + " com\x00ment", false},
		{"h ssh-ed\x0025519 AAAA", false},
		{"\x00h " + nulKey, false}, // a blank line
		{"@revoked\x00 h " + nulKey, false},
	} {
		path := filepath.Join(dir, fmt.Sprintf("kh%d", i))
		// Line 2, after an entry for another host.
		require.NoError(t, os.WriteFile(path, []byte("other "+nulKey+"\n"+tc.line+"\n"), 0o600))
		for _, flags := range [][]string{{"-F", "h"}, {"-l", "-F", "h"}} {
			cmd := exec.Command(keygen, append(flags, "-f", path)...)
			cmd.Env = []string{"LC_ALL=C", "HOME=/nonexistent"}
			want, err := cmd.Output()
			wantCode := 0
			if ee, ok := err.(*exec.ExitError); ok {
				wantCode = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}
			args := []string{"find", "-f", path, "h"}
			if len(flags) == 3 {
				args = []string{"find", "-l", "-f", path, "h"}
			}
			var stdout, stderr bytes.Buffer
			code := run(&env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}, args)
			if !tc.differs || (code == wantCode && stdout.String() == string(want)) {
				// The same as ssh-keygen; for a "differs" line, once
				// knownhosts follows OpenSSH's rule (then drop the README
				// bullet and the differs field).
				assert.Equal(t, wantCode, code, "%v on %q: %s", args, tc.line, stderr.String())
				assert.Equal(t, string(want), stdout.String(), "%v on %q", args, tc.line)
				continue
			}
			// The deliberate difference: ssh-keygen finds line 2 (but -lF
			// not in the key-less line), hostkeys finds nothing.
			if len(flags) == 2 || strings.Contains(tc.line, "AAAA") {
				assert.Equal(t, 0, wantCode, "ssh-keygen %v on %q", flags, tc.line)
				assert.Contains(t, string(want), "found: line 2", "ssh-keygen %v on %q", flags, tc.line)
			}
			assert.Equal(t, exitFindings, code, "%v on %q", args, tc.line)
			assert.Empty(t, stdout.String(), "%v on %q", args, tc.line)
		}
	}
}
