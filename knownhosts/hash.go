package knownhosts

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"slices"
	"strings"
	"sync"
)

// hashMagic starts a hashed host name: |1|base64(salt)|base64(hmac).
const hashMagic = "|1|"

// hashedName is a parsed |1|salt|hmac host field.
type hashedName struct {
	salt [sha1.Size]byte
	sum  [5]uint32
	// canonical is false when the field is not exactly the form OpenSSH
	// writes (padding, stray blanks, a comma list, ...): OpenSSH compares
	// the whole field with the form it computes, so such a field never
	// matches, although the line is valid.
	canonical bool
}

// parseHashed reads a host field that starts with '|', as OpenSSH's
// extract_salt does. An error means OpenSSH treats the line as invalid.
func parseHashed(field string) (*hashedName, error) {
	h := &hashedName{}
	if err := parseHashedInto(field, h); err != nil {
		return nil, err
	}
	return h, nil
}

// parseHashedInto is parseHashed into h.
func parseHashedInto(field string, h *hashedName) error {
	*h = hashedName{}
	if len(field) < len(hashMagic) || field[:len(hashMagic)] != hashMagic {
		return errors.New("hashed host name does not start with |1|")
	}
	rest := field[len(hashMagic):]
	end := indexByte(rest, '|')
	if end < 0 {
		return errors.New("hashed host name has no | after the salt")
	}
	if end == 0 || end > 1024 {
		return errors.New("hashed host name has a bad salt length")
	}
	n, ok := b64pton(rest[:end], h.salt[:])
	if !ok || n != sha1.Size {
		return errors.New("hashed host name has a bad salt")
	}
	// The field matches only if it is exactly what host_hash prints: a
	// 28-byte salt (b64pton checked the padding and spare bits, so the
	// text is canonical unless it has blanks) and a 28-byte digest.
	sumText := rest[end+1:]
	var sum [sha1.Size]byte
	if end == 28 && len(sumText) == 28 && !hasCSpace(rest[:end]) {
		if m, ok := b64pton(sumText, sum[:]); ok && m == sha1.Size && sumText[27] == '=' && !hasCSpace(sumText) {
			h.sum = sumWords(&sum)
			h.canonical = true
		}
	}
	return nil
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

var b64val = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = int8(i)
	}
	return t
}()

// b64pton decodes base64 into dst as OpenBSD's b64_pton does for
// OpenSSH: blanks (isspace) are skipped anywhere, padding must be right,
// and bits past the last byte must be zero. It fails when the result
// does not fit in dst; callers that accept one size only pass a buffer of
// that size (OpenSSH fails the same inputs, by length or by overflow).
func b64pton(s string, dst []byte) (int, bool) {
	var acc uint32
	n, state, i := 0, 0, 0
	sawPad := false
	put := func(b byte) bool {
		if n >= len(dst) {
			return false
		}
		dst[n] = b
		n++
		return true
	}
	for ; i < len(s); i++ {
		c := s[i]
		if isCSpace(c) {
			continue
		}
		if c == '=' {
			sawPad = true
			i++
			break
		}
		v := b64val[c]
		if v < 0 {
			return 0, false
		}
		acc = acc<<6 | uint32(v)
		state++
		if state == 4 {
			if !put(byte(acc>>16)) || !put(byte(acc>>8)) || !put(byte(acc)) {
				return 0, false
			}
			acc, state = 0, 0
		}
	}
	if !sawPad {
		return n, state == 0
	}
	skip := func() {
		for i < len(s) && isCSpace(s[i]) {
			i++
		}
	}
	switch state {
	case 0, 1:
		return 0, false
	case 2:
		skip()
		if i >= len(s) || s[i] != '=' {
			return 0, false
		}
		i++
		skip()
		if i != len(s) || acc&0xf != 0 || !put(byte(acc>>4)) {
			return 0, false
		}
		return n, true
	default: // 3
		skip()
		if i != len(s) || acc&0x3 != 0 || !put(byte(acc>>10)) || !put(byte(acc>>2)) {
			return 0, false
		}
		return n, true
	}
}

func hasCSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if isCSpace(s[i]) {
			return true
		}
	}
	return false
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// HashHost returns the hashed form of name, |1|salt|hmac, with a fresh
// random salt, as ssh and ssh-keygen -H write it. The name is hashed as
// given; ssh lowercases names before hashing them.
func HashHost(name string) string {
	var salt [sha1.Size]byte
	if _, err := rand.Read(salt[:]); err != nil {
		panic("knownhosts: no randomness: " + err.Error())
	}
	return hashWithSalt(name, salt[:])
}

// hasher writes hashed lines for [File.Hash]: salts are read from
// crypto/rand a batch at a time, the HMAC runs on precomputed states, and
// each line is one string whose host field and key text are cut from it.
type hasher struct {
	salts []byte
	ents  []Entry
	names []hashedName
}

// line returns the line "|1|salt|hmac keyText" for name, as line num of
// file, with its entry filled in as parsing it would (from is the entry
// it replaces, whose parsed key it shares).
func (h *hasher) line(name string, from *Entry, file string, num int) Line {
	if len(h.salts) < sha1.Size {
		h.salts = make([]byte, 64*sha1.Size)
		if _, err := rand.Read(h.salts); err != nil {
			panic("knownhosts: no randomness: " + err.Error())
		}
	}
	if len(h.ents) == 0 {
		h.ents = make([]Entry, 256)
		h.names = make([]hashedName, 256)
	}
	hn := &h.names[0]
	copy(hn.salt[:], h.salts)
	h.salts = h.salts[sha1.Size:]
	hn.sum = hmacSHA1(&hn.salt, name)
	hn.canonical = true
	var sum [sha1.Size]byte
	for i, w := range hn.sum {
		binary.BigEndian.PutUint32(sum[4*i:], w)
	}
	const hostLen = len(hashMagic) + 28 + 1 + 28
	// The "\n" that ends the key text after a NUL-ended host field ends
	// this line; File.Hash adds the blank line ssh-keygen -H writes.
	keyText := strings.TrimSuffix(from.KeyText, "\n")
	var b strings.Builder
	b.Grow(hostLen + 1 + len(keyText))
	var enc [28]byte
	b.WriteString(hashMagic)
	base64.StdEncoding.Encode(enc[:], hn.salt[:])
	b.Write(enc[:])
	b.WriteByte('|')
	base64.StdEncoding.Encode(enc[:], sum[:])
	b.Write(enc[:])
	b.WriteByte(' ')
	b.WriteString(keyText)
	text := b.String()
	e := &h.ents[0]
	h.ents, h.names = h.ents[1:], h.names[1:]
	e.File, e.Line, e.Hosts, e.KeyText, e.hashed = file, num, text[:hostLen], text[hostLen+1:], hn
	if p := from.parsed.Load(); p != nil && len(keyText) == len(from.KeyText) {
		e.parsed.Store(p)
	}
	return Line{Num: num, Text: text, Kind: EntryLine, Entry: e}
}

// hmacSHA1 is HMAC-SHA1(salt, name) through the precomputed states.
func hmacSHA1(salt *[sha1.Size]byte, name string) [5]uint32 {
	if !hasSHANI {
		return hmacSHA1Portable(salt, name)
	}
	st := newHMACState(salt[:])
	var buf [128]byte // the padded name, on the stack for most names
	tail := appendTail(buf[:0], name)
	var a, b [5]uint32
	hmacX2(&st, &st, &tail[0], len(tail)/64, &a, &b)
	return a
}

// hmacSHA1Portable is hmacSHA1 through crypto/sha1.
func hmacSHA1Portable(salt *[sha1.Size]byte, name string) [5]uint32 {
	st := newHMACState(salt[:])
	c := sha1Pool.Get().(*sha1Blocks)
	defer sha1Pool.Put(c)
	return st.sum(c, prepareTail(name))
}

func hashWithSalt(name string, salt []byte) string {
	m := hmac.New(sha1.New, salt)
	m.Write([]byte(name))
	return hashMagic + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// sha1ni_amd64.s holds sha1BlockX2 and hmacX2 on the SHA extensions.
//go:generate go run ./internal/gensha1ni -out sha1ni_amd64.s

// hmacState holds the SHA-1 states of an HMAC-SHA1 key after its inner
// and outer pad blocks, so that hashing a short name costs one block for
// the inner hash and one for the outer one.
type hmacState struct {
	inner, outer [5]uint32
}

var sha1Init = [5]uint32{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}

func newHMACState(key []byte) hmacState {
	var ip, op [64]byte
	copy(ip[:], key) // keys here are 20 bytes, shorter than a block
	copy(op[:], key)
	for i := range ip {
		ip[i] ^= 0x36
		op[i] ^= 0x5c
	}
	if hasSHANI {
		st := hmacState{inner: sha1Init, outer: sha1Init}
		sha1BlockX2(&st.inner, &ip[0], &st.outer, &op[0])
		return st
	}
	return newHMACStatePortable(ip, op)
}

// newHMACStatePortable is newHMACState through crypto/sha1, in a function
// of its own so that only its copies of the pad blocks go to the heap.
func newHMACStatePortable(ip, op [64]byte) hmacState {
	c := sha1Pool.Get().(*sha1Blocks)
	defer sha1Pool.Put(c)
	return hmacState{inner: c.run(&sha1Init, ip[:]), outer: c.run(&sha1Init, op[:])}
}

// sha1Blocks runs SHA-1's compression function from a given state over
// whole blocks. crypto/sha1 does not export it, but its digest fed whole
// blocks runs exactly that (with the CPU's SHA instructions where it has
// them), and its state goes in and out through the digest's supported
// encoding.BinaryUnmarshaler and encoding.BinaryAppender: the state is
// marshaled once after a key block has been absorbed (sha1Template), and
// each run unmarshals it with the chaining words of the state wanted.
type sha1Blocks struct {
	d   hash.Hash
	u   encoding.BinaryUnmarshaler
	a   encoding.BinaryAppender
	in  []byte // a marshaled state; its chaining words are replaced
	out []byte
	blk [64]byte // the outer block of an HMAC
}

var sha1Pool = sync.Pool{New: func() any { return new(sha1Blocks) }}

// sha1Template is crypto/sha1's marshaled state after one whole block:
// every byte but the chaining words (sha1Words of them) is the same for
// any block, since nothing is pending and the length is 64.
var sha1Template = func() []byte {
	d := sha1.New()
	d.Write(make([]byte, 64))
	b, err := d.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("knownhosts: crypto/sha1 cannot marshal its state: " + err.Error())
	}
	return b
}()

// sha1Words is where crypto/sha1's marshaled state holds the five
// chaining words, big-endian, after its 4-byte magic.
const sha1Words = 4

func (c *sha1Blocks) init() {
	c.d = sha1.New()
	c.u = c.d.(encoding.BinaryUnmarshaler)
	c.a = c.d.(encoding.BinaryAppender)
	c.in = slices.Clone(sha1Template)
	c.out = make([]byte, 0, len(sha1Template)+16)
}

// run returns the state after blocks, started from h.
func (c *sha1Blocks) run(h *[5]uint32, blocks []byte) [5]uint32 {
	if c.d == nil {
		c.init()
	}
	for i, v := range h {
		binary.BigEndian.PutUint32(c.in[sha1Words+4*i:], v)
	}
	if err := c.u.UnmarshalBinary(c.in); err != nil {
		panic("knownhosts: crypto/sha1 does not take back its own state: " + err.Error())
	}
	c.d.Write(blocks)
	b, err := c.a.AppendBinary(c.out[:0])
	if err != nil || len(b) < sha1Words+20 {
		panic("knownhosts: crypto/sha1 cannot marshal its state")
	}
	var r [5]uint32
	for i := range r {
		r[i] = binary.BigEndian.Uint32(b[sha1Words+4*i:])
	}
	return r
}

// sum computes HMAC-SHA1(key, msg) from the precomputed states. tail is
// the padded message after the key block, made once per lookup by
// prepareTail; it is one block for names up to 55 bytes.
func (st *hmacState) sum(c *sha1Blocks, tail []byte) [5]uint32 {
	h := c.run(&st.inner, tail)
	blk := &c.blk
	for i, v := range h {
		binary.BigEndian.PutUint32(blk[i*4:], v)
	}
	blk[20] = 0x80
	binary.BigEndian.PutUint64(blk[56:], (64+20)*8)
	return c.run(&st.outer, blk[:])
}

// prepareTail pads msg as SHA-1 does, for a message that follows one
// 64-byte key block.
func prepareTail(msg string) []byte {
	return appendTail(nil, msg)
}

// appendTail is prepareTail into dst's spare capacity, if it has enough.
func appendTail(dst []byte, msg string) []byte {
	n := len(msg)
	total := (n + 1 + 8 + 63) &^ 63
	b := slices.Grow(dst[:0], total)[:total]
	clear(b)
	copy(b, msg)
	b[n] = 0x80
	binary.BigEndian.PutUint64(b[total-8:], uint64(64+n)*8)
	return b
}

func sumWords(sum *[sha1.Size]byte) [5]uint32 {
	var w [5]uint32
	for i := range w {
		w[i] = binary.BigEndian.Uint32(sum[i*4:])
	}
	return w
}
