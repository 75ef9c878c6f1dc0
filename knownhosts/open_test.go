package knownhosts

import (
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenNamedFiles: a file named explicitly must exist and be a
// known_hosts file; one wrong path must not quietly trust nothing.
func TestOpenNamedFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	good := write("good", "# c\nh "+k1+"\nbroken line\n")
	empty := write("empty", "")
	comments := write("comments", "# nothing yet\n\n   \t\n")
	missing := filepath.Join(dir, "missing")

	db, err := Open(good, empty, comments)
	require.NoError(t, err)
	assert.Equal(t, []DBFile{{Name: good, Entries: 1}, {Name: empty}, {Name: comments}}, db.Files())

	_, err = Open(good, missing)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, missing, fe.File)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Equal(t, "knownhosts: open "+missing+": no such file or directory", err.Error())

	_, err = Open("~/.ssh/known_hosts_not_there")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), `a leading "~" is not expanded; see DefaultFiles`)

	db, err = OpenOptions(Options{SkipMissing: true}, missing, good)
	require.NoError(t, err)
	assert.Equal(t, []DBFile{{Name: missing, Missing: true}, {Name: good, Entries: 1}}, db.Files())
	assert.Len(t, db.HostKeys("h"), 1)

	_, err = OpenOptions(Options{SkipMissing: true}, dir)
	assert.Error(t, err, "a directory is not skipped")

	// A 1 MB binary file.
	bin := make([]byte, 1<<20)
	_, err = rand.Read(bin)
	require.NoError(t, err)
	binary := write("binary", string(bin))
	_, err = OpenOptions(Options{SkipMissing: true}, good, binary)
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, ErrNotKnownHosts)
	assert.Equal(t, binary, fe.File)
	assert.Positive(t, fe.Line)

	for name, content := range map[string]string{
		"zeros":       string(make([]byte, 4096)),
		"nul in text": "# c\nab\x00cd\n",
		"private key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n",
		"config":      "Host *\n  StrictHostKeyChecking yes\n",
		"long line":   "# c\n" + longText(100000) + "\n",
	} {
		p := write(name, content)
		_, err := Open(p)
		if assert.ErrorIs(t, err, ErrNotKnownHosts, name) {
			assert.Regexp(t, `^knownhosts: `+regexp.QuoteMeta(p)+`:\d+: not a known_hosts file: `, err.Error(), name)
		}
	}
	_, err = Open(write("private key line 2", "-----BEGIN OPENSSH PRIVATE KEY-----\n"))
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, 1, fe.Line)
	assert.Equal(t, `unknown key type "OPENSSH"`, fe.Reason)
	assert.NotErrorIs(t, err, fs.ErrNotExist)
}

func longText(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}

func TestDefaultFiles(t *testing.T) {
	assert.Equal(t, []string{"/home/u/.ssh/known_hosts", "/home/u/.ssh/known_hosts2", "/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}, DefaultFiles("/home/u"))
	assert.Equal(t, []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}, DefaultFiles(""))
}

// FuzzOpen: Open accepts a file exactly when it has an entry, or holds
// only blank and comment lines and no NUL byte; and then it reads the
// entries Parse finds.
func FuzzOpen(f *testing.F) {
	for _, s := range []string{"", "# c\n", "h " + k1 + "\n", "\x00", "a\nb", "# c\nbroken\nh " + k1, "\n\n#\x00"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content string) {
		p := filepath.Join(dir, "kh")
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		db, err := Open(p)
		parsed, perr := ParseFile(p)
		require.NoError(t, perr)
		ok := len(parsed.Entries()) > 0
		if !ok {
			ok = !strings.Contains(content, "\x00")
			for _, l := range parsed.Lines {
				if l.Kind != BlankLine && l.Kind != CommentLine {
					ok = false
				}
			}
		}
		if ok != (err == nil) {
			t.Fatalf("Open: %v; want ok=%v", err, ok)
		}
		if err == nil {
			assert.Equal(t, []DBFile{{Name: p, Entries: len(parsed.Entries())}}, db.Files())
		} else {
			var fe *FileError
			require.ErrorAs(t, err, &fe)
			assert.ErrorIs(t, err, ErrNotKnownHosts)
			assert.Positive(t, fe.Line)
			assert.LessOrEqual(t, fe.Line, len(parsed.Lines))
		}
	})
}
