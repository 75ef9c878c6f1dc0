package knownhosts

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/knownhosts/internal/khgen"
)

// TestOpenMatchesParse checks that the streaming, chunked loader of Open
// finds what a DB over the parsed file finds, on a file of several chunks
// with a line longer than a chunk and no final newline.
func TestOpenMatchesParse(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	g := &khgen.Gen{R: r, Keys: khgen.NewKeys(r)}
	var b strings.Builder
	for b.Len() < 3*loadChunkSize {
		b.WriteString(g.File(500))
		if b.Len() > loadChunkSize && b.Len() < loadChunkSize+100000 {
			b.WriteString(strings.Repeat("x", loadChunkSize+10) + ".example " + k1 + "\n")
		}
	}
	b.WriteString("last.example " + k1) // no final newline
	content := b.String()
	path := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))

	opened, err := Open(path)
	require.NoError(t, err)
	f, err := ParseFile(path)
	require.NoError(t, err)
	parsed := New(Options{}, f)
	assert.Equal(t, len(f.Entries()), opened.nents)

	queries := []string{"last.example"}
	for i := 0; i < 300; i++ {
		queries = append(queries, g.Name())
	}
	for _, q := range queries {
		a, b := opened.Lookup(q), parsed.Lookup(q)
		require.Equal(t, len(b), len(a), q)
		for i := range a {
			assert.Equal(t, b[i].Line, a[i].Line, q)
			assert.Equal(t, b[i].Hosts, a[i].Hosts, q)
			assert.Equal(t, b[i].KeyText, a[i].KeyText, q)
			assert.Equal(t, b[i].Marker, a[i].Marker, q)
			assert.Equal(t, f.Lines[a[i].Line-1].Entry.Hosts, a[i].Hosts)
		}
		assert.Equal(t, lines(parsed.usable(q)), lines(opened.usable(q)), q)
	}
	found := opened.Lookup("last.example")
	require.NotEmpty(t, found)
	assert.Equal(t, len(f.Lines), found[len(found)-1].Line, "the last line, without a newline, is read")

	_, err = OpenOptions(Options{SkipMissing: true}, filepath.Join(t.TempDir(), "missing"))
	assert.NoError(t, err, "a missing file is skipped with SkipMissing")
}

// TestConcurrentLookups calls the callback from many goroutines on a DB
// large enough for parallel hashed scans (run it with -race).
func TestConcurrentLookups(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 9000; i++ {
		b.WriteString(HashHost(fmt.Sprintf("h%d.example", i)) + " " + k1 + "\n")
	}
	b.WriteString("plain.example " + k1 + "\n")
	path := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	db, err := Open(path)
	require.NoError(t, err)
	cb := db.HostKeyCallback()
	key := mustKey(t, k1)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				assert.NoError(t, cb(fmt.Sprintf("h%d.example:22", g*1000+i), nil, key))
				assert.NoError(t, cb("plain.example:2222", nil, key))
				assert.True(t, IsHostUnknown(cb("nowhere.example:22", nil, key)))
			}
		}()
	}
	wg.Wait()
}

// TestOpenLineCountLimit: Open refuses a file of more than MaxLines
// lines, as Parse does (12 MB of blank lines were read before), and
// reads one of MaxLines lines, entries after blank lines included.
func TestOpenLineCountLimit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "known_hosts")
	over := strings.Repeat("\n", MaxLines) + "# one more, without its newline"
	require.NoError(t, os.WriteFile(path, []byte(over), 0o644))
	_, err := Open(path)
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "knownhosts: "+path+": file has more than the limit of 4194304 lines", err.Error())

	const entry = "h ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"
	exact := filepath.Join(dir, "exact")
	require.NoError(t, os.WriteFile(exact, []byte(strings.Repeat("\n", MaxLines-1)+entry), 0o644))
	db, err := Open(exact)
	require.NoError(t, err)
	keys := db.HostKeys("h")
	require.Len(t, keys, 1)
	assert.Equal(t, MaxLines, keys[0].Line)
}
