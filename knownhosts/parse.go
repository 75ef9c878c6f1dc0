package knownhosts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/keyline"
	"github.com/hostkeys/hostkeys/internal/sshkey"
)

// LineKind says what a known_hosts line is.
type LineKind uint8

const (
	BlankLine   LineKind = iota // empty, or only spaces and tabs
	CommentLine                 // '#' after optional spaces and tabs
	EntryLine                   // [marker] hosts keytype key [comment]
	InvalidLine                 // anything else; Line.Err says why
)

func (k LineKind) String() string {
	switch k {
	case BlankLine:
		return "blank"
	case CommentLine:
		return "comment"
	case EntryLine:
		return "entry"
	case InvalidLine:
		return "invalid"
	}
	return fmt.Sprintf("LineKind(%d)", uint8(k))
}

// Line is one line of a known_hosts file, exactly as read.
type Line struct {
	Num  int    // 1-based
	Text string // the line without its "\n" (a "\r" before it is kept)
	Kind LineKind
	// Entry is the parsed entry of an EntryLine, nil otherwise.
	Entry *Entry
	// Err says why an InvalidLine is invalid, nil otherwise.
	Err *LineError
}

// LineError describes a line that OpenSSH cannot use, or a problem with a
// file as a whole (Line 0).
type LineError struct {
	File   string
	Line   int
	Reason string
}

func (e *LineError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("knownhosts: %s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("knownhosts: %s:%d: %s", e.File, e.Line, e.Reason)
}

// Entry is a known_hosts line that names hosts and a key.
//
// Its key is parsed on first use, so that loading a large file costs only
// the split into fields. An entry whose key does not parse is still an
// entry, as for ssh-keygen -F, -H and -R, but ssh ignores it.
type Entry struct {
	File   string
	Line   int
	Marker fingerprint.Marker // "", @cert-authority or @revoked
	// Hosts is the host field as written: a comma list of patterns, or a
	// hashed name |1|salt|hmac.
	Hosts string
	// KeyText is the rest of the line from the key type on: "TYPE BASE64
	// [comment]", as ssh-keygen -H copies it. Where a NUL byte ends the
	// host field, it is what OpenSSH reads after the NUL: up to the next
	// NUL, or else to the end of the line with its "\n".
	KeyText string

	hashed  *hashedName // for Hosts starting with '|' and a valid salt
	hostErr string      // why a '|' host field is unusable, if it is

	parsed atomic.Pointer[parsedKey] // set on first use
}

// parsedKey is an entry's key, parsed on first use.
type parsedKey struct {
	key     ssh.PublicKey
	blob    []byte
	comment string
	err     error
}

// IsHashed reports whether the host field is a hashed name (it starts
// with '|').
func (e *Entry) IsHashed() bool { return strings.HasPrefix(e.Hosts, "|") }

// Patterns returns the elements of a plain host field, split at commas,
// as written (a "!" prefix included). It returns nil for hashed entries.
func (e *Entry) Patterns() []string {
	if e.IsHashed() {
		return nil
	}
	return strings.Split(e.Hosts, ",")
}

// KeyType is the key type name as written on the line.
func (e *Entry) KeyType() string {
	t, _, _ := strings.Cut(e.KeyText, " ")
	t, _, _ = strings.Cut(t, "\t")
	return t
}

// Key parses the key as ssh does (OpenSSH's sshkey_read). Keys of types
// x/crypto cannot use (ssh-dss, unknown types) come back as
// *fingerprint.OpaqueKey.
func (e *Entry) Key() (ssh.PublicKey, error) {
	p := e.parseKey()
	return p.key, p.err
}

// Comment returns the text after the key, or "" if the key does not
// parse.
func (e *Entry) Comment() string {
	return e.parseKey().comment
}

// parseKey parses the key once; concurrent first calls may both parse,
// and one result wins.
func (e *Entry) parseKey() *parsedKey {
	if p := e.parsed.Load(); p != nil {
		return p
	}
	p := &parsedKey{}
	// A "\n" ends the key text after a NUL-ended host field (see
	// afterHostNUL).
	text := strings.TrimSuffix(strings.TrimSuffix(e.KeyText, "\n"), "\r")
	key, rest, err := fingerprint.ParseKeyText(text)
	if err != nil {
		reason := err.Error()
		if ke := (*fingerprint.KeyError)(nil); errors.As(err, &ke) {
			reason = ke.Reason
		}
		p.err = &LineError{e.File, e.Line, reason}
	} else {
		if len(text) != len(e.KeyText) {
			// A line ending in "\r" or "\n": OpenSSH's base64 decoder
			// skips them when they end the key, and keeps them in a
			// comment.
			rest = commentOf(e.KeyText)
		}
		p.key, p.comment, p.blob = key, rest, key.Marshal()
	}
	if e.parsed.CompareAndSwap(nil, p) {
		return p
	}
	return e.parsed.Load()
}

// commentOf returns what follows the key in "TYPE BASE64 comment": the
// text after the blanks that end the base64 field.
func commentOf(keyText string) string {
	_, _, comment := keyline.Key(keyText)
	return comment
}

// usable reports whether ssh loads this entry: host field and key parse,
// and OpenSSH knows the key type.
func (e *Entry) usable() bool {
	if e.hostErr != "" {
		return false
	}
	p := e.parseKey()
	return p.err == nil && fingerprint.OpenSSHKnows(p.key)
}

// String returns the entry as one line: marker, host field and key text
// separated by single spaces (the File keeps the line as written).
func (e *Entry) String() string {
	var b strings.Builder
	if e.Marker != "" {
		b.WriteString(string(e.Marker))
		b.WriteByte(' ')
	}
	b.WriteString(e.Hosts)
	b.WriteByte(' ')
	b.WriteString(e.KeyText)
	return b.String()
}

// File is a known_hosts file, every line kept. Writing it back unchanged
// reproduces the input byte for byte.
type File struct {
	Name  string
	Lines []Line
	// NoFinalNewline is set when the last line has no "\n".
	NoFinalNewline bool

	read *fileState // what the file was when read, for Save
}

// Limits on what the readers of this package take: a file larger than
// MaxFileSize or of more than MaxLines lines is refused with a
// [LineError] for the whole file (Line 0), and a line longer than
// MaxLineLength is an InvalidLine whose reason gives its length, never
// its text. OpenSSH has no such limits; real lines are a few kilobytes at
// most (a certificate with many principals), and 256 MiB is about a
// million lines. MaxLines bounds the memory a [File] takes for short
// lines (some 50 to 150 bytes each, blank or invalid), which MaxFileSize
// alone does not: 256 MiB of blank lines would be 268 million lines.
const (
	MaxLineLength = keyline.MaxLineLength
	MaxFileSize   = 256 << 20
	MaxLines      = 4 << 20
)

// Parse reads a known_hosts file. A bad line is kept as an InvalidLine
// with the reason and never stops parsing. The name is used in messages
// and Entry.File. The error is non-nil if reading fails or the input is
// larger than MaxFileSize.
func Parse(r io.Reader, name string) (*File, error) {
	var b strings.Builder
	if _, err := io.Copy(&b, io.LimitReader(r, MaxFileSize+1)); err != nil {
		return nil, fmt.Errorf("knownhosts: %s: %w", name, err)
	}
	if b.Len() > MaxFileSize {
		return nil, tooLarge(name)
	}
	if tooManyLines(b.String()) {
		return nil, &LineError{File: name, Reason: errTooManyLines.Error()}
	}
	return parseData(b.String(), name), nil
}

// errTooManyLines is why a file of more than MaxLines lines is refused.
var errTooManyLines = fmt.Errorf("file has more than the limit of %d lines", MaxLines)

// tooManyLines reports whether data has more than MaxLines lines.
func tooManyLines(data string) bool {
	return len(data) > MaxLines && countLines(data) > MaxLines
}

// errTooLarge is why a file is refused (Open's loader returns it bare,
// for a *FileError to name the file).
var errTooLarge = fmt.Errorf("file is larger than the limit of %d bytes", MaxFileSize)

func tooLarge(name string) error {
	return &LineError{File: name, Reason: errTooLarge.Error()}
}

// ParseFile reads and parses the named file.
func ParseFile(name string) (*File, error) {
	data, st, err := readWithState(name)
	if err != nil {
		return nil, err
	}
	f := parseData(data, name)
	f.read = st
	return f, nil
}

// parallelParseSize is the file size from which parsing is spread over
// the cores.
const parallelParseSize = 1 << 20

func parseData(data, name string) *File {
	f := &File{Name: name}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		f.NoFinalNewline = true
	}
	workers := runtime.GOMAXPROCS(0)
	if len(data) < parallelParseSize || workers < 2 {
		f.Lines = make([]Line, countLines(data))
		parseChunk(data, name, 1, f.Lines)
		return f
	}
	// Cut the data at line ends into one chunk per core; each chunk fills
	// its own part of f.Lines.
	var chunks []string
	for rest := data; rest != ""; {
		n := min(len(data)/workers+1, len(rest))
		if i := strings.IndexByte(rest[n-1:], '\n'); i >= 0 {
			n += i
		} else {
			n = len(rest)
		}
		chunks = append(chunks, rest[:n])
		rest = rest[n:]
	}
	counts := make([]int, len(chunks))
	total := 0
	for i, c := range chunks {
		counts[i] = countLines(c)
		total += counts[i]
	}
	f.Lines = make([]Line, total)
	var wg sync.WaitGroup
	first := 0
	for i, c := range chunks {
		out := f.Lines[first : first+counts[i]]
		wg.Add(1)
		go func(c string, num int) {
			defer wg.Done()
			parseChunk(c, name, num, out)
		}(c, first+1)
		first += counts[i]
	}
	wg.Wait()
	return f
}

func countLines(data string) int {
	n := strings.Count(data, "\n")
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// parseChunk parses the lines of data, numbered from num, into out.
func parseChunk(data, name string, num int, out []Line) {
	// Entries and hashed names are allocated in chunks: one allocation
	// per 256 of them.
	var pool []Entry
	var hpool []hashedName
	for k := range out {
		var text string
		nl := false
		if i := strings.IndexByte(data, '\n'); i >= 0 {
			text, data, nl = data[:i], data[i+1:], true
		} else {
			text, data = data, ""
		}
		if len(pool) == 0 {
			pool = make([]Entry, 256)
		}
		if len(hpool) == 0 {
			hpool = make([]hashedName, 256)
		}
		l := Line{Num: num + k, Text: text}
		e := &pool[0]
		if kind, reason := parseLineInto(text, nl, e, &hpool[0]); kind == EntryLine {
			pool = pool[1:]
			if e.hashed == &hpool[0] {
				hpool = hpool[1:]
			}
			e.File, e.Line = name, l.Num
			l.Kind, l.Entry = EntryLine, e
		} else {
			l.Kind = kind
			if kind == InvalidLine {
				l.Err = &LineError{name, l.Num, reason}
			}
		}
		out[k] = l
	}
}

// parseLine classifies a line as OpenSSH's hostkeys_foreach_file does and
// fills e for entries. The line is taken to end in "\n".
func parseLine(text string, e *Entry) (LineKind, string) {
	return parseLineInto(text, true, e, nil)
}

// parseLineInto is parseLine, with the hashed name parsed into scratch
// when it is not nil (for callers that copy what they need); nl says
// whether the line ended in "\n" (the last line of a file may not).
func parseLineInto(text string, nl bool, e *Entry, scratch *hashedName) (LineKind, string) {
	if len(text) > MaxLineLength {
		return InvalidLine, fmt.Sprintf("line of %d bytes is longer than the limit of %d bytes", len(text), MaxLineLength)
	}
	// OpenSSH cuts the line it read at its first "\n" or NUL and handles
	// it as a C string: a NUL ends it, except where it ends the host field
	// (below).
	line, nul := text, strings.IndexByte(text, 0)
	if nul >= 0 {
		text = text[:nul]
	}
	s := keyline.TrimBlanks(text)
	if s == "" {
		return BlankLine, ""
	}
	if s[0] == '#' {
		return CommentLine, ""
	}
	m, s, bad, ok := keyline.Marker(s)
	if !ok {
		return InvalidLine, fmt.Sprintf("invalid marker %s", keyline.Quote(bad, maxQuoted))
	}
	if s == "" {
		return InvalidLine, "marker without host names"
	}
	end := keyline.FieldEnd(s)
	var rest string
	switch {
	case end < len(s):
		rest = keyline.TrimBlanks(s[end:])
	case nul >= 0:
		rest = keyline.TrimBlanks(afterHostNUL(line[nul+1:], nl))
	default:
		return InvalidLine, "no key after the host names"
	}
	hosts := s[:end]
	if rest == "" || rest[0] == '#' {
		return InvalidLine, "no key after the host names"
	}
	l := keyline.FieldEnd(rest)
	if l == len(rest) {
		return InvalidLine, fmt.Sprintf("no key after the key type %s", keyline.Quote(rest, maxQuoted))
	}
	typ := rest[:l]
	if l <= 1 || l >= 128 {
		return InvalidLine, fmt.Sprintf("invalid key type %s", keyline.Quote(typ, maxQuoted))
	}
	if !sshkey.KnownTypeName(typ) {
		if l < 8 && strings.Trim(typ, "0123456789") == "" {
			return InvalidLine, "SSH1 RSA key (no longer supported)"
		}
		return InvalidLine, fmt.Sprintf("unknown key type %q", typ)
	}
	after := keyline.TrimBlanks(rest[l:])
	if after == "" || after[0] == '#' {
		return InvalidLine, fmt.Sprintf("no key after the key type %q", typ)
	}
	e.Marker, e.Hosts, e.KeyText = fingerprint.Marker(m), hosts, rest
	if hosts[0] == '|' {
		h := scratch
		if h == nil {
			h = &hashedName{}
		}
		if err := parseHashedInto(hosts, h); err != nil {
			e.hostErr = err.Error()
		} else {
			e.hashed = h
		}
	}
	return EntryLine, ""
}

// afterHostNUL is what OpenSSH reads after a NUL that ends the host
// field, given the rest of the line: hostkeys_foreach_file steps over the
// byte that ended the host field whatever it was, and reads on to the next
// NUL; with none, to the end of the buffer getline filled, which still
// holds the line's "\n" (its cut stopped at the first NUL). So the key
// text of "host\x00 TYPE KEY" is "TYPE KEY\n": the "\n" is not a blank,
// ends up in the comment, and ssh-keygen -H copies it.
func afterHostNUL(rest string, nl bool) string {
	if i := strings.IndexByte(rest, 0); i >= 0 {
		return rest[:i]
	}
	if nl {
		return rest + "\n"
	}
	return rest
}

// reparse classifies l again from its text, as a line that ends in "\n":
// for the edits whose result differs from the entry it came from, which
// happens only with a NUL byte after the host field (see afterHostNUL).
func (f *File) reparse(l *Line) {
	e := &Entry{}
	kind, reason := parseLine(l.Text, e)
	l.Kind, l.Entry, l.Err = kind, nil, nil
	switch kind {
	case EntryLine:
		e.File, e.Line = f.Name, l.Num
		l.Entry = e
	case InvalidLine:
		l.Err = &LineError{f.Name, l.Num, reason}
	}
}

// endLastLine gives the last line its "\n", as every edit does; that
// changes the key text of a line with a NUL after the host field.
func (f *File) endLastLine() {
	if !f.NoFinalNewline {
		return
	}
	f.NoFinalNewline = false
	if n := len(f.Lines); n > 0 && strings.IndexByte(f.Lines[n-1].Text, 0) >= 0 {
		f.reparse(&f.Lines[n-1])
	}
}

// Entries returns the entries of the file in order.
func (f *File) Entries() []*Entry {
	var es []*Entry
	for i := range f.Lines {
		if e := f.Lines[i].Entry; e != nil {
			es = append(es, e)
		}
	}
	return es
}

// Problems returns every line that ssh cannot use, in order: invalid
// lines, unusable hashed names, and entries whose key does not parse or
// is of a type OpenSSH does not know. It parses every key.
func (f *File) Problems() []*LineError {
	var errs []*LineError
	for i := range f.Lines {
		l := &f.Lines[i]
		switch {
		case l.Err != nil:
			errs = append(errs, l.Err)
		case l.Entry != nil && l.Entry.hostErr != "":
			errs = append(errs, &LineError{f.Name, l.Num, l.Entry.hostErr})
		case l.Entry != nil:
			key, err := l.Entry.Key()
			if err != nil {
				errs = append(errs, err.(*LineError))
			} else if !fingerprint.OpenSSHKnows(key) {
				errs = append(errs, &LineError{f.Name, l.Num, fmt.Sprintf("key type %q is not supported by OpenSSH", key.Type())})
			}
		}
	}
	return errs
}

// WriteTo writes the file as it is now; an unmodified file is written
// back byte for byte.
func (f *File) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	f.appendTo(&buf)
	return buf.WriteTo(w)
}

// Bytes returns the file's content.
func (f *File) Bytes() []byte {
	var buf bytes.Buffer
	f.appendTo(&buf)
	return buf.Bytes()
}

func (f *File) appendTo(buf *bytes.Buffer) {
	n := 0
	for i := range f.Lines {
		n += len(f.Lines[i].Text) + 1
	}
	buf.Grow(n)
	for i := range f.Lines {
		buf.WriteString(f.Lines[i].Text)
		if i < len(f.Lines)-1 || !f.NoFinalNewline {
			buf.WriteByte('\n')
		}
	}
}

// readWithState reads a file and notes what it was, for Save. The file
// is read straight into the string that lines and fields are cut from.
func readWithState(name string) (string, *fileState, error) {
	fh, err := os.Open(name)
	if err != nil {
		return "", nil, fmt.Errorf("knownhosts: %w", err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return "", nil, fmt.Errorf("knownhosts: %w", err)
	}
	if fi.Size() > MaxFileSize {
		return "", nil, tooLarge(name)
	}
	var b strings.Builder
	b.Grow(int(fi.Size()))
	if _, err := io.Copy(&b, io.LimitReader(fh, MaxFileSize+1)); err != nil {
		return "", nil, fmt.Errorf("knownhosts: %s: %w", name, err)
	}
	if b.Len() > MaxFileSize {
		return "", nil, tooLarge(name)
	}
	data := b.String()
	if tooManyLines(data) {
		return "", nil, &LineError{File: name, Reason: errTooManyLines.Error()}
	}
	return data, newFileState(fi, data), nil
}

// maxQuoted is how much of a field a message quotes.
const maxQuoted = 64
