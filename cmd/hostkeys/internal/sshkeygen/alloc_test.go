package sshkeygen

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestKeyTokenDoesNotAllocate checks the test of every line's first field
// for a key type: hashed host names are longer than the 32 bytes a string
// conversion may take from the stack.
func TestKeyTokenDoesNotAllocate(t *testing.T) {
	for _, line := range []string{
		"|1|mpyJOQJIkuMkSDUfwfni1SBESWw=|2Rt4zn8UwtwHCUNX9K6erS1x4c0= " + fuzzKey + "\n",
		"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com-and-then-some " + fuzzKey + "\n",
		fuzzKey + " comment\n",
	} {
		b := []byte(line)
		if n := testing.AllocsPerRun(100, func() { keyToken(b) }); n != 0 {
			t.Errorf("keyToken(%q): %v allocations", line, n)
		}
	}
}

// TestListAllocationsPerLine checks that listing a key without a comment
// after a hashed host allocates nothing per line (it used to allocate
// twice): a file four times longer costs only the per-chunk allocations
// more.
func TestListAllocationsPerLine(t *testing.T) {
	line := "|1|mpyJOQJIkuMkSDUfwfni1SBESWw=|2Rt4zn8UwtwHCUNX9K6erS1x4c0= " + fuzzKey + "\n"
	allocs := func(lines int) float64 {
		data := []byte(strings.Repeat(line, lines))
		return testing.AllocsPerRun(5, func() {
			res, err := List(io.Discard, bytes.NewReader(data), "f", ListOptions{})
			if err != nil || res.Count != lines {
				t.Fatalf("List: %v keys, %v", res.Count, err)
			}
		})
	}
	short, long := allocs(chunkLines), allocs(4*chunkLines)
	t.Logf("%v allocations for %d lines, %v for %d", short, chunkLines, long, 4*chunkLines)
	if perLine := (long - short) / (3 * chunkLines); perLine > 0.25 {
		t.Errorf("%.3f allocations per line", perLine)
	}
}
