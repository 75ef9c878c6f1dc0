package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hostkeys/hostkeys/knownhosts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConcurrentWriters (issue 10): N hostkeys processes removing hosts
// from, and hashing, one known_hosts file at the same time all succeed,
// and every update lands: no removed host is left, no other host lost.
func TestConcurrentWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hostkeys")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	const n, kept = 16, 8
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
	var b strings.Builder
	for i := range n + kept {
		fmt.Fprintf(&b, "h%d.test %s\n", i, key)
	}
	kh := filepath.Join(dir, "known_hosts")
	require.NoError(t, os.WriteFile(kh, []byte(b.String()), 0o644))

	var wg sync.WaitGroup
	run := func(args ...string) {
		wg.Go(func() {
			out, err := exec.Command(bin, args...).CombinedOutput()
			assert.NoError(t, err, "hostkeys %s: %s", strings.Join(args, " "), out)
		})
	}
	for i := range n {
		run("remove", "-q", "-f", kh, fmt.Sprintf("h%d.test", i))
		if i%4 == 0 {
			run("hash", "-f", kh)
		}
	}
	wg.Wait()

	f, err := knownhosts.ParseFile(kh)
	require.NoError(t, err)
	for i := range n + kept {
		host := fmt.Sprintf("h%d.test", i)
		if i < n {
			assert.Empty(t, f.Lookup(host), "%s was removed", host)
		} else {
			assert.Len(t, f.Lookup(host), 1, "%s was kept", host)
		}
	}
}
