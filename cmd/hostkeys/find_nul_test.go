package main

import (
	"fmt"
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

const nulKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"

// TestNULBytesMatchSSHKeygen compares hostkeys find, find -l, find -H,
// hash and remove with ssh-keygen -F, -lF, -HF, -H and -R on known_hosts
// lines with a NUL byte in each place OpenSSH's hostkeys_foreach_file
// treats differently.
//
// OpenSSH reads a line with getline, cuts it at the first "\n" or NUL and
// reads it as a C string, except that the host field ends at a space, tab
// or NUL and the parser then steps over that byte whatever it was: when a
// NUL ends the host field, the key is read from the bytes after it, up to
// the next NUL or the end of the line with its "\n" (which the cut did not
// reach: it passes -F's check for text after the key type, -lF prints it
// at the end of the comment, and -H writes it, an extra blank line). -F
// prints the line up to the NUL. hostkeys follows that rule, so it trusts
// and finds what ssh does.
//
// Output is compared byte for byte, with one documented difference: where
// hash and remove write back a line they keep, ssh-keygen writes it up to
// its first NUL, and hostkeys writes it whole; so hostkeys' file is
// compared with each line cut at its NUL.
func TestNULBytesMatchSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	for i, tc := range []struct {
		line  string
		noEOL bool // the line is the last, without "\n"
	}{
		{line: "h\x00 " + nulKey},
		{line: "h\x00 " + nulKey, noEOL: true},
		{line: "h\x00 " + nulKey + "\r"},
		{line: "h\x00\t" + nulKey},
		{line: "h\x00 " + nulKey + " the comment"},
		{line: "h\x00 " + nulKey + " the comment\r"},
		{line: "h\x00 " + nulKey + " the comment", noEOL: true},
		{line: "h\x00 " + nulKey + " com\x00ment"},
		{line: "h\x00 ssh-ed25519 \t"},              // -F finds it, -lF does not
		{line: "h\x00 ssh-ed25519 \t", noEOL: true}, // invalid: no "\n"
		{line: "@revoked h\x00 " + nulKey},
		{line: knownhosts.HashHost("h") + "\x00 " + nulKey},
		{line: "other,h\x00 " + nulKey},
		{line: "H,h2\x00 " + nulKey + " c"},
		{line: "h*\x00 " + nulKey},
		{line: "h\x00"},               // nothing after the host field
		{line: "h\x00 ssh-ed25519"},   // nothing after the key type
		{line: "h\x00x " + nulKey},    // key type "x"
		{line: "h\x00\x00" + nulKey},  // nothing after the host field
		{line: "h\x00 \x00" + nulKey}, // the same
		{line: "h " + nulKey + "\x00 trailing"},
		{line: "h " + nulKey + " com\x00ment"},
		{line: "h ssh-ed\x0025519 AAAA"},
		{line: "\x00h " + nulKey}, // a blank line
		{line: "# c\x00h " + nulKey},
		{line: "@revoked\x00 h " + nulKey}, // invalid marker
	} {
		path := filepath.Join(dir, fmt.Sprintf("kh%d", i))
		// Line 2, after an entry for another host, and before a third
		// line unless it is the last.
		content := "other " + nulKey + "\n" + tc.line
		if !tc.noEOL {
			content += "\nthird " + nulKey + "\n"
		}
		names := candidateNames([]byte(content))
		write := func() { require.NoError(t, os.WriteFile(path, []byte(content), 0o600)) }
		for _, c := range []struct{ keygen, mine []string }{
			{[]string{"-F", "h"}, []string{"find", "-f", path, "h"}},
			{[]string{"-l", "-F", "h"}, []string{"find", "-l", "-f", path, "h"}},
			{[]string{"-H", "-F", "h"}, []string{"find", "-H", "-f", path, "h"}},
			{[]string{"-F", "h2"}, []string{"find", "-f", path, "h2"}},
			{[]string{"-H"}, []string{"hash"}},
			{[]string{"-R", "h"}, []string{"remove", "-f", path, "h"}},
		} {
			what := fmt.Sprintf("%v on %q", c.mine, tc.line)
			write()
			wantOut, wantErr, wantCode := keygentest.Run(t, keygen, []string{"LC_ALL=C", "HOME=/nonexistent"}, append(c.keygen, "-f", path)...)
			theirs, err := os.ReadFile(path)
			require.NoError(t, err)

			write()
			args := c.mine
			if args[0] == "hash" {
				args = []string{"hash", "-f", path}
			}
			stdout, stderr, code := runHostkeys(t, args...)
			mine, err := os.ReadFile(path)
			require.NoError(t, err)

			if wantCode == 255 {
				wantCode = exitFindings // hash and remove refusing the file
			}
			assert.Equal(t, wantCode, code, "%s: %s", what, stderr)
			assert.Equal(t, unhashNames(string(wantOut), names), unhashNames(stdout, names), "stdout of %s", what)
			if args[0] == "hash" || args[0] == "remove" {
				assert.Equal(t, string(wantErr), stderr, "stderr of %s", what)
				if string(mine) != content { // rewritten
					mine = []byte(cLines(string(mine)))
				}
				assert.Equal(t, unhashNames(string(theirs), names), unhashNames(string(mine), names), "file after %s", what)
			}
		}
	}
}

// unhashNames is unhashLines for lines whose key text need not parse:
// the host field is looked up on its own.
func unhashNames(out string, names []string) string {
	lines := strings.SplitAfter(out, "\n")
	for i, l := range lines {
		hf, rest, ok := strings.Cut(l, " ")
		if !ok || !strings.HasPrefix(hf, "|1|") {
			continue
		}
		one, err := knownhosts.Parse(strings.NewReader(hf+" "+nulKey), "output")
		if err != nil {
			continue
		}
		for _, n := range names {
			if len(one.Lookup(n)) > 0 {
				lines[i] = "<hashed " + n + "> " + rest
				break
			}
		}
	}
	return strings.Join(lines, "")
}

// cLines cuts each line of s at its first NUL, as ssh-keygen writes the
// lines -H and -R keep.
func cLines(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if j := strings.IndexByte(l, 0); j >= 0 {
			lines[i] = l[:j]
			if strings.HasSuffix(l, "\n") {
				lines[i] += "\n"
			}
		}
	}
	return strings.Join(lines, "")
}
