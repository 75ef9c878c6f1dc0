// Package sshkeygen reproduces the output of OpenSSH 9.x's ssh-keygen byte
// for byte where hostkeys mirrors it. It holds the quirks a library user
// does not want (the exact line-skipping rules of ssh-keygen -l, a stale
// comment pointer, the terminal-escaping of comments), so that the public
// packages can keep clean semantics.
package sshkeygen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/hostkeys/hostkeys/fingerprint"
	"golang.org/x/crypto/ssh"
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
	Key  ssh.PublicKey
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
	offset := 0
	for lnum := 1; ; lnum++ {
		raw, err := readRawLine(br)
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
		key, next := tryReadKey(buf, cp)
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
			key, next = tryReadKey(buf, cp)
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
		fp := fingerprint.Of(key, h)
		line := fmt.Sprintf("%d %s %s (%s)\n", fingerprint.Bits(key), fp, text, fingerprint.TypeLabel(key))
		bw.WriteString(esc.Escape(line))
		if opt.Visual {
			bw.WriteString(fingerprint.Randomart(key, h))
			bw.WriteByte('\n')
		}
		res.Keys = append(res.Keys, Listed{Line: lnum, Key: key, Undefined: lb.undefined(comment)})
	}
	return res, bw.Flush()
}

// explain says why ssh-keygen -l passed over a line, using the library's
// reading of it.
func explain(raw []byte) string {
	kf, err := fingerprint.ReadKeys(bytes.NewReader(raw), "")
	switch {
	case err != nil:
		return err.Error()
	case len(kf.Invalid) > 0:
		return kf.Invalid[0].Reason
	case len(kf.Keys) > 0 && kf.Keys[0].Marker != "":
		return "ssh-keygen -l does not list " + string(kf.Keys[0].Marker) + " lines"
	case len(kf.Keys) > 0 && !fingerprint.OpenSSHKnows(kf.Keys[0].Key):
		return fmt.Sprintf("key type %q is not supported by OpenSSH", kf.Keys[0].Key.Type())
	}
	return "ssh-keygen -l does not read a key from this line"
}

// tryReadKey runs sshkey_read on the C string at buf[cp:]. It returns the
// key and the offset just after the blanks that follow it.
func tryReadKey(buf []byte, cp int) (ssh.PublicKey, int) {
	text := cstr(buf, cp)
	key, rest, err := fingerprint.ParseKeyText(string(text))
	if err != nil || !fingerprint.OpenSSHKnows(key) {
		return nil, 0
	}
	return key, cp + len(text) - len(rest)
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

// readRawLine returns the next line including its newline, as getline does.
func readRawLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
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
