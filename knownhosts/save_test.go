package knownhosts

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSaveRoundTripAndBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "known_hosts")
	require.NoError(t, os.WriteFile(path, []byte(baseFile), 0o600))
	f, err := ParseFile(path)
	require.NoError(t, err)
	removed, err := f.Remove("example.com", nil)
	require.NoError(t, err)
	assert.Equal(t, []int{2}, removed)
	require.NoError(t, f.Save(&SaveOptions{Backup: true}))
	old, err := os.ReadFile(path + ".old")
	require.NoError(t, err)
	assert.Equal(t, baseFile, string(old))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "mode kept")

	// Someone else writes the file: the next Save refuses.
	require.NoError(t, os.WriteFile(path, []byte("other.example "+k1+"\n"), 0o600))
	require.NoError(t, f.Add([]string{"new.example"}, mustKey(t, k2), nil))
	err = f.Save(nil)
	assert.ErrorIs(t, err, ErrChanged)
	data, _ := os.ReadFile(path)
	assert.Equal(t, "other.example "+k1+"\n", string(data))

	// A new file.
	nf := &File{Name: filepath.Join(dir, "new")}
	require.NoError(t, nf.Add([]string{"Host.Example", "192.0.2.1"}, mustKey(t, k1), &AddOptions{Hash: true}))
	require.NoError(t, nf.Save(nil))
	g, err := ParseFile(nf.Name)
	require.NoError(t, err)
	assert.Len(t, g.Lookup("host.example"), 1)
	assert.Len(t, g.Lookup("192.0.2.1"), 1)
}

func TestConcurrentEdits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	key := mustKey(t, k1)
	const writers, each = 4, 25
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := Edit(path, nil, func(f *File) error {
					return f.Add([]string{fmt.Sprintf("w%d-%d.example", w, i)}, key, nil)
				})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	f, err := ParseFile(path)
	require.NoError(t, err)
	assert.Len(t, f.Entries(), writers*each, "every edit landed")
}

// TestCrashSafeSave kills a process in the middle of saving, many times,
// and finds the file whole each time: the old or the new content.
func TestCrashSafeSave(t *testing.T) {
	if os.Getenv("KNOWNHOSTS_CRASH_WRITER") != "" {
		crashWriter(os.Getenv("KNOWNHOSTS_CRASH_WRITER"))
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "known_hosts")
	a, b := crashContents()
	require.NoError(t, os.WriteFile(path, []byte(a), 0o644))
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	changes := 0
	prev := a
	for i := 0; i < rounds; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafeSave$")
		cmd.Env = append(os.Environ(), "KNOWNHOSTS_CRASH_WRITER="+path)
		require.NoError(t, cmd.Start())
		// Wait for the writer's first save, then kill it at a random
		// moment of the following ones.
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
			if d, _ := os.ReadFile(path); string(d) != prev {
				break
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		if string(data) != a && string(data) != b {
			t.Fatalf("round %d: the file is neither the old nor the new content (%d bytes)", i, len(data))
		}
		if string(data) != prev {
			changes++
		}
		prev = string(data)
	}
	t.Logf("the file changed in %d of %d rounds", changes, rounds)
	assert.Positive(t, changes, "the writers never saved before being killed")
	// Killed writers may leave their temporary files; never the file.
	left, _ := filepath.Glob(filepath.Join(dir, ".known_hosts.tmp*"))
	t.Logf("%d temporary files left by killed writers", len(left))
}

func crashContents() (string, string) {
	var a, b strings.Builder
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&a, "a%d.example %s\n", i, k1)
		fmt.Fprintf(&b, "b%d.example %s\n", i, k2)
	}
	return a.String(), b.String()
}

// crashWriter flips the file between the two contents until killed.
func crashWriter(path string) {
	a, b := crashContents()
	for {
		err := Edit(path, nil, func(f *File) error {
			next := a
			if string(f.Bytes()) == a {
				next = b
			}
			*f = *parseData(next, path).withRead(f.read)
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func (f *File) withRead(st *fileState) *File {
	f.read = st
	return f
}

// TestConcurrentEditorProcesses runs editors in separate processes: the
// advisory lock and the changed-file check keep every edit.
func TestConcurrentEditorProcesses(t *testing.T) {
	if path := os.Getenv("KNOWNHOSTS_EDITOR"); path != "" {
		key := mustKey(t, k1)
		for i := 0; i < 20; i++ {
			name := fmt.Sprintf("%s-%d.example", os.Getenv("KNOWNHOSTS_EDITOR_ID"), i)
			require.NoError(t, Edit(path, &SaveOptions{Backup: true}, func(f *File) error {
				return f.Add([]string{name}, key, nil)
			}))
		}
		return
	}
	path := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(path, []byte("# start\n"), 0o600))
	var cmds []*exec.Cmd
	for id := 0; id < 3; id++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentEditorProcesses$")
		cmd.Env = append(os.Environ(), "KNOWNHOSTS_EDITOR="+path, fmt.Sprintf("KNOWNHOSTS_EDITOR_ID=p%d", id))
		require.NoError(t, cmd.Start())
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Wait())
	}
	f, err := ParseFile(path)
	require.NoError(t, err)
	assert.Len(t, f.Entries(), 60, "every edit of every process landed")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}
