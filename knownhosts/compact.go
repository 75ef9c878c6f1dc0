package knownhosts

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// dbEntry is an entry as a DB keeps it.
type dbEntry struct {
	key    string // KeyText, shared with entries of the same key
	hosts  string // the host field; "" for hashed names kept in DB.hashed
	parsed atomic.Pointer[parsedKey]
	line   int32
	file   uint32
	href   int32 // index in DB.hashed, or -1
	marker uint8
	kind   uint8
}

const (
	kindList    uint8 = iota // plain names, indexed
	kindPattern              // wildcards or negation, scanned
	kindHashed               // hashed name in DB.hashed
	kindNever                // never matches (odd hashed form, huge element)
	kindBadHost              // invalid hashed name: unusable
)

var markers = [...]fingerprint.Marker{"", fingerprint.CertAuthority, fingerprint.Revoked}

func markerCode(m fingerprint.Marker) uint8 {
	switch m {
	case fingerprint.CertAuthority:
		return 1
	case fingerprint.Revoked:
		return 2
	}
	return 0
}

type hashedRef struct {
	st   hmacState
	sum  [5]uint32
	salt [sha1.Size]byte
	seq  int32
}

// chunkResult is the entries of a run of lines, with sequence numbers
// relative to the run.
type chunkResult struct {
	ents   []dbEntry
	hashed []hashedRef
}

// add appends e. With intern set, strings are copied out of the buffer
// they point into, and equal key texts share one copy.
func (c *chunkResult) add(e *Entry, file uint32, intern map[string]string) {
	seq := int32(len(c.ents))
	c.ents = append(c.ents, dbEntry{})
	d := &c.ents[seq]
	d.line, d.file, d.href, d.marker = int32(e.Line), file, -1, markerCode(e.Marker)
	d.key, d.hosts = e.KeyText, e.Hosts
	if intern != nil {
		k, ok := intern[e.KeyText]
		if !ok {
			k = strings.Clone(e.KeyText)
			intern[k] = k
		}
		d.key = k
	}
	switch {
	case e.hashed != nil && e.hashed.canonical:
		d.kind, d.hosts, d.href = kindHashed, "", int32(len(c.hashed))
		c.hashed = append(c.hashed, hashedRef{st: newHMACState(e.hashed.salt[:]), sum: e.hashed.sum, salt: e.hashed.salt, seq: seq})
		return
	case e.hashed != nil:
		d.kind = kindNever
	case e.hostErr != "":
		d.kind = kindBadHost
	case hasWildcard(e.Hosts):
		d.kind = kindPattern
	default:
		d.kind = kindList
	}
	if intern != nil {
		d.hosts = strings.Clone(d.hosts)
	}
}

// push appends a chunk's entries to the DB, as a segment of their own
// (no copy), and indexes them.
func (db *DB) push(c *chunkResult) {
	base, off := int32(db.nents), int32(db.nhashed)
	for i := range c.ents {
		d := &c.ents[i]
		if d.kind == kindHashed {
			d.href += off
		}
	}
	for i := range c.hashed {
		c.hashed[i].seq += base
	}
	db.segs = append(db.segs, segment{base: base, ents: c.ents})
	db.hsegs = append(db.hsegs, hashedSegment{base: off, refs: c.hashed})
	db.nents += len(c.ents)
	db.nhashed += len(c.hashed)
	for i := range c.ents {
		seq := base + int32(i)
		switch c.ents[i].kind {
		case kindPattern:
			db.patterns = append(db.patterns, patternRef{c.ents[i].hosts, seq})
		case kindList:
			db.indexNames(seq, c.ents[i].hosts)
		}
	}
}

// patternRef is an entry whose host field has wildcards or negations.
type patternRef struct {
	hosts string
	seq   int32
}

// segment is a run of entries; seq numbers are base, base+1, ...
type segment struct {
	base int32
	ents []dbEntry
}

type hashedSegment struct {
	base int32
	refs []hashedRef
}

// ent returns entry seq.
func (db *DB) ent(seq int32) *dbEntry {
	i := sort.Search(len(db.segs), func(i int) bool { return db.segs[i].base > seq }) - 1
	return &db.segs[i].ents[seq-db.segs[i].base]
}

// hashedAt returns hashed reference i.
func (db *DB) hashedAt(i int32) *hashedRef {
	k := sort.Search(len(db.hsegs), func(k int) bool { return db.hsegs[k].base > i }) - 1
	return &db.hsegs[k].refs[i-db.hsegs[k].base]
}

func (db *DB) indexNames(seq int32, hosts string) {
	var buf [8]string
	names := buf[:0]
	for i := 0; i < len(hosts); {
		j := i
		for j < len(hosts) && hosts[j] != ',' {
			j++
		}
		if j-i >= maxPatternElement {
			db.ent(seq).kind = kindNever // the whole line never matches
			return
		}
		names = append(names, hosts[i:j])
		if j < len(hosts) {
			j++
		}
		i = j
	}
	for k, name := range names {
		names[k] = lowerASCII(name)
		if slices.Contains(names[:k], names[k]) {
			continue
		}
		if _, dup := db.index[names[k]]; dup {
			db.more[names[k]] = append(db.more[names[k]], seq)
		} else {
			db.index[names[k]] = seq
		}
	}
}

// entry returns entry seq as an Entry.
func (db *DB) entry(seq int32) *Entry {
	d := db.ent(seq)
	e := &Entry{File: db.names[d.file], Line: int(d.line), Marker: markers[d.marker], Hosts: d.hosts, KeyText: d.key}
	switch d.kind {
	case kindHashed:
		h := db.hashedAt(d.href)
		var sum [sha1.Size]byte
		for i, w := range h.sum {
			sum[4*i], sum[4*i+1], sum[4*i+2], sum[4*i+3] = byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
		}
		e.Hosts = hashMagic + base64.StdEncoding.EncodeToString(h.salt[:]) + "|" + base64.StdEncoding.EncodeToString(sum[:])
		e.hashed = &hashedName{salt: h.salt, sum: h.sum, canonical: true}
	case kindNever, kindBadHost:
		if strings.HasPrefix(d.hosts, "|") {
			if hn, err := parseHashed(d.hosts); err != nil {
				e.hostErr = err.Error()
			} else {
				e.hashed = hn
			}
		}
	}
	if p := d.parsed.Load(); p != nil {
		e.parsed.Store(p)
	}
	return e
}

// loadChunkSize is how much of a file one worker parses at a time.
const loadChunkSize = 128 << 10

// load reads a file into the DB, spreading the parsing over the cores,
// without keeping the file's text. A file over MaxFileSize or MaxLines is
// refused (errTooLarge, errTooManyLines), as Parse refuses it.
func (db *DB) load(name string) error {
	fh, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("knownhosts: %w", err)
	}
	defer fh.Close()
	fi := uint32(len(db.names))
	db.names = append(db.names, name)
	st, err := fh.Stat()
	if err == nil && st.Size() > MaxFileSize {
		return errTooLarge
	}
	if err == nil && len(db.index) == 0 && st.Size() > 1<<20 {
		// About one plain name per 170 bytes in large files: sizing the
		// index once saves rehashing it as it grows.
		db.index = make(map[string]int32, st.Size()/170)
	}

	type job struct {
		data  []byte
		first int // line number of its first line
		out   chan *chunkResult
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan job, workers)
	order := make(chan chan *chunkResult, 2*workers)
	// Chunk buffers are reused: entries keep no reference into them.
	bufs := make(chan []byte, 2*workers+2)
	getBuf := func() []byte {
		select {
		case b := <-bufs:
			return b[:0]
		default:
			return make([]byte, 0, loadChunkSize+16<<10)
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			intern := map[string]string{}
			var scratch []hashedRef
			for j := range jobs {
				j.out <- parseDBChunk(j.data, name, j.first, fi, intern, &scratch)
				select {
				case bufs <- j.data:
				default:
				}
			}
		}()
	}
	// The reader cuts the file at line ends and hands chunks out; this
	// goroutine takes the results back in order.
	var readErr error
	tooBig, tooMany := false, false
	go func() {
		defer close(order)
		defer close(jobs)
		br := bufio.NewReaderSize(fh, 64<<10)
		line := 1
		var total int64
		for {
			buf := getBuf()
			n, err := io.ReadFull(br, buf[:loadChunkSize])
			buf = buf[:n]
			if err == nil {
				// Complete the last line.
				for {
					frag, err2 := br.ReadSlice('\n')
					buf = append(buf, frag...)
					if err2 == bufio.ErrBufferFull {
						continue
					}
					if err2 != nil && err2 != io.EOF {
						readErr = err2
						return
					}
					break
				}
			} else if err != io.ErrUnexpectedEOF && err != io.EOF {
				readErr = err
				return
			}
			if len(buf) == 0 {
				return
			}
			// The file may have grown since it was looked at.
			if total += int64(len(buf)); total > MaxFileSize {
				tooBig = true
				return
			}
			// As Parse: more than MaxLines lines (blank ones cost
			// memory too) and the file is refused.
			lines := countLinesBytes(buf)
			if line-1+lines > MaxLines {
				tooMany = true
				return
			}
			out := make(chan *chunkResult, 1)
			order <- out
			jobs <- job{buf, line, out}
			line += lines
		}
	}()
	for out := range order {
		db.push(<-out)
	}
	wg.Wait()
	if tooBig {
		return errTooLarge
	}
	if tooMany {
		return errTooManyLines
	}
	if readErr != nil {
		return fmt.Errorf("knownhosts: %s: %w", name, readErr)
	}
	return nil
}

func countLinesBytes(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

func parseDBChunk(data []byte, name string, first int, file uint32, intern map[string]string, refs *[]hashedRef) *chunkResult {
	// One copy of the chunk: its buffer is reused for the next one.
	text := string(data)
	n := countLines(text)
	c := &chunkResult{ents: make([]dbEntry, 0, n), hashed: (*refs)[:0]}
	var e Entry
	var scratch hashedName
	for num := first; text != ""; num++ {
		var l string
		nl := false
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			l, text, nl = text[:i], text[i+1:], true
		} else {
			l, text = text, ""
		}
		e = Entry{}
		if kind, _ := parseLineInto(l, nl, &e, &scratch); kind == EntryLine {
			e.File, e.Line = name, num
			c.add(&e, file, intern)
		}
	}
	// The hashed references were gathered in the worker's scratch slice;
	// keep an exact copy.
	*refs = c.hashed[:0]
	c.hashed = slices.Clone(c.hashed)
	return c
}

// minParallelHashed is the number of hashed entries from which a lookup
// spreads the HMACs over several goroutines.
const minParallelHashed = 8192
