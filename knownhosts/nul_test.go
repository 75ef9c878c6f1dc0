package knownhosts_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/knownhosts"
)

// nulKey is a key for the NUL-byte lines.
const nulKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"

// nulLines are known_hosts lines with a NUL byte in each place where
// OpenSSH's hostkeys_foreach_file treats it differently. OpenSSH reads a
// line with getline, cuts it at the first "\n" or NUL, and reads it as a
// C string; but the host field ends at a space, tab or NUL and the parser
// steps over that byte whatever it was, so a NUL that ends the host field
// hides nothing: the key is read from the bytes after it (and the "\n"
// that the cut did not reach stays in the comment).
var nulLines = []string{
	"h\x00 " + nulKey,                           // found by -F (which prints "h") and -lF
	"h\x00\t" + nulKey,                          // the same
	"h\x00 " + nulKey + " the comment",          // comment "the comment\n"
	"h\x00 " + nulKey + " com\x00ment",          // comment "com"
	"h\x00 ssh-ed25519 \t",                      // -F finds it (the "\n" is not blank); -lF not
	"h\x00 ssh-ed25519",                         // invalid: nothing after the key type
	"h\x00x " + nulKey,                          // invalid: key type "x"
	"h\x00\x00" + nulKey,                        // invalid: truncated before the key type
	"h " + nulKey + "\x00 trailing",             // found; the line ends at the NUL
	"h " + nulKey + " com\x00ment",              // comment "com"
	"h ssh-ed\x0025519 AAAA",                    // invalid: key type "ssh-ed"
	"\x00h " + nulKey,                           // blank
	"@revoked\x00 h " + nulKey,                  // invalid marker
	"@revoked h\x00 " + nulKey,                  // revoked key for h
	knownhosts.HashHost("h") + "\x00 " + nulKey, // hashed, found
	"h,other\x00 " + nulKey,                     // found for h and for other
}

var keygenFound = regexp.MustCompile(`(?m)^# Host \S+ found: line (\d+)`)

// TestNULBytesSSHKeygen compares what ssh-keygen -F and -lF find in lines
// with NUL bytes with File.Lookup, and the fingerprints and comments -lF
// prints with Entry.Key and Entry.Comment.
func TestNULBytesSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	for i, line := range nulLines {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("kh%d", i))
			// Line 2, after a plain entry, so that a wrong line count shows.
			content := "other " + nulKey + "\n" + line + "\n"
			require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
			f, err := knownhosts.ParseFile(path)
			require.NoError(t, err)
			for _, host := range []string{"h", "other"} {
				out := keygenOut(t, keygen, "-F", host, "-f", path)
				want := keygenFound.FindAllStringSubmatch(out, -1)
				var got []string
				for _, en := range f.Lookup(host) {
					got = append(got, strconv.Itoa(en.Line))
				}
				assert.Equal(t, foundNums(want), got, "ssh-keygen -F %s on %q", host, line)

				// -lF: the entries whose key parses, with fingerprint and comment.
				out = keygenOut(t, keygen, "-l", "-F", host, "-f", path)
				var mine strings.Builder
				for _, en := range f.Lookup(host) {
					key, err := en.Key()
					if err != nil {
						continue
					}
					tag := map[fingerprint.Marker]string{fingerprint.Revoked: "REVOKED", fingerprint.CertAuthority: "CA"}[en.Marker]
					sep := ""
					if en.Comment() != "" {
						sep = " "
					}
					fmt.Fprintf(&mine, "# Host %s found: line %d %s\n%s %s %s%s%s\n", host, en.Line, tag,
						host, fingerprint.TypeLabel(key), fingerprint.Of(key, fingerprint.SHA256), sep, en.Comment())
				}
				assert.Equal(t, out, mine.String(), "ssh-keygen -lF %s on %q", host, line)
			}
		})
	}
}

func foundNums(m [][]string) []string {
	var n []string
	for _, s := range m {
		n = append(n, s[1])
	}
	return n
}

func keygenOut(t *testing.T, keygen string, args ...string) string {
	cmd := exec.Command(keygen, args...)
	cmd.Env = []string{"LC_ALL=C", "HOME=/nonexistent"}
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("%s: %v", keygen, err)
		}
	}
	return out.String()
}

// TestNULBytesOpenParseHash: for each NUL line, with and without a final
// newline and with "\r\n", the File writes back byte for byte, Open's
// loader finds what Parse finds (the same key text), Check trusts the
// key where ssh-keygen finds an unmarked entry whose key parses and
// rejects it on the @revoked line, and the file Hash builds is what
// parsing its bytes gives.
func TestNULBytesOpenParseHash(t *testing.T) {
	key, _, err := fingerprint.ParseKeyText(nulKey)
	require.NoError(t, err)
	dir := t.TempDir()
	for i, line := range nulLines {
		for j, end := range []string{"\n", "", "\r\n"} {
			content := "other " + nulKey + "\n" + line + end
			path := filepath.Join(dir, fmt.Sprintf("kh%d-%d", i, j))
			require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
			f, err := knownhosts.ParseFile(path)
			require.NoError(t, err)
			require.Equal(t, content, string(f.Bytes()), "round trip of %q", content)
			db, err := knownhosts.Open(path)
			require.NoError(t, err)
			for _, host := range []string{"h", "other"} {
				a, b := f.Lookup(host), db.Lookup(host)
				require.Len(t, b, len(a), "Open vs Parse on %q", content)
				for k := range a {
					assert.Equal(t, a[k].Line, b[k].Line)
					assert.Equal(t, a[k].Hosts, b[k].Hosts)
					assert.Equal(t, a[k].KeyText, b[k].KeyText)
				}
			}
			trusted, revoked := false, false
			for _, e := range f.Lookup("h") {
				if _, err := e.Key(); err == nil {
					trusted = trusted || e.Marker == ""
					revoked = revoked || e.Marker == fingerprint.Revoked
				}
			}
			err = db.Check("h:22", key)
			switch {
			case revoked:
				assert.True(t, knownhosts.IsRevoked(err), "Check on %q: %v", content, err)
			case trusted:
				assert.NoError(t, err, "Check on %q", content)
			default:
				assert.Error(t, err, "Check on %q", content)
			}

			if _, err := f.Hash(&knownhosts.EditOptions{KeepInvalid: true}); err != nil {
				continue
			}
			g, err := knownhosts.Parse(bytes.NewReader(f.Bytes()), f.Name)
			require.NoError(t, err)
			require.Len(t, g.Lines, len(f.Lines), "Hash of %q", content)
			for k := range g.Lines {
				a, b := f.Lines[k], g.Lines[k]
				assert.Equal(t, b.Text, a.Text)
				assert.Equal(t, b.Kind, a.Kind, "Hash of %q: line %d", content, k+1)
				if a.Entry != nil && b.Entry != nil {
					assert.Equal(t, b.Entry.KeyText, a.Entry.KeyText)
					assert.Equal(t, b.Entry.Comment(), a.Entry.Comment())
				}
			}
		}
	}
}

// FuzzEditReparse: after Hash, Remove and Add, the File is what parsing
// its bytes gives (kinds, key texts and comments), NUL bytes and missing
// final newlines included.
func FuzzEditReparse(f *testing.F) {
	for _, l := range nulLines {
		f.Add("other " + nulKey + "\n" + l + "\n")
		f.Add("other " + nulKey + "\n" + l)
	}
	key, _, err := fingerprint.ParseKeyText(nulKey)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, s string) {
		for op := range 3 {
			p, err := knownhosts.Parse(strings.NewReader(s), "f")
			require.NoError(t, err)
			opts := &knownhosts.EditOptions{KeepInvalid: true}
			switch op {
			case 0:
				_, err = p.Hash(opts)
			case 1:
				_, err = p.Remove("h", opts)
			case 2:
				err = p.Add([]string{"new.example"}, key, nil)
			}
			if err != nil {
				continue
			}
			q, err := knownhosts.Parse(bytes.NewReader(p.Bytes()), "f")
			require.NoError(t, err)
			require.Len(t, q.Lines, len(p.Lines), "op %d", op)
			for i := range q.Lines {
				a, b := p.Lines[i], q.Lines[i]
				if a.Kind != b.Kind || a.Text != b.Text || a.Num != i+1 {
					t.Fatalf("op %d: line %d: %v %q, reparsed %v %q", op, i+1, a.Kind, a.Text, b.Kind, b.Text)
				}
				if a.Entry != nil && (a.Entry.KeyText != b.Entry.KeyText || a.Entry.Hosts != b.Entry.Hosts || a.Entry.Comment() != b.Entry.Comment()) {
					t.Fatalf("op %d: line %d: entry %q, reparsed %q", op, i+1, a.Entry.KeyText, b.Entry.KeyText)
				}
			}
		}
	})
}
