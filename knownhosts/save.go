package knownhosts

import (
	"bufio"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// fileState is what a file was when it was read: Save refuses to replace
// a file whose content has changed since.
type fileState struct {
	sum  uint64
	size int64
	mode fs.FileMode
}

// contentSeed keys the content sums; it is the same for the whole
// process.
var contentSeed = maphash.MakeSeed()

// The content sum is not a cryptographic hash, which would cost as much
// as parsing a large file: it detects that another writer changed the
// file, not an attacker.

func newFileState(fi fs.FileInfo, data string) *fileState {
	return &fileState{sum: maphash.String(contentSeed, data), size: int64(len(data)), mode: fi.Mode().Perm()}
}

func (st *fileState) same(o *fileState) bool {
	return st.size == o.size && st.sum == o.sum
}

// ErrChanged is returned (wrapped) by [File.Save] when the file on disk
// is not what was read: someone else wrote it in between.
var ErrChanged = errors.New("file changed since it was read")

// SaveOptions controls [File.Save]. The zero value replaces the file
// without a backup.
type SaveOptions struct {
	// Backup keeps the replaced file as FILE.old (a hard link, as
	// ssh-keygen -H and -R make it), beside the file a symbolic link
	// points to.
	Backup bool
	// Mode is the permission of a file that did not exist. If zero, 0644
	// is used (ssh creates known_hosts with 0644 under the usual umask).
	// An existing file keeps its mode.
	Mode fs.FileMode

	// hook, set by tests, is called at the named stages of a save:
	// "written" (the temporary file is synced), "checked" (the file
	// was checked a last time, and the rename follows) and "recovered"
	// (lines appended meanwhile were copied into the new file).
	hook func(stage string)
}

// Save writes the file to f.Name crash-safely: the new content goes to a
// temporary file beside it, which is synced and renamed over the old one,
// so the file is always either the old or the new content, whole. If
// f.Name is a symbolic link, the file it points to is replaced and the
// link kept. The file keeps its mode, owner and group (a new file made by
// root takes the directory's owner and group).
//
// Savers in this package exclude each other with an advisory lock
// (flock) on a lock file beside the file, FILE.lock, which is left in
// place. If the file is not what [ParseFile] read (or, for a File made
// otherwise, if it exists and is not empty), Save returns an error
// wrapping [ErrChanged] instead of overwriting it. Writers that take no
// lock, as ssh appending a new host, are checked for twice: before the
// temporary file is written and again after it is synced, just before
// the rename; lines appended to the old file after that last check and
// before the rename are copied to the end of the new file. What cannot
// be closed without the other writer's cooperation: a write that lands
// in the old file after Save has copied its tail (a writer that opened
// the file before the rename and writes after it) is lost, as it is with
// ssh-keygen.
func (f *File) Save(opts *SaveOptions) error {
	if opts == nil {
		opts = &SaveOptions{}
	}
	target, err := resolveLinks(f.Name)
	if err != nil {
		return err
	}
	unlock, err := lockBeside(target)
	if err != nil {
		return err
	}
	defer unlock()
	return f.saveLocked(target, opts)
}

// saveLocked is Save with the lock held; target is f.Name with symbolic
// links resolved.
func (f *File) saveLocked(target string, opts *SaveOptions) error {
	// A stat is enough to refuse early and to learn mode and owner; the
	// content is checked once, after the temporary file is written.
	cur, err := os.Stat(target)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("knownhosts: %w", err)
	}
	exists := err == nil
	if !f.matches(exists, func() int64 { return cur.Size() }) {
		return fmt.Errorf("knownhosts: %s: %w", f.Name, ErrChanged)
	}
	dir := filepath.Dir(target)
	var owner *syscall.Stat_t
	mode := opts.Mode
	if mode == 0 {
		mode = 0o644
	}
	if exists {
		mode = cur.Mode().Perm()
		owner, _ = cur.Sys().(*syscall.Stat_t)
	} else if os.Geteuid() == 0 {
		if fi, err := os.Stat(dir); err == nil {
			owner, _ = fi.Sys().(*syscall.Stat_t)
		}
	}
	tmp, written, err := writeTemp(target, mode, owner, f.writeLines)
	if err != nil {
		return err
	}
	defer func() {
		if tmp != "" {
			os.Remove(tmp)
		}
	}()
	if opts.hook != nil {
		opts.hook("written")
	}
	// Someone may have written the file since it was read, or while the
	// temporary file was written, without taking the lock (ssh appends
	// new hosts that way).
	last, err := readState(target)
	if err != nil {
		return err
	}
	if last != nil {
		defer last.fh.Close()
	}
	if !f.matches(last != nil, func() int64 { return last.size }) || last != nil && f.read != nil && !f.read.same(&last.fileState) {
		return fmt.Errorf("knownhosts: %s: %w", f.Name, ErrChanged)
	}
	if opts.hook != nil {
		opts.hook("checked")
	}
	if opts.Backup && last != nil {
		old := target + ".old"
		if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("knownhosts: %w", err)
		}
		if err := os.Link(target, old); err != nil {
			return fmt.Errorf("knownhosts: %w", err)
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	tmp = ""
	syncDir(dir)
	f.read = &fileState{sum: written.sum, size: written.size, mode: mode}
	if last != nil {
		return f.recoverAppended(target, last, opts.hook)
	}
	return nil
}

// matches reports whether a file that exists or not, of the given size,
// may be what f was read from: the size [ParseFile] saw, or, for a File
// made otherwise, no file or an empty one.
func (f *File) matches(exists bool, size func() int64) bool {
	if f.read != nil {
		return exists && size() == f.read.size
	}
	return !exists || size() == 0
}

// recoverAppended copies to the end of the new file what was appended to
// the old one between the last check and the rename, and adds those
// lines to f.
func (f *File) recoverAppended(target string, old *openState, hook func(string)) error {
	fi, err := old.fh.Stat()
	if err != nil || fi.Size() <= old.size {
		return nil
	}
	extra := make([]byte, fi.Size()-old.size)
	if _, err := old.fh.ReadAt(extra, old.size); err != nil && err != io.EOF {
		return fmt.Errorf("knownhosts: %s: lines appended while saving: %w", f.Name, err)
	}
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("knownhosts: %s: lines appended while saving: %w", f.Name, err)
	}
	prefix := ""
	if f.NoFinalNewline {
		prefix = "\n" // the appended text starts a line of its own
	}
	_, err = out.WriteString(prefix + string(extra))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("knownhosts: %s: lines appended while saving: %w", f.Name, err)
	}
	if hook != nil {
		hook("recovered")
	}
	data := string(f.Bytes()) + prefix + string(extra)
	g := parseData(data, f.Name)
	f.Lines, f.NoFinalNewline = g.Lines, g.NoFinalNewline
	// What f now holds is what was written, not what the file holds by
	// now: another writer may have appended again, and a later Save must
	// see that as a change instead of overwriting it.
	f.read = &fileState{sum: maphash.String(contentSeed, data), size: int64(len(data)), mode: f.read.mode}
	return nil
}

// writeLines writes the file's content to w.
func (f *File) writeLines(w *bufio.Writer) error {
	for i := range f.Lines {
		w.WriteString(f.Lines[i].Text)
		if i < len(f.Lines)-1 || !f.NoFinalNewline {
			w.WriteByte('\n')
		}
	}
	return w.Flush()
}

// openState is a file's state and an open descriptor of it.
type openState struct {
	fileState
	fh    *os.File
	owner *syscall.Stat_t
}

// readState reads the named file through and returns its state, with the
// file still open; nil if it does not exist.
func readState(name string) (*openState, error) {
	fh, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("knownhosts: %w", err)
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("knownhosts: %w", err)
	}
	var h maphash.Hash
	h.SetSeed(contentSeed)
	n, err := io.CopyBuffer(&h, fh, make([]byte, 256<<10))
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("knownhosts: %s: %w", name, err)
	}
	st := &openState{fileState: fileState{sum: h.Sum64(), size: n, mode: fi.Mode().Perm()}, fh: fh}
	st.owner, _ = fi.Sys().(*syscall.Stat_t)
	return st, nil
}

// writeTemp writes a temporary file beside target with the given mode and
// owner and syncs it, and returns its name and the state of what was
// written.
func writeTemp(target string, mode fs.FileMode, owner *syscall.Stat_t, write func(*bufio.Writer) error) (name string, st fileState, err error) {
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return "", st, fmt.Errorf("knownhosts: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := chown(tmp, owner); err != nil {
		return "", st, err
	}
	if err := tmp.Chmod(mode); err != nil {
		return "", st, fmt.Errorf("knownhosts: %w", err)
	}
	var h maphash.Hash
	h.SetSeed(contentSeed)
	cw := &countWriter{w: io.MultiWriter(tmp, &h)}
	if err := write(bufio.NewWriterSize(cw, 256<<10)); err != nil {
		return "", st, fmt.Errorf("knownhosts: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", st, fmt.Errorf("knownhosts: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", st, fmt.Errorf("knownhosts: %w", err)
	}
	return tmp.Name(), fileState{sum: h.Sum64(), size: cw.n, mode: mode}, nil
}

// chown gives fh the owner and group of owner, if they differ from its
// own (as when root saves another user's file).
func chown(fh *os.File, owner *syscall.Stat_t) error {
	if owner == nil {
		return nil
	}
	fi, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == owner.Uid && st.Gid == owner.Gid {
		return nil
	}
	if err := fh.Chown(int(owner.Uid), int(owner.Gid)); err != nil {
		return fmt.Errorf("knownhosts: keeping the owner of %s: %w", fh.Name(), err)
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// maxLinks is how many symbolic links resolveLinks follows, as Linux's
// MAXSYMLINKS.
const maxLinks = 40

// resolveLinks follows name through symbolic links to the file they name,
// which need not exist (a link may point to a file yet to be made).
func resolveLinks(name string) (string, error) {
	p := name
	for i := 0; i < maxLinks; i++ {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", fmt.Errorf("knownhosts: %w", err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", fmt.Errorf("knownhosts: %w", err)
		}
		if !filepath.IsAbs(t) {
			// Not filepath.Join: its lexical ".." would be wrong when
			// the link's directory is reached through another link.
			t = filepath.Dir(p) + string(filepath.Separator) + t
		}
		p = t
	}
	return "", fmt.Errorf("knownhosts: %s: too many levels of symbolic links", name)
}

// lockBeside takes an exclusive flock on target+".lock", creating it if
// needed (with target's owner when root makes it), and waits for it. The
// lock file is never removed: removing it would let two savers lock two
// different files.
func lockBeside(target string) (unlock func(), err error) {
	name := target + ".lock"
	fh, err := os.OpenFile(name, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("knownhosts: lock: %w", err)
	}
	if os.Geteuid() == 0 {
		ref := target
		if _, err := os.Stat(ref); err != nil {
			ref = filepath.Dir(target)
		}
		if fi, err := os.Stat(ref); err == nil {
			if owner, ok := fi.Sys().(*syscall.Stat_t); ok {
				chown(fh, owner) // best effort: the lock works either way
			}
		}
	}
	for {
		err = syscall.Flock(int(fh.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("knownhosts: lock %s: %w", name, err)
	}
	return func() { fh.Close() }, nil
}

// Edit reads the named file under its lock, lets fn change it, and saves
// it, so that concurrent editors in this package never lose each other's
// changes; a symbolic link is written through, as by [File.Save]. A
// missing file is edited as an empty one. If fn returns an error, nothing
// is written. If a writer that takes no lock (ssh) changes the file
// meanwhile, the file is read again and fn called again, up to 8 times in
// all; if the file changed every time, Edit returns an error wrapping
// [ErrChanged] and nothing is written.
func Edit(name string, opts *SaveOptions, fn func(f *File) error) error {
	if opts == nil {
		opts = &SaveOptions{}
	}
	target, err := resolveLinks(name)
	if err != nil {
		return err
	}
	unlock, err := lockBeside(target)
	if err != nil {
		return err
	}
	defer unlock()
	for attempt := 1; ; attempt++ {
		data, st, err := readWithState(target)
		var f *File
		switch {
		case err == nil:
			f = parseData(data, name)
			f.read = st
		case errors.Is(err, fs.ErrNotExist):
			f = &File{Name: name}
		default:
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
		err = f.saveLocked(target, opts)
		if errors.Is(err, ErrChanged) && attempt < editAttempts {
			continue
		}
		return err
	}
}

// editAttempts is how many times Edit reads, changes and tries to save a
// file that a writer without the lock keeps changing. Each attempt reads
// and writes the whole file; the bound keeps a file appended to without
// pause from holding Edit forever.
const editAttempts = 8
