package knownhosts

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
)

// hashMagic starts a hashed host name: |1|base64(salt)|base64(hmac).
const hashMagic = "|1|"

// hashedName is a parsed |1|salt|hmac host field.
type hashedName struct {
	salt [sha1.Size]byte
	sum  [sha1.Size]byte
	// canonical is false when the field is not exactly the form OpenSSH
	// writes (padding, stray blanks, a comma list, ...): OpenSSH compares
	// the whole field with the form it computes, so such a field never
	// matches, although the line is valid.
	canonical bool
}

// parseHashed reads a host field that starts with '|', as OpenSSH's
// extract_salt does. An error means OpenSSH treats the line as invalid.
func parseHashed(field string) (*hashedName, error) {
	if len(field) < len(hashMagic) || field[:len(hashMagic)] != hashMagic {
		return nil, errors.New("hashed host name does not start with |1|")
	}
	rest := field[len(hashMagic):]
	end := indexByte(rest, '|')
	if end < 0 {
		return nil, errors.New("hashed host name has no | after the salt")
	}
	if end == 0 || end > 1024 {
		return nil, errors.New("hashed host name has a bad salt length")
	}
	salt, ok := b64pton(rest[:end], 256)
	if !ok || len(salt) != sha1.Size {
		return nil, errors.New("hashed host name has a bad salt")
	}
	h := &hashedName{}
	copy(h.salt[:], salt)
	// The field matches only if it is exactly what host_hash prints.
	sumText := rest[end+1:]
	if rest[:end] == base64.StdEncoding.EncodeToString(salt) && len(sumText) == 28 {
		if sum, err := base64.StdEncoding.Strict().DecodeString(sumText); err == nil && len(sum) == sha1.Size {
			copy(h.sum[:], sum)
			h.canonical = true
		}
	}
	return h, nil
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// b64pton decodes base64 as OpenBSD's b64_pton does for OpenSSH: blanks
// (isspace) are skipped anywhere, padding must be right, bits past the
// last byte must be zero, and the result must fit in max-1 bytes.
func b64pton(s string, max int) ([]byte, bool) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	out := make([]byte, 0, len(s)*3/4+1)
	var acc uint32
	state := 0
	i := 0
	sawPad := false
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
		v := indexByte(alphabet, c)
		if v < 0 {
			return nil, false
		}
		acc = acc<<6 | uint32(v)
		state++
		if state == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, state = 0, 0
		}
		if len(out)+state*6/8+1 > max { // the C code refuses to write past its buffer
			return nil, false
		}
	}
	if !sawPad {
		return out, state == 0
	}
	skip := func() {
		for i < len(s) && isCSpace(s[i]) {
			i++
		}
	}
	switch state {
	case 0, 1:
		return nil, false
	case 2:
		skip()
		if i >= len(s) || s[i] != '=' {
			return nil, false
		}
		i++
		skip()
		if i != len(s) || acc&0xf != 0 {
			return nil, false
		}
		return append(out, byte(acc>>4)), true
	default: // 3
		skip()
		if i != len(s) || acc&0x3 != 0 {
			return nil, false
		}
		return append(out, byte(acc>>10), byte(acc>>2)), true
	}
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

func hashWithSalt(name string, salt []byte) string {
	m := hmac.New(sha1.New, salt)
	m.Write([]byte(name))
	return hashMagic + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// hmacState holds the SHA-1 states of an HMAC-SHA1 key after its inner
// and outer pad blocks, so that hashing a short name costs one block for
// the inner hash and one for the outer one.
type hmacState struct {
	inner, outer [5]uint32
}

func newHMACState(key []byte) hmacState {
	var pad [64]byte
	copy(pad[:], key) // keys here are 20 bytes, shorter than a block
	var st hmacState
	var ip, op [64]byte
	for i := range pad {
		ip[i] = pad[i] ^ 0x36
		op[i] = pad[i] ^ 0x5c
	}
	st.inner = sha1Init
	sha1Block(&st.inner, ip[:])
	st.outer = sha1Init
	sha1Block(&st.outer, op[:])
	return st
}

var sha1Init = [5]uint32{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}

// sum computes HMAC-SHA1(key, msg) from the precomputed states. tail is
// the padded message after the key block, prepared once per lookup by
// prepareTail; it is one block for names up to 55 bytes.
func (st *hmacState) sum(tail []byte, out *[5]uint32) {
	h := st.inner
	for b := 0; b < len(tail); b += 64 {
		sha1Block(&h, tail[b:b+64])
	}
	var blk [64]byte
	for i, v := range h {
		binary.BigEndian.PutUint32(blk[i*4:], v)
	}
	blk[20] = 0x80
	binary.BigEndian.PutUint64(blk[56:], (64+20)*8)
	*out = st.outer
	sha1Block(out, blk[:])
}

// prepareTail pads msg as SHA-1 does, for a message that follows one
// 64-byte key block.
func prepareTail(msg string) []byte {
	n := len(msg)
	total := (n + 1 + 8 + 63) &^ 63
	b := make([]byte, total)
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
