// Package sshkeygen reproduces the output of OpenSSH 9.x's ssh-keygen byte
// for byte where hostkeys mirrors it. It holds the quirks a library user
// does not want (the exact line-skipping rules of ssh-keygen -l, a stale
// comment pointer, the terminal-escaping of comments), so that the public
// packages can keep clean semantics.
package sshkeygen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/sshkey"
)

// ListOptions selects ssh-keygen -l's flags.
type ListOptions struct {
	Hash    fingerprint.Hash // -E; zero means SHA256
	Visual  bool             // -v: print the randomart after each key
	Escaper *Escaper         // how comments are escaped; nil means the C locale
}

// Listed is one key that List printed.
type Listed struct {
	Line int
	// Undefined is set when ssh-keygen's output for this key depends on
	// freed memory (a stale comment pointer across a buffer reallocation).
	Undefined bool
}

// ListResult is what List saw in a file.
type ListResult struct {
	Keys []Listed
	// Skipped are the lines ssh-keygen passes over silently that are not
	// blank or comments, with the reason, for the caller to report.
	Skipped []*fingerprint.LineError
	// PrivateKey is set when the first line announces a private key, which
	// ssh-keygen handles differently; nothing was printed.
	PrivateKey bool
}

// List writes what `ssh-keygen -l -f name` prints on stdout for the file
// read from r. name is "-" for standard input. The caller prints
// ssh-keygen's "is not a public key file" error when no key was listed.
func List(w io.Writer, r io.Reader, name string, opt ListOptions) (*ListResult, error) {
	h := opt.Hash
	if h == 0 {
		h = fingerprint.SHA256
	}
	esc := opt.Escaper
	if esc == nil {
		esc = &Escaper{}
	}
	path := name
	if name == "-" {
		path = "(stdin)"
	}
	res := &ListResult{}
	bw := bufio.NewWriter(w)
	br := bufio.NewReaderSize(r, 64<<10)
	var lb lineBuffer
	var comment commentRef
	kc := newKeyCache(h)
	offset := 0
	src := &lineSource{br: br, kc: kc}
	for lnum := 1; ; lnum++ {
		raw, err := src.next()
		if len(raw) == 0 && err != nil {
			if err == io.EOF {
				break
			}
			return res, err
		}
		lb.load(raw, offset)
		offset += len(raw)
		why := func() string { return explain(raw) }
		buf := lb.buf
		// cp[strcspn(cp, "\n")] = '\0'
		if i := bytes.IndexAny(buf, "\n\x00"); i >= 0 {
			buf[i] = 0
		}
		cp := 0
		for buf[cp] == ' ' || buf[cp] == '\t' {
			cp++
		}
		if buf[cp] == '#' || buf[cp] == 0 {
			continue
		}
		if lnum == 1 && name != "-" && bytes.Contains(cstr(buf, cp), []byte("PRIVATE KEY")) {
			res.PrivateKey = true
			return res, nil
		}
		key, next := kc.tryReadKey(buf, cp)
		if key == nil {
			i, ep := strtolInt(buf, cp)
			if i == 0 || (buf[ep] != ' ' && buf[ep] != '\t') {
				comment = commentRef{set: true, off: cp, gen: lb.gen}
				quoted := false
				for ; buf[cp] != 0 && (quoted || (buf[cp] != ' ' && buf[cp] != '\t')); cp++ {
					if buf[cp] == '\\' && buf[cp+1] == '"' {
						cp++
					} else if buf[cp] == '"' {
						quoted = !quoted
					}
				}
				if buf[cp] == 0 {
					res.Skipped = append(res.Skipped, &fingerprint.LineError{File: path, Line: lnum, Reason: why()})
					continue
				}
				buf[cp] = 0
				cp++
			}
			key, next = kc.tryReadKey(buf, cp)
			if key == nil {
				res.Skipped = append(res.Skipped, &fingerprint.LineError{File: path, Line: lnum, Reason: why()})
				continue
			}
		}
		cp = next
		for buf[cp] == ' ' || buf[cp] == '\t' {
			cp++
		}
		if buf[cp] != 0 && buf[cp] != '#' {
			comment = commentRef{set: true, off: cp, gen: lb.gen}
		}
		text := "no comment"
		if comment.set {
			c := lb.cstrAt(comment)
			if lb.undefined(comment) {
				// ssh-keygen prints freed memory here; print what the
				// buffer held, but never break the line-per-key output.
				if i := bytes.IndexAny(c, "\r\n"); i >= 0 {
					c = c[:i]
				}
			}
			text = string(c)
		}
		d := kc.describe(key, h, opt.Visual)
		bw.WriteString(d.head)
		bw.WriteString(esc.Escape(text))
		bw.WriteString(d.tail)
		if opt.Visual {
			bw.WriteString(d.art)
		}
		res.Keys = append(res.Keys, Listed{Line: lnum, Undefined: lb.undefined(comment)})
	}
	return res, bw.Flush()
}

// explain says why ssh-keygen -l passed over a line, using the library's
// reading of it.
func explain(raw []byte) string {
	line := string(bytes.TrimSuffix(raw, []byte("\n")))
	kl, err := fingerprint.ParseKeyLine(line)
	var le *fingerprint.LineError
	switch {
	case errors.As(err, &le):
		return le.Reason
	case err != nil:
		return err.Error()
	case kl != nil && kl.Marker != "":
		return "ssh-keygen -l does not list " + string(kl.Marker) + " lines"
	case kl != nil && !fingerprint.OpenSSHKnows(kl.Key):
		return fmt.Sprintf("key type %q is not supported by OpenSSH", kl.Key.Type())
	}
	return "ssh-keygen -l does not read a key from this line"
}

// keyCache remembers, per "TYPE BASE64" text, what sshkey_read made of it
// and how the key is printed: one host key usually appears on many lines
// of a known_hosts file (one per name or address), and parsing it is the
// expensive part.
type keyCache struct {
	hash   fingerprint.Hash      // described by the prefetch workers
	parsed map[string]*cachedKey // across the file, up to maxCached keys
	chunk  map[string]*cachedKey // the keys of the chunk being processed
}

type cachedKey struct {
	key  *sshkey.Key     // nil: not a key to OpenSSH
	desc [4]*description // by fingerprint.Hash
}

type description struct {
	head string // "BITS FINGERPRINT "
	tail string // " (LABEL)\n"
	art  string // randomart and newline, for -v
}

// maxCached bounds the memory the cache takes, and the time spent filling
// it when keys do not repeat.
const maxCached = 1 << 13

func newKeyCache(h fingerprint.Hash) *keyCache {
	return &keyCache{hash: h, parsed: map[string]*cachedKey{}}
}

// tryReadKey runs sshkey_read on the C string at buf[cp:]. It returns the
// key (nil if there is none) and the offset just after the blanks that
// follow it.
func (kc *keyCache) tryReadKey(buf []byte, cp int) (*cachedKey, int) {
	text := cstr(buf, cp)
	// The result depends only on the first two blank-separated fields,
	// and the first must name a key type.
	tok := keyToken(text)
	if tok == nil {
		return nil, 0
	}
	end := len(tok)
	ck, ok := kc.chunk[string(tok)]
	if !ok {
		ck, ok = kc.parsed[string(tok)]
	}
	if !ok {
		ck = parseCached(string(tok))
		if len(kc.parsed) < maxCached {
			kc.parsed[string(tok)] = ck
		}
	}
	if ck.key == nil {
		return nil, 0
	}
	for end < len(text) && (text[end] == ' ' || text[end] == '\t') {
		end++
	}
	return ck, cp + end
}

// prefetch parses, on all cores, the key texts that lines may hold and the
// cache lacks: the text at the start of a line and the text after its first
// field, wherever the field's first word names a key type.
func (kc *keyCache) prefetch(lines [][]byte) {
	var todo []string
	clear(kc.chunk)
	if kc.chunk == nil {
		kc.chunk = map[string]*cachedKey{}
	}
	want := func(text []byte) {
		t := keyToken(text)
		if t == nil {
			return
		}
		if _, ok := kc.parsed[string(t)]; ok {
			return
		}
		if _, ok := kc.chunk[string(t)]; ok {
			return
		}
		kc.chunk[string(t)] = nil
		todo = append(todo, string(t))
	}
	for _, l := range lines {
		l = bytes.TrimLeft(l, " \t")
		want(l)
		// After a host list or options field (quotes may hide blanks).
		quoted := false
		for i := 0; i < len(l); i++ {
			c := l[i]
			if c == '\\' && i+1 < len(l) && l[i+1] == '"' {
				i++
			} else if c == '"' {
				quoted = !quoted
			} else if !quoted && (c == ' ' || c == '\t') {
				want(bytes.TrimLeft(l[i:], " \t"))
				break
			}
		}
	}
	if len(todo) == 0 {
		return
	}
	results := make([]*cachedKey, len(todo))
	workers := min(runtime.GOMAXPROCS(0), (len(todo)+15)/16)
	var wg sync.WaitGroup
	var nextJob atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(nextJob.Add(1) - 1)
				if i >= len(todo) {
					return
				}
				results[i] = parseCached(todo[i])
				if results[i].key != nil {
					kc.describe(results[i], kc.hash, false)
				}
			}
		}()
	}
	wg.Wait()
	for i, t := range todo {
		kc.chunk[t] = results[i]
		if len(kc.parsed) < maxCached {
			kc.parsed[t] = results[i]
		}
	}
}

// keyToken returns the "TYPE BASE64" prefix of text if its first word is a
// key type name OpenSSH knows, else nil.
func keyToken(text []byte) []byte {
	sp := 0
	for sp < len(text) && !isBlank(text[sp]) && !isEnd(text[sp]) {
		sp++
	}
	if sp == 0 || sp == len(text) || isEnd(text[sp]) || !fingerprint.KnownKeyType(string(text[:sp])) {
		return nil
	}
	i := sp
	for i < len(text) && isBlank(text[i]) {
		i++
	}
	if i == len(text) || isEnd(text[i]) {
		return nil
	}
	end := i
	for end < len(text) && !isBlank(text[end]) && !isEnd(text[end]) {
		end++
	}
	return text[:end]
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// isEnd is true for the bytes that end a line for ssh-keygen: the NUL
// getline's caller writes over the newline, and a NUL in the input.
func isEnd(c byte) bool { return c == 0 || c == '\n' }

func parseCached(text string) *cachedKey {
	ck := &cachedKey{}
	key, _, err := sshkey.ParseText(text)
	if err == nil && key.Known {
		ck.key = key
	}
	return ck
}

func (kc *keyCache) describe(ck *cachedKey, h fingerprint.Hash, visual bool) *description {
	if d := ck.desc[h&3]; d != nil && (!visual || d.art != "") {
		return d
	}
	d := &description{
		head: strconv.Itoa(ck.key.Bits) + " " + fingerprint.OfBlob(ck.key.PlainBlob, h).String() + " ",
		tail: " (" + ck.key.Label() + ")\n",
	}
	if visual {
		// Randomart is rare enough to afford x/crypto's key object.
		if k, err := fingerprint.ParsePublicKey(ck.key.Blob); err == nil {
			d.art = fingerprint.Randomart(k, h) + "\n"
		}
	}
	ck.desc[h&3] = d
	return d
}

// cstr returns the NUL-terminated string at b[off:].
func cstr(b []byte, off int) []byte {
	if off >= len(b) {
		return nil
	}
	if i := bytes.IndexByte(b[off:], 0); i >= 0 {
		return b[off : off+i]
	}
	return b[off:]
}

// strtolInt emulates (int)strtol(s, &ep, 10) on the C string at buf[cp:]:
// it returns the value truncated to 32 bits and the offset of ep.
func strtolInt(buf []byte, cp int) (int32, int) {
	i := cp
	for isCSpace(buf[i]) {
		i++
	}
	neg := false
	if buf[i] == '+' || buf[i] == '-' {
		neg = buf[i] == '-'
		i++
	}
	start := i
	var v uint64
	overflow := false
	for buf[i] >= '0' && buf[i] <= '9' {
		d := uint64(buf[i] - '0')
		if v > (1<<63-1-d)/10 {
			overflow = true
		} else {
			v = v*10 + d
		}
		i++
	}
	if i == start {
		return 0, cp // no digits: ep = the original pointer
	}
	var l int64
	switch {
	case overflow && neg:
		l = -1 << 63
	case overflow:
		l = 1<<63 - 1
	case neg:
		l = -int64(v)
	default:
		l = int64(v)
	}
	return int32(l), i
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// lineSource hands out raw lines, reading them in chunks so that the keys
// on a chunk's lines can be parsed in parallel before the lines are
// processed one by one.
type lineSource struct {
	br    *bufio.Reader
	kc    *keyCache
	lines [][]byte
	pos   int
	err   error
	arena []byte
}

const (
	chunkLines = 2048
	chunkBytes = 1 << 20
)

func (s *lineSource) next() ([]byte, error) {
	if s.pos == len(s.lines) {
		if s.err != nil {
			return nil, s.err
		}
		s.fill()
		if len(s.lines) == 0 {
			return nil, s.err
		}
	}
	l := s.lines[s.pos]
	s.pos++
	return l, nil
}

func (s *lineSource) fill() {
	s.lines, s.pos = s.lines[:0], 0
	s.arena = s.arena[:0]
	var ends []int
	for len(ends) < chunkLines && len(s.arena) < chunkBytes {
		n := len(s.arena)
		var err error
		s.arena, err = readRawLine(s.br, s.arena)
		if len(s.arena) > n {
			ends = append(ends, len(s.arena))
		}
		if err != nil {
			s.err = err
			break
		}
	}
	start := 0
	for _, end := range ends {
		s.lines = append(s.lines, s.arena[start:end:end])
		start = end
	}
	s.kc.prefetch(s.lines)
}

// readRawLine appends the next line, including its newline, to line, as
// getline reads it.
func readRawLine(br *bufio.Reader, line []byte) ([]byte, error) {
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, err
	}
}

// lineBuffer models the buffer glibc's getline reuses from line to line.
// ssh-keygen -l keeps a pointer to the comment across lines, so a bare key
// without a comment is printed with whatever the buffer now holds at the
// place where an earlier line's host field was. When getline grows the
// buffer, the old one may be freed; reading it is undefined behaviour,
// modelled here as the contents it had then, and flagged.
//
// glibc's getdelim starts with 120 bytes and copies a line in the pieces
// stdio reads (4096-byte blocks of the file); before each piece it grows
// the buffer to max(needed, 2*size) if the piece does not fit.
type lineBuffer struct {
	buf    []byte // current contents, len == capacity
	gen    int    // bumped on every reallocation
	frozen map[int][]byte
}

type commentRef struct {
	set bool
	off int
	gen int
}

const stdioBlock = 4096

func (lb *lineBuffer) load(raw []byte, offset int) {
	if lb.buf == nil {
		lb.buf = make([]byte, 120)
	}
	cur := 0
	for cur < len(raw) {
		piece := min(len(raw)-cur, stdioBlock-(offset+cur)%stdioBlock)
		if need := cur + piece + 1; need > len(lb.buf) {
			size := max(need, 2*len(lb.buf))
			if lb.frozen == nil {
				lb.frozen = map[int][]byte{}
			}
			lb.frozen[lb.gen] = bytes.Clone(lb.buf)
			nb := make([]byte, size)
			copy(nb, lb.buf)
			lb.buf = nb
			lb.gen++
		}
		copy(lb.buf[cur:], raw[cur:cur+piece])
		cur += piece
	}
	lb.buf[len(raw)] = 0
	// Keep a NUL at the very end so that scans stop inside the buffer.
	lb.buf[len(lb.buf)-1] = 0
}

func (lb *lineBuffer) cstrAt(c commentRef) []byte {
	b := lb.buf
	if c.gen != lb.gen {
		b = lb.frozen[c.gen]
	}
	return cstr(b, c.off)
}

// Undefined reports whether printing c reads a freed buffer.
func (lb *lineBuffer) undefined(c commentRef) bool { return c.set && c.gen != lb.gen }
