package knownhosts

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// fileState is what a file was when it was read: Save refuses to replace
// a file whose content has changed since.
type fileState struct {
	sum  uint64
	size int
	mode fs.FileMode
}

// contentSeed keys contentSum; it is the same for the whole process.
var contentSeed = maphash.MakeSeed()

// contentSum tells file contents apart. It is not a cryptographic hash,
// which would cost as much as parsing a large file: it detects that
// another writer changed the file, not an attacker.
func contentSum(data []byte) uint64 { return maphash.Bytes(contentSeed, data) }

func newFileState(fi fs.FileInfo, data string) *fileState {
	return &fileState{sum: maphash.String(contentSeed, data), size: len(data), mode: fi.Mode().Perm()}
}

func (st *fileState) same(data []byte) bool {
	return len(data) == st.size && contentSum(data) == st.sum
}

// ErrChanged is returned (wrapped) by [File.Save] when the file on disk
// is not what was read: someone else wrote it in between.
var ErrChanged = errors.New("file changed since it was read")

// SaveOptions controls [File.Save]. The zero value replaces the file
// without a backup.
type SaveOptions struct {
	// Backup keeps the replaced file as FILE.old (a hard link, as
	// ssh-keygen -H and -R make it).
	Backup bool
	// Mode is the permission of a file that did not exist. If zero, 0644
	// is used (ssh creates known_hosts with 0644 under the usual umask).
	// An existing file keeps its mode.
	Mode fs.FileMode
}

// Save writes the file to f.Name crash-safely: the new content goes to a
// temporary file in the same directory, which is synced and renamed over
// the old one, so the file is always either the old or the new content.
// The original mode is kept. An advisory lock (flock) on the file keeps
// two savers from interleaving, and if the file is not what [ParseFile]
// read (or, for a File made otherwise, if it exists and is not empty),
// Save returns an error wrapping [ErrChanged] instead of overwriting it.
func (f *File) Save(opts *SaveOptions) error {
	if opts == nil {
		opts = &SaveOptions{}
	}
	unlock, err := lockFile(f.Name)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := os.ReadFile(f.Name)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("knownhosts: %w", err)
	}
	mode := opts.Mode
	if mode == 0 {
		mode = 0o644
	}
	switch {
	case f.read != nil:
		if !exists || !f.read.same(cur) {
			return fmt.Errorf("knownhosts: %s: %w", f.Name, ErrChanged)
		}
	case exists && len(cur) > 0:
		return fmt.Errorf("knownhosts: %s: %w", f.Name, ErrChanged)
	}
	if exists {
		if fi, err := os.Stat(f.Name); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	data := f.Bytes()
	if err := writeReplace(f.Name, data, mode, opts.Backup && exists); err != nil {
		return err
	}
	f.read = &fileState{sum: contentSum(data), size: len(data), mode: mode}
	return nil
}

// writeReplace writes data to a temporary file next to name, syncs it,
// optionally links the current file to name.old, and renames the
// temporary file over name.
func writeReplace(name string, data []byte, mode fs.FileMode, backup bool) (err error) {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	if backup {
		old := name + ".old"
		if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("knownhosts: %w", err)
		}
		if err := os.Link(name, old); err != nil {
			return fmt.Errorf("knownhosts: %w", err)
		}
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// lockFile takes an exclusive flock on name, waiting for it. Since Save
// replaces the file, a lock taken on a file that has since been replaced
// is dropped and taken again on the new one. A missing file is not
// locked.
func lockFile(name string) (unlock func(), err error) {
	for {
		fh, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			return func() {}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("knownhosts: %w", err)
		}
		if err := syscall.Flock(int(fh.Fd()), syscall.LOCK_EX); err != nil {
			fh.Close()
			return nil, fmt.Errorf("knownhosts: lock %s: %w", name, err)
		}
		a, err1 := fh.Stat()
		b, err2 := os.Stat(name)
		if err1 == nil && err2 == nil && os.SameFile(a, b) {
			return func() { fh.Close() }, nil
		}
		fh.Close()
		if err2 != nil && errors.Is(err2, fs.ErrNotExist) {
			return func() {}, nil
		}
	}
}

// Edit reads the named file under its lock, lets fn change it, and saves
// it, so that concurrent editors never lose each other's changes. A
// missing file is edited as an empty one. If fn returns an error, nothing
// is written.
func Edit(name string, opts *SaveOptions, fn func(f *File) error) error {
	if opts == nil {
		opts = &SaveOptions{}
	}
	for {
		unlock, err := lockFile(name)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(name)
		var f *File
		switch {
		case err == nil:
			f = parseData(string(data), name)
			f.read = &fileState{sum: contentSum(data), size: len(data)}
		case errors.Is(err, fs.ErrNotExist):
			f = &File{Name: name}
		default:
			unlock()
			return fmt.Errorf("knownhosts: %w", err)
		}
		if err := fn(f); err != nil {
			unlock()
			return err
		}
		unlock()
		// Save takes the lock again and checks that nothing changed in
		// between; if something did, start over.
		err = f.Save(opts)
		if errors.Is(err, ErrChanged) {
			continue
		}
		return err
	}
}
