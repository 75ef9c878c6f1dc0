// Package sshkeygen reproduces the output of OpenSSH 9.x's ssh-keygen byte
// for byte where hostkeys mirrors it. It holds the quirks a library user
// does not want (the exact line-skipping rules of ssh-keygen -l, the
// terminal-escaping of comments), so that the public packages can keep
// clean semantics.
//
// One quirk is not reproduced: ssh-keygen -l keeps its comment pointer
// from line to line, so a bare key without a comment after a line that
// set one is printed with whatever the reused (or freed) getline buffer
// holds there. List prints "no comment" for it, and flags it in
// Listed.StaleComment.
package sshkeygen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/keyline"
	"github.com/hostkeys/hostkeys/internal/mprintf"
	"github.com/hostkeys/hostkeys/internal/sshkey"
)

// ListOptions selects ssh-keygen -l's flags.
type ListOptions struct {
	Hash    fingerprint.Hash // -E; zero means SHA256
	Visual  bool             // -v: print the randomart after each key
	Escaper *mprintf.Escaper // how comments are escaped; nil means the C locale
	// OnKey, if set, is called with each key as it is listed (its output
	// may still be in List's buffer). List keeps only their number
	// (ListResult.Count), so that memory does not grow with the number of
	// keys.
	OnKey func(Listed)
}

// Listed is one key that List printed, as passed to ListOptions.OnKey.
type Listed struct {
	Line int
	// StaleComment is set for a key printed with "no comment" where
	// ssh-keygen prints a stale comment pointer instead: the bytes its
	// reused, or freed, line buffer holds where an earlier line's host
	// field or comment was.
	StaleComment bool
}

// ListResult is what List saw in a file.
type ListResult struct {
	// Count is the number of keys listed (ListOptions.OnKey sees each).
	Count int
	// Skipped are the first fingerprint.MaxInvalid lines ssh-keygen passes
	// over silently that are not blank or comments, with the reason, for
	// the caller to report; MoreSkipped counts those after them.
	Skipped     []*fingerprint.LineError
	MoreSkipped int
	// PrivateKey is set when the first line announces a private key, which
	// ssh-keygen handles differently; nothing was printed.
	PrivateKey bool
}

// List writes what `ssh-keygen -l -f name` prints on stdout for the file
// read from r. name is "-" for standard input. The caller prints
// ssh-keygen's "is not a public key file" error when no key was listed.
//
// A line ends at its first NUL byte, as for ssh-keygen; a line that is
// blank up to a NUL is reported in Skipped.
//
// Lines longer than keyline.MaxLineLength (1 MiB) are not held in memory:
// they are reported in ListResult.Skipped, where ssh-keygen would read
// them. The reasons in Skipped are those fingerprint.ReadKeys gives for
// the same lines, and quote at most a short part of a line.
func List(w io.Writer, r io.Reader, name string, opt ListOptions) (*ListResult, error) {
	h := opt.Hash
	if h == 0 {
		h = fingerprint.SHA256
	}
	esc := opt.Escaper
	if esc == nil {
		esc = &mprintf.Escaper{}
	}
	path := name
	if name == "-" {
		path = "(stdin)"
	}
	res := &ListResult{}
	// skip records a skipped line; the reason is worked out only for
	// the lines kept.
	skip := func(lnum int, reason func() string) {
		if len(res.Skipped) < fingerprint.MaxInvalid {
			res.Skipped = append(res.Skipped, &fingerprint.LineError{File: path, Line: lnum, Reason: reason()})
		} else {
			res.MoreSkipped++
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte // the line as a C string, with room for NULs
	// pointerSet is whether ssh-keygen's comment pointer was set by an
	// earlier line; comment is the comment of this line, if any.
	pointerSet := false
	kc := newKeyCache(h)
	src := newLineSource(br, kc)
	defer src.close()
	for lnum := 1; ; lnum++ {
		raw, err := src.next()
		if len(raw) == 0 && err != nil {
			if err == io.EOF {
				break
			}
			return res, err
		}
		if raw == nil {
			// Longer than keyline.MaxLineLength: not read. Whatever
			// ssh-keygen made of it, a later bare key's comment may be
			// stale.
			skip(lnum, func() string { return keyline.TooLong })
			pointerSet = true
			continue
		}
		// raw, a NUL as getline writes it, and one more so that scans
		// stop inside the buffer.
		buf = append(append(buf[:0], raw...), 0, 0)
		stale := pointerSet
		var comment []byte
		why := func() string { return explain(raw, src.memo()) }
		// cp[strcspn(cp, "\n")] = '\0'
		// The line is raw plus the NUL getline writes; cut at the first
		// newline or NUL, as strcspn(cp, "\n") stops at either.
		end := len(raw)
		if i := bytes.IndexByte(buf[:end], 0); i >= 0 {
			end = i
		}
		if i := bytes.IndexByte(buf[:end], '\n'); i >= 0 {
			buf[i] = 0
		}
		memo := src.memo()
		cp := 0
		cp += len(buf) - cp - len(keyline.TrimBlanks(buf[cp:]))
		if buf[cp] == '#' || buf[cp] == 0 {
			if cp < len(raw) && raw[cp] == 0 {
				// Blank up to a NUL byte: skipped as a blank line, but
				// it is not one.
				skip(lnum, why)
			}
			continue
		}
		if lnum == 1 && name != "-" && bytes.Contains(cstr(buf, cp), []byte("PRIVATE KEY")) {
			res.PrivateKey = true
			return res, nil
		}
		key, next := kc.tryReadKey(buf, cp, memo)
		if key == nil {
			i, ep := strtolInt(buf, cp)
			if i == 0 || (buf[ep] != ' ' && buf[ep] != '\t') {
				start := cp
				// The host field or options, quotes hiding blanks.
				cp += keyline.QuotedFieldEnd(cstr(buf, cp))
				pointerSet = true
				if buf[cp] == 0 {
					skip(lnum, why)
					continue
				}
				buf[cp] = 0
				comment = buf[start:cp]
				cp++
			}
			key, next = kc.tryReadKey(buf, cp, memo)
			if key == nil {
				skip(lnum, why)
				continue
			}
		}
		cp = next
		cp += len(buf) - cp - len(keyline.TrimBlanks(buf[cp:]))
		if buf[cp] != 0 && buf[cp] != '#' {
			comment = cstr(buf, cp)
			pointerSet = true
		}
		d := key.describe(h, opt.Visual)
		bw.WriteString(d.head)
		if comment != nil {
			esc.WriteTo(bw, comment)
		} else {
			// Printable ASCII: mprintf leaves it as it is.
			bw.WriteString("no comment")
		}
		bw.WriteString(d.tail)
		if opt.Visual {
			bw.WriteString(d.art)
		}
		res.Count++
		if opt.OnKey != nil {
			opt.OnKey(Listed{Line: lnum, StaleComment: comment == nil && stale})
		}
	}
	return res, bw.Flush()
}

// explain says why ssh-keygen -l passed over a line, using the library's
// reading of it: where fingerprint.ReadKeys rejects the line too, the
// reason is the same. m, if not nil, is the line's memo: a marker line
// whose key prefetch found valid is explained without parsing it again.
func explain(raw []byte, m *lineMemo) string {
	if m != nil && !testNoMemo && m.marker != "" && m.at[2].ck != nil && m.at[2].ck.key != nil && bytes.IndexByte(raw, 0) < 0 {
		return "ssh-keygen -l does not list " + m.marker + " lines"
	}
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
		return fmt.Sprintf("key type %s is not supported by OpenSSH", keyline.Quote(kl.Key.Type(), 64))
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
	chunk  map[uint64]int        // the chunk's key texts by hash: index of the parse job
	seed   maphash.Seed
	// fallback caches keys found where no memo applies; it belongs to
	// the goroutine running List, the maps above to the reader.
	fallback map[string]*cachedKey
	// Look-ups in and hits of the file cache, to stop using it when keys
	// do not repeat.
	lookups, hits int
}

type cachedKey struct {
	key  *sshkey.Key    // nil: not a key to OpenSSH
	desc [4]description // by fingerprint.Hash; empty head: not yet described
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
	return &keyCache{hash: h, parsed: map[string]*cachedKey{}, seed: maphash.MakeSeed()}
}

// tryReadKey runs sshkey_read on the C string at buf[cp:]. It returns the
// key (nil if there is none) and the offset just after the blanks that
// follow it.
func (kc *keyCache) tryReadKey(buf []byte, cp int, m *lineMemo) (*cachedKey, int) {
	if m != nil && !testNoMemo {
		for _, at := range m.at {
			if at.pos == cp && at.set {
				if at.ck == nil || at.ck.key == nil {
					return nil, 0
				}
				return at.ck, cp + at.next
			}
		}
	}
	text := cstr(buf, cp)
	// The result depends only on the first two blank-separated fields,
	// and the first must name a key type.
	tok := keyToken(text)
	if tok == nil {
		return nil, 0
	}
	end := len(tok)
	// Rare: a key text where prefetch did not look (the memo covers
	// the two places ssh-keygen tries). The reader goroutine owns
	// kc.parsed; this goroutine has its own map.
	ck, ok := kc.fallback[string(tok)]
	if !ok {
		ck = parseCachedBytes(tok)
		if kc.fallback == nil {
			kc.fallback = map[string]*cachedKey{}
		}
		if len(kc.fallback) < maxCached {
			kc.fallback[string(tok)] = ck
		}
	}
	if ck.key == nil {
		return nil, 0
	}
	end += len(text) - end - len(keyline.TrimBlanks(text[end:]))
	return ck, cp + end
}

// prefetch parses, on all cores, the key texts that lines may hold and the
// cache lacks: the text at the start of a line and the text after its first
// field, wherever the field's first word names a key type.
func (kc *keyCache) prefetch(lines [][]byte, memos []lineMemo) []lineMemo {
	var todo [][]byte // key texts, slices of the chunk's lines
	clear(kc.chunk)
	if kc.chunk == nil {
		kc.chunk = map[uint64]int{}
	}
	// look records the key text at line[pos:], if any, in at.
	look := func(line []byte, pos int, at *memoAt) {
		at.set, at.pos, at.todo = true, pos, -1
		t := keyToken(line[pos:])
		if t == nil {
			return
		}
		next := len(t)
		next += len(line) - pos - next - len(keyline.TrimBlanks(line[pos+next:]))
		at.next = next
		if kc.useFileCache() {
			kc.lookups++
			if ck, ok := kc.parsed[string(t)]; ok {
				kc.hits++
				at.ck = ck
				return
			}
		}
		hash := maphash.Bytes(kc.seed, t)
		if i, ok := kc.chunk[hash]; ok && bytes.Equal(todo[i], t) {
			at.todo = i
			return
		}
		// A new text (or, very rarely, another text with the same hash:
		// then it is simply parsed twice).
		at.todo = len(todo)
		todo = append(todo, t)
		if _, ok := kc.chunk[hash]; !ok {
			kc.chunk[hash] = at.todo
		}
	}
	for _, l := range lines {
		memos = append(memos, lineMemo{})
		m := &memos[len(memos)-1]
		p := len(l) - len(keyline.TrimBlanks(l))
		look(l, p, &m.at[0])
		// After the first field: the blank that ends it is overwritten
		// with a NUL and the search starts on the next byte. Quotes may
		// hide blanks, as in ssh-keygen's loop.
		field := l[p:]
		for i, c := range field {
			if isEnd(c) {
				field = field[:i]
				break
			}
		}
		if i := keyline.QuotedFieldEnd(field); i < len(field) {
			look(l, p+i+1, &m.at[1])
		}
		// A known_hosts marker line: ssh-keygen -l lists none, but the
		// reason given for it depends on its key, after the host field,
		// as fingerprint.ReadKeys reads it.
		if len(field) > 0 && field[0] == '@' {
			line := l[p:]
			if i := bytes.IndexAny(line, "\x00\n"); i >= 0 {
				line = line[:i]
			}
			if marker, rest, _, ok := keyline.Marker(string(line)); ok && marker != "" {
				hosts := keyline.QuotedFieldEnd(rest)
				if hosts < len(rest) {
					m.marker = marker
					look(l, p+len(line)-len(keyline.TrimBlanks(rest[hosts:])), &m.at[2])
				}
			}
		}
	}
	if len(todo) == 0 {
		return memos
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
				results[i] = parseCachedBytes(todo[i])
				if results[i].key != nil {
					results[i].describe(kc.hash, false)
				}
			}
		}()
	}
	wg.Wait()
	if kc.useFileCache() {
		for i, t := range todo {
			if len(kc.parsed) >= maxCached {
				break
			}
			kc.parsed[string(t)] = results[i]
		}
	}
	for i := range memos {
		for j := range memos[i].at {
			if at := &memos[i].at[j]; at.todo >= 0 {
				at.ck = results[at.todo]
			}
		}
	}
	return memos
}

// useFileCache reports whether keys seem to repeat across the file: after
// the first few thousand look-ups, a cache that is rarely hit costs more
// than it saves and is no longer consulted.
func (kc *keyCache) useFileCache() bool {
	return kc.lookups < 4096 || kc.hits*8 >= kc.lookups
}

// keyToken returns the "TYPE BASE64" prefix of text if its first word is a
// key type name OpenSSH knows, else nil.
func keyToken(text []byte) []byte {
	// ssh-keygen's line ends at the newline or a NUL.
	end := len(text)
	for _, c := range [...]byte{0, '\n'} {
		if j := bytes.IndexByte(text[:end], c); j >= 0 {
			end = j
		}
	}
	typ, b64, _ := keyline.Key(text[:end])
	if len(b64) == 0 || len(typ) == 0 || !sshkey.KnownTextTypeBytes(typ) {
		return nil
	}
	// The type, the blanks and the blob, as they stand in text.
	return text[:len(typ)+(end-len(typ)-len(keyline.TrimBlanks(text[len(typ):end])))+len(b64)]
}

// isEnd is true for the bytes that end a line for ssh-keygen: the NUL
// getline's caller writes over the newline, and a NUL in the input.
func isEnd(c byte) bool { return c == 0 || c == '\n' }

// parseCachedBytes parses one "TYPE BASE64" text as sshkey_read does; the
// entry holds no key when OpenSSH would not read one.
func parseCachedBytes(text []byte) *cachedKey {
	ck := &cachedKey{}
	if key, err := sshkey.ParseTextBytes(text); err == nil && key.Known {
		ck.key = key
	}
	return ck
}

// describe returns how ck's key is printed with fingerprint hash h, making
// it on first use (with the randomart when visual is set).
func (ck *cachedKey) describe(h fingerprint.Hash, visual bool) *description {
	d := &ck.desc[h&3]
	if d.head != "" && (!visual || d.art != "") {
		return d
	}
	d.head, d.tail = formatHead(ck.key, h), labelTail(ck.key.Type)
	if visual {
		// Randomart is rare enough to afford x/crypto's key object.
		if k, err := fingerprint.ParsePublicKey(ck.key.Blob); err == nil {
			d.art = fingerprint.Randomart(k, h) + "\n"
		}
	}
	return d
}

// labelTails holds " (LABEL)\n" for every key type OpenSSH knows, so that
// describing a key does not build it again.
var labelTails = func() map[string]string {
	m := map[string]string{}
	for _, t := range []string{"ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
		"ssh-ed25519", "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ssh-ed25519@openssh.com"} {
		for _, name := range []string{t, sshkey.CertName(t)} {
			m[name] = " (" + sshkey.Label(name) + ")\n"
		}
	}
	return m
}()

func labelTail(typ string) string {
	if t, ok := labelTails[typ]; ok {
		return t
	}
	return " (" + sshkey.Label(typ) + ")\n"
}

// formatHead returns "BITS FINGERPRINT " with a single allocation.
func formatHead(k *sshkey.Key, h fingerprint.Hash) string {
	var buf [160]byte
	b := strconv.AppendInt(buf[:0], int64(k.Bits), 10)
	b = append(b, ' ')
	switch h {
	case fingerprint.SHA256:
		sum := sha256.Sum256(k.PlainBlob)
		b = append(b, "SHA256:"...)
		b = base64.RawStdEncoding.AppendEncode(b, sum[:])
	default:
		b = append(b, fingerprint.OfBlob(k.PlainBlob, h).String()...)
	}
	b = append(b, ' ')
	return string(b)
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

// lineSource hands out raw lines. A reader goroutine reads them in chunks
// and has the keys on a chunk's lines parsed on all cores while the lines
// of the previous chunk are processed one by one.
type lineSource struct {
	chunks <-chan *chunk
	free   chan *chunk // chunks whose lines have been processed, for reuse
	done   chan struct{}
	cur    *chunk
	pos    int
	err    error
}

type chunk struct {
	arena []byte
	lines [][]byte
	memos []lineMemo
	err   error // after the lines: io.EOF or the read error
}

func newLineSource(br *bufio.Reader, kc *keyCache) *lineSource {
	ch := make(chan *chunk, 1)
	s := &lineSource{chunks: ch, free: make(chan *chunk, 3), done: make(chan struct{})}
	go func() {
		defer close(ch)
		for {
			var c *chunk
			select {
			case c = <-s.free:
			default:
				c = &chunk{arena: make([]byte, 0, chunkBytes+64<<10)}
			}
			readChunk(br, c)
			c.memos = kc.prefetch(c.lines, c.memos[:0])
			select {
			case ch <- c:
			case <-s.done:
				return
			}
			if c.err != nil {
				return
			}
		}
	}()
	return s
}

// close stops the reader goroutine.
func (s *lineSource) close() {
	close(s.done)
	for range s.chunks {
	}
}

// lineMemo holds what prefetch found at the two places of a line where
// ssh-keygen -l looks for a key: after the leading blanks, and just after
// the first field (host list or options) and the blank that ends it; and,
// on a marker line, at the key after the host field, for explain.
type lineMemo struct {
	at     [3]memoAt
	marker string // the line's known_hosts marker, if at[2] is set
}

type memoAt struct {
	set  bool
	pos  int        // offset in the line
	ck   *cachedKey // nil: no key there
	next int        // offset after the key and its blanks, from pos
	todo int        // index of the parse job, or -1
}

// memo returns the memo of the line next returned last.
func (s *lineSource) memo() *lineMemo {
	if s.cur == nil || s.pos == 0 || s.pos > len(s.cur.memos) {
		return nil
	}
	return &s.cur.memos[s.pos-1]
}

const (
	chunkLines = 2048
	chunkBytes = 1 << 20
)

func (s *lineSource) next() ([]byte, error) {
	for s.cur == nil || s.pos == len(s.cur.lines) {
		if s.err != nil {
			return nil, s.err
		}
		if s.cur != nil && s.cur.err != nil {
			s.err = s.cur.err
			return nil, s.err
		}
		if s.cur != nil {
			select {
			case s.free <- s.cur:
			default:
			}
		}
		c, ok := <-s.chunks
		if !ok {
			s.err = io.ErrUnexpectedEOF
			return nil, s.err
		}
		s.cur, s.pos = c, 0
	}
	l := s.cur.lines[s.pos]
	s.pos++
	return l, nil
}

// readChunk reads the next lines into c, reusing its buffers.
func readChunk(br *bufio.Reader, c *chunk) {
	arena := c.arena[:0]
	c.lines, c.err = c.lines[:0], nil
	var ends []int // -1 for a line too long to keep
	for len(ends) < chunkLines && len(arena) < chunkBytes {
		n := len(arena)
		var err error
		var long bool
		arena, long, err = readRawLine(br, arena, keyline.MaxLineLength)
		if long {
			ends = append(ends, -1)
		} else if len(arena) > n {
			ends = append(ends, len(arena))
		}
		if err != nil {
			c.err = err
			break
		}
	}
	start := 0
	for _, end := range ends {
		if end < 0 {
			c.lines = append(c.lines, nil)
			continue
		}
		c.lines = append(c.lines, arena[start:end:end])
		start = end
	}
	c.arena = arena
}

// readRawLine appends the next line, including its newline, to line, as
// getline reads it. A line of more than max bytes (its newline aside) is
// read to its end but not appended, and reported with long set.
func readRawLine(br *bufio.Reader, line []byte, max int) (_ []byte, long bool, err error) {
	start := len(line)
	for {
		chunk, err := br.ReadSlice('\n')
		if !long && len(line)-start+len(chunk) > max+1 {
			long = true
			line = line[:start]
		}
		if !long {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return line, long, err
	}
}

// testNoMemo makes tryReadKey ignore the prefetch memos, so that tests can
// check that the memos change nothing.
var testNoMemo bool
