package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScanFileLongLine (issue 10): a target file with a 1 MB line names
// the line and its length on stderr without echoing it, and the other
// lines are scanned. (A 200 MB line used 1.95 GB and wrote 419 MB to
// stderr.)
func TestScanFileLongLine(t *testing.T) {
	closed := testpeer.FreePort(t)
	name := filepath.Join(t.TempDir(), "hosts")
	long := strings.Repeat("x", 1<<20)
	require.NoError(t, os.WriteFile(name, []byte("# targets\n"+long+"\n127.0.0.1\n"), 0o600))
	out, errOut, code := runHostkeys(t, "scan", "-p", strconv.Itoa(closed), "-f", name)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Less(t, len(errOut), 1000, "stderr: %q...", errOut[:min(len(errOut), 200)])
	assert.Contains(t, errOut, "hostkeys: error: scan: "+name+":2: line is 1048576 bytes long, more than the 16384 allowed\n")
	assert.Contains(t, errOut, "hostkeys: error: scan: 127.0.0.1:"+strconv.Itoa(closed)+": refused during connect")
}
