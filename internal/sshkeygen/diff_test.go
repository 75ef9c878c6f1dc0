package sshkeygen

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	hostFields = []string{
		"example.com", "a.example.org,192.0.2.10", "[git.example.net]:2222", "2001:db8::1",
		"*.example.org,!bad.example.org", "host?.example.com", "Example.COM", "0", "22", "00",
		"4294967296", "-5", "+7", "12abc", `"quoted host"`, `x"y z"w`, `a\"b`, "\"unterminated",
		"192.0.2.7,[192.0.2.7]:2222", "ssh-ed25519", "#", "@cert-authority",
	}
	options = []string{
		`command="echo hi there",no-pty`, `from="10.0.0.0/8"`, `environment="A=\"b c\""`,
		"no-agent-forwarding", `restrict,command="/bin/true"`, `cert-authority,principals="a b"`,
	}
	comments = []string{
		"", "", "", "user@host", "my trailing comment", "#notcomment", "h\xc3\xa9llo w\xc3\xb6rld",
		"ctl\x01x", "tab\tinside", "bad\xffbyte", "spaced  ", "quote\"x", "\xe2\x80\xa8sep", "emoji\xf0\x9f\x98\x80",
		"del\x7f", "# a hash comment",
	}
)

var seed = flag.Uint64("seed", 1, "random seed for the generated differential inputs")

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func blank(r *rand.Rand) string {
	return pick(r, []string{" ", " ", " ", "\t", "  ", " \t "})
}

func hashedHost(r *rand.Rand) string {
	salt := make([]byte, 20)
	mac := make([]byte, 20)
	for i := range salt {
		salt[i], mac[i] = byte(r.Uint32()), byte(r.Uint32())
	}
	return "|1|" + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(mac)
}

// genFile returns a known_hosts/authorized_keys-like file mixing every kind
// of line ssh-keygen -l meets.
func genFile(r *rand.Rand, c *corpus, lines int) []byte {
	var b bytes.Buffer
	key := func() string {
		if r.IntN(6) == 0 {
			return pick(r, c.invalid)
		}
		k := pick(r, c.valid)
		if r.IntN(8) == 0 {
			k = strings.Replace(k, " ", "\t", 1)
		}
		return k
	}
	withComment := func(s string) string {
		if cm := pick(r, comments); cm != "" {
			s += blank(r) + cm
		}
		return s
	}
	for range lines {
		var line string
		lead := ""
		if r.IntN(8) == 0 {
			lead = blank(r)
		}
		switch r.IntN(13) {
		case 0, 1, 2:
			line = withComment(pick(r, hostFields) + blank(r) + key())
		case 3:
			line = withComment(hashedHost(r) + blank(r) + key())
		case 4:
			line = withComment(pick(r, []string{"@cert-authority", "@revoked", "@foo"}) + " " + pick(r, hostFields) + " " + key())
		case 5, 6:
			line = withComment(key())
		case 7:
			line = withComment(pick(r, options) + blank(r) + key())
		case 8:
			line = pick(r, []string{"", "# comment line", "   ", "\t", "#", "\r"})
		case 9:
			g := make([]byte, r.IntN(60))
			for i := range g {
				g[i] = byte(r.IntN(255) + 1)
				if g[i] == '\n' {
					g[i] = ' '
				}
			}
			if r.IntN(4) == 0 && len(g) > 0 {
				g[r.IntN(len(g))] = 0
			}
			line = string(g)
		case 10:
			line = pick(r, []string{"bad.example 2048 35 1234567890", "2048 35 1234567890 user", "bad.example", "@revoked", "bad.example ssh-ed25519"})
		case 11:
			// A key after a NUL: ssh-keygen stops reading at the NUL.
			line = pick(r, hostFields) + "\x00 " + key()
		case 12:
			line = withComment(pick(r, hostFields) + blank(r) + key() + blank(r))
		}
		b.WriteString(lead + line)
		if r.IntN(5) == 0 {
			b.WriteString("\r\n")
		} else {
			b.WriteString("\n")
		}
	}
	if r.IntN(3) == 0 {
		// Drop the final newline.
		b.Truncate(b.Len() - 1)
	}
	return b.Bytes()
}

type listCase struct {
	hash   fingerprint.Hash
	visual bool
	utf8   bool
}

func (lc listCase) args(path string) []string {
	a := []string{"-l"}
	if lc.hash == fingerprint.MD5 {
		a = append(a, "-E", "md5")
	}
	if lc.visual {
		a = append(a, "-v")
	}
	return append(a, "-f", path)
}

// TestListMatchesSSHKeygen compares List with the real ssh-keygen -l on
// generated files: every key type, hashed and plain hosts, options,
// markers, comments in several encodings, invalid lines and CRLF.
func TestListMatchesSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	c := keyCorpus(t)
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(*seed, 2))
	t.Logf("seed %d (rerun with -seed=N)", *seed)
	files := 120
	if testing.Short() {
		files = 20
	}
	cases := []listCase{{}, {hash: fingerprint.MD5}, {visual: true}, {utf8: true}, {hash: fingerprint.MD5, visual: true, utf8: true}}
	compared, undefined := 0, 0
	for i := range files {
		data := genFile(r, c, 1+r.IntN(60))
		path := filepath.Join(dir, fmt.Sprintf("f%03d", i))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		lc := cases[i%len(cases)]
		n, u := compareList(t, keygen, path, lc)
		compared += n
		undefined += u
	}
	t.Logf("compared %d keys in %d files (%d with undefined ssh-keygen output skipped)", compared, files, undefined)
	assert.Greater(t, compared, files*5)
}

func compareList(t *testing.T, keygen, path string, lc listCase) (int, int) {
	t.Helper()
	cmd := exec.Command(keygen, lc.args(path)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	if lc.utf8 {
		cmd.Env = append(cmd.Env, "LANG=C.UTF-8")
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err := cmd.Run()
	wantCode := 0
	if ee, ok := err.(*exec.ExitError); ok {
		wantCode = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var got bytes.Buffer
	res, err := List(&got, f, path, ListOptions{Hash: lc.hash, Visual: lc.visual, Escaper: &Escaper{UTF8: lc.utf8}})
	require.NoError(t, err)
	gotCode := 0
	if len(res.Keys) == 0 {
		gotCode = 255
	}
	if !assert.Equal(t, wantCode, gotCode, "exit code for %s %v", path, lc) {
		return 0, 0
	}
	per := 1
	if lc.visual {
		per = 12
	}
	wantLines := splitLines(stdout.String())
	gotLines := splitLines(got.String())
	if !assert.Equal(t, len(wantLines), len(gotLines), "line count for %s %v\nwant:\n%s\ngot:\n%s", path, lc, stdout.String(), got.String()) {
		keepFailure(t, path)
		return 0, 0
	}
	compared, undefined := 0, 0
	for i, k := range res.Keys {
		if k.Undefined {
			undefined++
			continue
		}
		want := strings.Join(wantLines[i*per:(i+1)*per], "")
		have := strings.Join(gotLines[i*per:(i+1)*per], "")
		if !assert.Equal(t, want, have, "%s line %d %v", path, k.Line, lc) {
			keepFailure(t, path)
			data, _ := os.ReadFile(path)
			lines := strings.SplitAfter(string(data), "\n")
			if k.Line-1 < len(lines) {
				t.Logf("input line %d: %q", k.Line, lines[k.Line-1])
			}
			return compared, undefined
		}
		compared++
	}
	return compared, undefined
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
}

// keepFailure copies a failing input to $HOSTKEYS_KEEP_FAILURES, if set.
func keepFailure(t *testing.T, path string) {
	dir := os.Getenv("HOSTKEYS_KEEP_FAILURES")
	if dir == "" {
		return
	}
	data, err := os.ReadFile(path)
	if err == nil {
		dst := filepath.Join(dir, filepath.Base(path))
		if os.WriteFile(dst, data, 0o644) == nil {
			t.Logf("kept failing input as %s", dst)
		}
	}
}
