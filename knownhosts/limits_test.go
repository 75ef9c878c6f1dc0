package knownhosts

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLineLimit: a line longer than MaxLineLength is an invalid line
// whose error gives file, line and length without the line itself; the
// File still writes it back byte for byte, and Open skips it.
func TestLineLimit(t *testing.T) {
	long := strings.Repeat("h", MaxLineLength-len(k1)) + " " + k1 // one byte over
	content := "ok.example " + k1 + "\n" + long + "\nlast.example " + k1 + "\n"
	path := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))

	f, err := ParseFile(path)
	require.NoError(t, err)
	require.Len(t, f.Lines, 3)
	l := f.Lines[1]
	assert.Equal(t, InvalidLine, l.Kind)
	require.NotNil(t, l.Err)
	assert.Equal(t, path+":2: line of 1048577 bytes is longer than the limit of 1048576 bytes", strings.TrimPrefix(l.Err.Error(), "knownhosts: "))
	assert.Equal(t, content, string(f.Bytes()), "kept byte for byte")
	assert.Len(t, f.Lookup("last.example"), 1)

	db, err := Open(path)
	require.NoError(t, err)
	assert.Len(t, db.Lookup("last.example"), 1)
	assert.Len(t, db.Lookup("ok.example"), 1)

	// A line just at the limit is an entry; its host field, 1,048,475
	// bytes long, matches nothing (OpenSSH's 1,023-byte element limit).
	f = parseString(t, long[1:]+"\n")
	assert.Equal(t, EntryLine, f.Lines[0].Kind)
}

// TestLongFieldsNotEchoed: reasons quote at most 64 bytes of a field.
func TestLongFieldsNotEchoed(t *testing.T) {
	big := strings.Repeat("x", 100000)
	for _, line := range []string{
		"@" + big + " host " + k1,
		"host " + big,
		"host " + big + " AAAA",
	} {
		f := parseString(t, line+"\n")
		require.Equal(t, InvalidLine, f.Lines[0].Kind, line[:20])
		msg := f.Lines[0].Err.Error()
		assert.Less(t, len(msg), 200, msg)
		assert.Regexp(t, `\.\.\. \(10000[01] bytes\)$`, msg)
	}
}

// TestFileSizeLimit: a file larger than MaxFileSize is refused by
// ParseFile, Open and Edit with an error for the whole file, before it
// is read (the test file is sparse).
func TestFileSizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	require.NoError(t, os.Truncate(path, MaxFileSize+1))
	want := "knownhosts: " + path + ": file is larger than the limit of 268435456 bytes"
	check := func(what string, err error) {
		var le *LineError
		if assert.True(t, errors.As(err, &le), "%s: %v", what, err) {
			assert.Equal(t, 0, le.Line)
			assert.Equal(t, want, err.Error(), what)
		}
	}
	_, err := ParseFile(path)
	check("ParseFile", err)
	check("Edit", Edit(path, nil, func(*File) error { return nil }))
	_, err = Open(path)
	var fe *FileError
	if assert.True(t, errors.As(err, &fe), "Open: %v", err) {
		assert.Equal(t, want, err.Error(), "Open")
	}
}

// TestLineCountLimit: a file of more than MaxLines lines is refused by
// Parse, ParseFile and Edit with an error for the whole file: 256 MiB of
// blank lines would otherwise take some 13 GB as Lines.
func TestLineCountLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known_hosts")
	over := strings.Repeat("\n", MaxLines) + "# one more, without its newline"
	require.NoError(t, os.WriteFile(path, []byte(over), 0o644))
	want := "knownhosts: " + path + ": file has more than the limit of 4194304 lines"
	check := func(what string, err error) {
		var le *LineError
		if assert.True(t, errors.As(err, &le), "%s: %v", what, err) {
			assert.Equal(t, 0, le.Line)
			assert.Equal(t, want, err.Error(), what)
		}
	}
	_, err := ParseFile(path)
	check("ParseFile", err)
	_, err = Parse(strings.NewReader(over), path)
	check("Parse", err)
	check("Edit", Edit(path, nil, func(*File) error { return nil }))

	// MaxLines lines are read.
	f, err := Parse(strings.NewReader(over[:MaxLines]), path)
	require.NoError(t, err)
	assert.Len(t, f.Lines, MaxLines)
}
