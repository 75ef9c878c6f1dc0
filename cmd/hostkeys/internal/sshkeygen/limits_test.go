package sshkeygen

import (
	"bytes"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/keygentest"
	"github.com/hostkeys/hostkeys/internal/keyline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSameReasonAsReadKeys: a line that both hostkeys fingerprint -f
// (List) and fingerprint --json (fingerprint.ReadKeys) pass over gets the
// same reason from both, long lines included.
func TestSameReasonAsReadKeys(t *testing.T) {
	c := keygentest.Keys(t)
	r := rand.New(rand.NewPCG(3, 3))
	both := 0
	for i := range 60 {
		data := keygentest.File(r, c, 1+r.IntN(40))
		if i%4 == 0 {
			data = append(data, "\nhost "+strings.Repeat("x", keyline.MaxLineLength)+"\n\x00 bad\n@foo"+strings.Repeat("y", 1000)+" x\n"...)
		}
		res, err := List(io.Discard, bytes.NewReader(data), "f", ListOptions{})
		require.NoError(t, err)
		kf, err := fingerprint.ReadKeys(bytes.NewReader(data), "f")
		require.NoError(t, err)
		invalid := map[int]string{}
		for _, e := range kf.Invalid {
			invalid[e.Line] = e.Reason
		}
		for _, s := range res.Skipped {
			if want, ok := invalid[s.Line]; ok {
				assert.Equal(t, want, s.Reason, "line %d", s.Line)
				both++
			}
			assert.Less(t, len(s.Reason), 400, "line %d: the reason echoes the line", s.Line)
		}
	}
	t.Logf("%d lines skipped by both", both)
	assert.Greater(t, both, 100)
}

// TestListLongLine: a 256 MiB line is reported, not read into memory (the
// issue's scan -f case took 1.95 GB for a 200 MB line), and the lines
// after it keep their numbers.
func TestListLongLine(t *testing.T) {
	r := io.MultiReader(strings.NewReader("h "+fuzzKey+" "), io.LimitReader(repeatByte('c'), 256<<20),
		strings.NewReader("\nh2 "+fuzzKey+"\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var out bytes.Buffer
	var keys []Listed
	res, err := List(&out, r, "f", ListOptions{OnKey: func(k Listed) { keys = append(keys, k) }})
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.Len(t, res.Skipped, 1)
	assert.Equal(t, 1, res.Skipped[0].Line)
	assert.Equal(t, "line longer than 1048576 bytes", res.Skipped[0].Reason)
	require.Len(t, keys, 1)
	assert.Equal(t, 2, keys[0].Line)
	assert.True(t, strings.HasSuffix(out.String(), " h2 (ED25519)\n"), out.String())
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d MiB allocated for a 256 MiB line", alloc>>20)
	assert.Less(t, alloc, uint64(32<<20))
}

type repeatByte byte

func (c repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// TestListManyJunkLines: a file of millions of junk lines keeps the
// first fingerprint.MaxInvalid in Skipped and counts the rest.
func TestListManyJunkLines(t *testing.T) {
	const n = 3_000_000
	data := bytes.Repeat([]byte("a b\n\x00x\n"), n/2)
	res, err := List(io.Discard, bytes.NewReader(data), "f", ListOptions{})
	require.NoError(t, err)
	require.Len(t, res.Skipped, fingerprint.MaxInvalid)
	assert.Equal(t, n-fingerprint.MaxInvalid, res.MoreSkipped)
	assert.Equal(t, 0, res.Count)
	assert.Equal(t, fingerprint.MaxInvalid, res.Skipped[fingerprint.MaxInvalid-1].Line)
	assert.Equal(t, "line starts with a NUL byte", res.Skipped[1].Reason)
}
