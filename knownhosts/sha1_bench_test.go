package knownhosts

import (
	"strings"
	"testing"
)

func BenchmarkHMAC(b *testing.B) {
	st := newHMACState(make([]byte, 20))
	tail := prepareTail("host12345.bench.example")
	var c sha1Blocks
	for b.Loop() {
		st.sum(&c, tail)
	}
}

func TestSHA1Direct(t *testing.T) {
	if !directLayout {
		t.Skip("crypto/sha1's digest layout differs; the portable path is used")
	}
	var a, b sha1Blocks
	a.init()
	b.init()
	b.raw = nil
	st := newHMACState([]byte("01234567890123456789"))
	for _, name := range []string{"", "example.com", strings.Repeat("x", 200)} {
		tail := prepareTail(name)
		if st.sum(&a, tail) != st.sum(&b, tail) {
			t.Fatalf("direct and portable SHA-1 differ for %q", name)
		}
	}
}
