package knownhosts

import (
	"fmt"
	"io/fs"
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
	// Every other writer saves through a symbolic link to the file.
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink("known_hosts", link))
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
		name := path
		if i%2 == 1 {
			name = link
		}
		cmd.Env = append(os.Environ(), "KNOWNHOSTS_CRASH_WRITER="+name)
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
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("round %d: the link is gone (%v)", i, err)
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
// lock file and the changed-file check keep every edit, whether the file
// exists at the start or not (a file yet to be made was not locked).
func TestConcurrentEditorProcesses(t *testing.T) {
	const procs, each = 4, 15
	if path := os.Getenv("KNOWNHOSTS_EDITOR"); path != "" {
		key := mustKey(t, k1)
		for i := 0; i < each; i++ {
			name := fmt.Sprintf("%s-%d.example", os.Getenv("KNOWNHOSTS_EDITOR_ID"), i)
			require.NoError(t, Edit(path, &SaveOptions{Backup: true}, func(f *File) error {
				return f.Add([]string{name}, key, nil)
			}))
		}
		return
	}
	for _, start := range []string{"existing", "missing"} {
		t.Run(start, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "known_hosts")
			if start == "existing" {
				require.NoError(t, os.WriteFile(path, []byte("# start\n"), 0o600))
			}
			var cmds []*exec.Cmd
			for id := 0; id < procs; id++ {
				cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentEditorProcesses$")
				cmd.Env = append(os.Environ(), "KNOWNHOSTS_EDITOR="+path, fmt.Sprintf("KNOWNHOSTS_EDITOR_ID=p%d", id))
				cmd.Stderr = os.Stderr
				require.NoError(t, cmd.Start())
				cmds = append(cmds, cmd)
			}
			for _, cmd := range cmds {
				require.NoError(t, cmd.Wait())
			}
			f, err := ParseFile(path)
			require.NoError(t, err)
			assert.Len(t, f.Entries(), procs*each, "every edit of every process landed")
			if start == "existing" {
				fi, err := os.Stat(path)
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
			}
		})
	}
}

// TestSaveThroughSymlink: a symbolic link to known_hosts (a dotfiles
// setup) stays a link; the file it names is replaced, FILE.old is made
// beside that file, and a link to a file yet to be made is written
// through too.
func TestSaveThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "dotfiles"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "home", ".ssh"), 0o700))
	real := filepath.Join(dir, "dotfiles", "known_hosts")
	link := filepath.Join(dir, "home", ".ssh", "known_hosts")
	require.NoError(t, os.WriteFile(real, []byte(baseFile), 0o600))
	require.NoError(t, os.Symlink("../../dotfiles/known_hosts", link))

	f, err := ParseFile(link)
	require.NoError(t, err)
	removed, err := f.Remove("example.com", nil)
	require.NoError(t, err)
	require.NotEmpty(t, removed)
	require.NoError(t, f.Save(&SaveOptions{Backup: true}))

	fi, err := os.Lstat(link)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSymlink, fi.Mode()&fs.ModeSymlink, "the link is kept")
	data, err := os.ReadFile(real)
	require.NoError(t, err)
	assert.Equal(t, string(f.Bytes()), string(data), "the file the link names is replaced")
	assert.NotContains(t, "\n"+string(data), "\nexample.com,", "the removed key is gone from the real file")
	old, err := os.ReadFile(real + ".old")
	require.NoError(t, err)
	assert.Equal(t, baseFile, string(old), ".old beside the target")
	assert.NoFileExists(t, link+".old")
	fi, err = os.Stat(real)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// A relative link with "..", in a directory reached through a link:
	// ".." is the real directory's parent, as the kernel resolves it.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "store", "ssh"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "store", "kh"), []byte(baseFile), 0o644))
	require.NoError(t, os.Symlink("../kh", filepath.Join(dir, "store", "ssh", "known_hosts")))
	require.NoError(t, os.Symlink(filepath.Join(dir, "store", "ssh"), filepath.Join(dir, "sshdir")))
	require.NoError(t, Edit(filepath.Join(dir, "sshdir", "known_hosts"), nil, func(f *File) error {
		_, err := f.Remove("example.com", nil)
		return err
	}))
	data, err = os.ReadFile(filepath.Join(dir, "store", "kh"))
	require.NoError(t, err)
	assert.NotContains(t, "\n"+string(data), "\nexample.com,", "the file the links name is edited")
	fi, err = os.Lstat(filepath.Join(dir, "store", "ssh", "known_hosts"))
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSymlink, fi.Mode()&fs.ModeSymlink, "the link is kept")

	// A link to a file that does not exist yet.
	link2 := filepath.Join(dir, "home", ".ssh", "known_hosts2")
	require.NoError(t, os.Symlink(filepath.Join(dir, "dotfiles", "known_hosts2"), link2))
	require.NoError(t, Edit(link2, nil, func(f *File) error {
		return f.Add([]string{"new.example"}, mustKey(t, k1), nil)
	}))
	fi, err = os.Lstat(link2)
	require.NoError(t, err)
	assert.Equal(t, fs.ModeSymlink, fi.Mode()&fs.ModeSymlink, "the link is kept")
	data, err = os.ReadFile(filepath.Join(dir, "dotfiles", "known_hosts2"))
	require.NoError(t, err)
	assert.Equal(t, "new.example "+k1+"\n", string(data))
}

// TestSaveKeepsOwner: root saving another user's file keeps its owner
// and group; a new file takes the directory's.
func TestSaveKeepsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user")
	}
	const uid, gid = 4242, 4343
	dir := t.TempDir()
	path := filepath.Join(dir, "known_hosts")
	require.NoError(t, os.WriteFile(path, []byte(baseFile), 0o600))
	require.NoError(t, os.Chown(path, uid, gid))
	require.NoError(t, Edit(path, &SaveOptions{Backup: true}, func(f *File) error {
		return f.Add([]string{"new.example"}, mustKey(t, k1), nil)
	}))
	owner := func(name string) [2]uint32 {
		fi, err := os.Stat(name)
		require.NoError(t, err)
		st := fi.Sys().(*syscall.Stat_t)
		return [2]uint32{st.Uid, st.Gid}
	}
	assert.Equal(t, [2]uint32{uid, gid}, owner(path), "owner and group kept")
	assert.Equal(t, [2]uint32{uid, gid}, owner(path+".lock"), "the lock file is the user's too")

	sub := filepath.Join(dir, "user")
	require.NoError(t, os.Mkdir(sub, 0o700))
	require.NoError(t, os.Chown(sub, uid, gid))
	require.NoError(t, Edit(filepath.Join(sub, "known_hosts"), nil, func(f *File) error {
		return f.Add([]string{"new.example"}, mustKey(t, k1), nil)
	}))
	assert.Equal(t, [2]uint32{uid, gid}, owner(filepath.Join(sub, "known_hosts")), "a new file is the directory owner's")
}

// TestSaveUnlockedAppend: ssh appends new hosts without any lock. An
// append while the temporary file is written is found by the check after
// it, and Save refuses (Edit starts over and keeps both); an append after
// that last check, before the rename, is copied to the new file.
func TestSaveUnlockedAppend(t *testing.T) {
	appended := "appended.example " + k2 + "\n"
	// appendAt returns options whose hook appends a line once, at stage.
	appendAt := func(path, stage string, opts SaveOptions) *SaveOptions {
		done := false
		opts.hook = func(s string) {
			if s != stage || done {
				return
			}
			done = true
			fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			require.NoError(t, err)
			_, err = fh.WriteString(appended)
			require.NoError(t, err)
			require.NoError(t, fh.Close())
		}
		return &opts
	}
	dir := t.TempDir()

	path := filepath.Join(dir, "a")
	require.NoError(t, os.WriteFile(path, []byte(baseFile), 0o644))
	f, err := ParseFile(path)
	require.NoError(t, err)
	_, err = f.Remove("example.com", nil)
	require.NoError(t, err)
	assert.ErrorIs(t, f.Save(appendAt(path, "written", SaveOptions{})), ErrChanged)
	data, _ := os.ReadFile(path)
	assert.Equal(t, baseFile+appended, string(data), "the file is left alone")
	left, _ := filepath.Glob(filepath.Join(dir, ".a.tmp*"))
	assert.Empty(t, left, "no temporary file left")

	require.NoError(t, Edit(path, appendAt(path, "written", SaveOptions{}), func(f *File) error {
		return f.Add([]string{"edited.example"}, mustKey(t, k1), nil)
	}))
	data, _ = os.ReadFile(path)
	assert.Equal(t, baseFile+appended+appended+"edited.example "+k1+"\n", string(data), "Edit started over")

	path = filepath.Join(dir, "b")
	require.NoError(t, os.WriteFile(path, []byte(baseFile), 0o644))
	f, err = ParseFile(path)
	require.NoError(t, err)
	_, err = f.Remove("example.com", nil)
	require.NoError(t, err)
	want := string(f.Bytes()) + appended
	require.NoError(t, f.Save(appendAt(path, "checked", SaveOptions{Backup: true})))
	data, _ = os.ReadFile(path)
	assert.Equal(t, want, string(data), "the append after the last check is carried over")
	assert.Equal(t, want, string(f.Bytes()), "and is in the File")
	old, _ := os.ReadFile(path + ".old")
	assert.Equal(t, baseFile+appended, string(old))
	// The File is what is on disk: the next save goes through.
	require.NoError(t, f.Add([]string{"next.example"}, mustKey(t, k1), nil))
	require.NoError(t, f.Save(nil))

	// A second append after the first was carried over, before Save
	// returns: the File does not hold it, so the next save must see a
	// change rather than overwrite it.
	path = filepath.Join(dir, "c")
	require.NoError(t, os.WriteFile(path, []byte(baseFile), 0o644))
	f, err = ParseFile(path)
	require.NoError(t, err)
	_, err = f.Remove("example.com", nil)
	require.NoError(t, err)
	second := "second.example " + k1 + "\n"
	opts := appendAt(path, "checked", SaveOptions{})
	first := opts.hook
	opts.hook = func(stage string) {
		first(stage)
		if stage == "recovered" {
			fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			require.NoError(t, err)
			_, err = fh.WriteString(second)
			require.NoError(t, err)
			require.NoError(t, fh.Close())
		}
	}
	require.NoError(t, f.Save(opts))
	require.NoError(t, f.Add([]string{"next.example"}, mustKey(t, k1), nil))
	assert.ErrorIs(t, f.Save(nil), ErrChanged, "the second append is not overwritten")
	data, _ = os.ReadFile(path)
	assert.Contains(t, string(data), second)
}

// TestEditGivesUp: a file that a writer without the lock changes during
// every attempt makes Edit give up after 8, with ErrChanged and nothing
// written, instead of trying for as long as the appends go on.
func TestEditGivesUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(path, []byte(baseFile), 0o644))
	appended := "appended.example " + k2 + "\n"
	opts := &SaveOptions{hook: func(stage string) {
		if stage != "written" {
			return
		}
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		require.NoError(t, err)
		_, err = fh.WriteString(appended)
		require.NoError(t, err)
		require.NoError(t, fh.Close())
	}}
	calls := 0
	err := Edit(path, opts, func(f *File) error {
		calls++
		return f.Add([]string{"edited.example"}, mustKey(t, k1), nil)
	})
	assert.ErrorIs(t, err, ErrChanged)
	assert.Equal(t, editAttempts, calls)
	data, _ := os.ReadFile(path)
	assert.Equal(t, baseFile+strings.Repeat(appended, editAttempts), string(data), "nothing written but the appends")
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".known_hosts.tmp*"))
	assert.Empty(t, left, "no temporary file left")
}
