package knownhosts

import (
	"math/rand/v2"
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

func TestSHA1BlockX2(t *testing.T) {
	if !hasSHANI {
		t.Skip("no SHA extensions")
	}
	r := rand.New(rand.NewPCG(1, 1))
	var c sha1Blocks
	c.init()
	c.raw = nil // the portable path as the reference
	for i := 0; i < 2000; i++ {
		var ha, hb [5]uint32
		var pa, pb [64]byte
		for k := range ha {
			ha[k], hb[k] = r.Uint32(), r.Uint32()
		}
		for k := range pa {
			pa[k], pb[k] = byte(r.Uint32()), byte(r.Uint32())
		}
		wa, wb := c.runPortable(&ha, pa[:]), c.runPortable(&hb, pb[:])
		sha1BlockX2(&ha, &pa[0], &hb, &pb[0])
		if ha != wa || hb != wb {
			t.Fatalf("round %d: got %x %x, want %x %x", i, ha, hb, wa, wb)
		}
	}
}

func BenchmarkSHA1BlockX2(b *testing.B) {
	if !hasSHANI {
		b.Skip("no SHA extensions")
	}
	var ha, hb [5]uint32
	var pa, pb [64]byte
	for b.Loop() {
		sha1BlockX2(&ha, &pa[0], &hb, &pb[0])
	}
}
