// Package wire reads the SSH wire encoding (RFC 4251 section 5) with the
// strictness OpenSSH applies to key blobs.
package wire

import (
	"encoding/binary"
	"errors"
	"math/big"
)

// ErrShort reports a field that runs past the end of its buffer.
var ErrShort = errors.New("truncated data")

// Reader consumes SSH wire fields from a byte slice. A failed read leaves
// the reader unchanged and returns an error; Reader never panics.
type Reader struct {
	b []byte
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Len reports how many bytes are left.
func (r *Reader) Len() int { return len(r.b) }

// Rest returns the unread bytes.
func (r *Reader) Rest() []byte { return r.b }

// Uint32 reads a big-endian uint32.
func (r *Reader) Uint32() (uint32, error) {
	if len(r.b) < 4 {
		return 0, ErrShort
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v, nil
}

// Byte reads one byte.
func (r *Reader) Byte() (byte, error) {
	if len(r.b) < 1 {
		return 0, ErrShort
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, nil
}

// Uint64 reads a big-endian uint64.
func (r *Reader) Uint64() (uint64, error) {
	if len(r.b) < 8 {
		return 0, ErrShort
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v, nil
}

// String reads a length-prefixed byte string. The result aliases the input.
func (r *Reader) String() ([]byte, error) {
	if len(r.b) < 4 {
		return nil, ErrShort
	}
	n := binary.BigEndian.Uint32(r.b)
	if uint64(n) > uint64(len(r.b)-4) {
		return nil, ErrShort
	}
	s := r.b[4 : 4+n]
	r.b = r.b[4+n:]
	return s, nil
}

// CString reads a length-prefixed string that must not contain a NUL byte,
// as OpenSSH's sshbuf_get_cstring requires.
func (r *Reader) CString() (string, error) {
	save := r.b
	s, err := r.String()
	if err != nil {
		return "", err
	}
	for _, c := range s {
		if c == 0 {
			r.b = save
			return "", errors.New("string contains a NUL byte")
		}
	}
	return string(s), nil
}

// maxBignumBytes is OpenSSH's SSHBUF_MAX_BIGNUM: 16384 bits.
const maxBignumBytes = 16384 / 8

// MPInt reads a non-negative multiple-precision integer with OpenSSH's
// rules (sshbuf_get_bignum2_bytes_direct): the sign bit must be clear, at
// most 16384 bits, and leading zero bytes are tolerated.
func (r *Reader) MPInt() (*big.Int, error) {
	save := r.b
	d, err := r.String()
	if err != nil {
		return nil, err
	}
	if len(d) > 0 && d[0]&0x80 != 0 {
		r.b = save
		return nil, errors.New("negative integer")
	}
	if len(d) > maxBignumBytes+1 || (len(d) == maxBignumBytes+1 && d[0] != 0) {
		r.b = save
		return nil, errors.New("integer too large")
	}
	return new(big.Int).SetBytes(d), nil
}

// MPIntBytes reads an mpint with the same rules as MPInt but without
// building a big.Int: it returns the magnitude without leading zero bytes
// and whether the encoding was already minimal.
func (r *Reader) MPIntBytes() (mag []byte, minimal bool, err error) {
	save := r.b
	d, err := r.String()
	if err != nil {
		return nil, false, err
	}
	if len(d) > 0 && d[0]&0x80 != 0 {
		r.b = save
		return nil, false, errors.New("negative integer")
	}
	if len(d) > maxBignumBytes+1 || (len(d) == maxBignumBytes+1 && d[0] != 0) {
		r.b = save
		return nil, false, errors.New("integer too large")
	}
	i := 0
	for i < len(d) && d[i] == 0 {
		i++
	}
	mag = d[i:]
	// Minimal: no zero bytes in front, except one before a high bit.
	minimal = i == 0 || (i == 1 && len(mag) > 0 && mag[0]&0x80 != 0)
	return mag, minimal, nil
}

// AppendString appends s as a length-prefixed string.
func AppendString(b, s []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// AppendMPInt appends a non-negative integer in canonical mpint form.
func AppendMPInt(b []byte, n *big.Int) []byte {
	d := n.Bytes()
	if len(d) > 0 && d[0]&0x80 != 0 {
		b = binary.BigEndian.AppendUint32(b, uint32(len(d)+1))
		b = append(b, 0)
		return append(b, d...)
	}
	return AppendString(b, d)
}
