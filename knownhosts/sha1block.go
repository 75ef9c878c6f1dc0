package knownhosts

import (
	"encoding/binary"
	"math/bits"
)

// sha1Block runs the SHA-1 compression function (FIPS 180-4, 6.1.2) over
// one or more 64-byte blocks. crypto/sha1 does not export it, and
// restarting a hash from a saved state through MarshalBinary costs more
// than the block itself for the one-block messages of hashed host names.
func sha1Block(h *[5]uint32, p []byte) {
	var w [16]uint32
	h0, h1, h2, h3, h4 := h[0], h[1], h[2], h[3], h[4]
	for len(p) >= 64 {
		for i := 0; i < 16; i++ {
			w[i] = binary.BigEndian.Uint32(p[i*4:])
		}
		a, b, c, d, e := h0, h1, h2, h3, h4
		i := 0
		for ; i < 16; i++ {
			t := bits.RotateLeft32(a, 5) + (b&c | ^b&d) + e + w[i&0xf] + 0x5A827999
			a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
		}
		for ; i < 20; i++ {
			x := w[(i-3)&0xf] ^ w[(i-8)&0xf] ^ w[(i-14)&0xf] ^ w[i&0xf]
			w[i&0xf] = bits.RotateLeft32(x, 1)
			t := bits.RotateLeft32(a, 5) + (b&c | ^b&d) + e + w[i&0xf] + 0x5A827999
			a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
		}
		for ; i < 40; i++ {
			x := w[(i-3)&0xf] ^ w[(i-8)&0xf] ^ w[(i-14)&0xf] ^ w[i&0xf]
			w[i&0xf] = bits.RotateLeft32(x, 1)
			t := bits.RotateLeft32(a, 5) + (b ^ c ^ d) + e + w[i&0xf] + 0x6ED9EBA1
			a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
		}
		for ; i < 60; i++ {
			x := w[(i-3)&0xf] ^ w[(i-8)&0xf] ^ w[(i-14)&0xf] ^ w[i&0xf]
			w[i&0xf] = bits.RotateLeft32(x, 1)
			t := bits.RotateLeft32(a, 5) + ((b & c) | (b & d) | (c & d)) + e + w[i&0xf] + 0x8F1BBCDC
			a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
		}
		for ; i < 80; i++ {
			x := w[(i-3)&0xf] ^ w[(i-8)&0xf] ^ w[(i-14)&0xf] ^ w[i&0xf]
			w[i&0xf] = bits.RotateLeft32(x, 1)
			t := bits.RotateLeft32(a, 5) + (b ^ c ^ d) + e + w[i&0xf] + 0xCA62C1D6
			a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
		}
		h0 += a
		h1 += b
		h2 += c
		h3 += d
		h4 += e
		p = p[64:]
	}
	h[0], h[1], h[2], h[3], h[4] = h0, h1, h2, h3, h4
}
