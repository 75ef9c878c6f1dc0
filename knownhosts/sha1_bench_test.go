package knownhosts

import (
	"crypto/hmac"
	"crypto/sha1"
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

// TestHMACState checks the precomputed states and crypto/sha1's
// marshaled state, as every build uses them, against crypto/hmac.
func TestHMACState(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	var c sha1Blocks
	for i := 0; i < 300; i++ {
		var key [20]byte
		for k := range key {
			key[k] = byte(r.Uint32())
		}
		name := strings.Repeat("h", r.IntN(200))
		st := newHMACState(key[:])
		m := hmac.New(sha1.New, key[:])
		m.Write([]byte(name))
		var want [sha1.Size]byte
		copy(want[:], m.Sum(nil))
		if got := st.sum(&c, prepareTail(name)); got != sumWords(&want) {
			t.Fatalf("HMAC-SHA1 of a %d-byte name: got %x, want %x", len(name), got, want)
		}
	}
}

func TestSHA1BlockX2(t *testing.T) {
	if !hasSHANI {
		t.Skip("no SHA extensions")
	}
	r := rand.New(rand.NewPCG(1, 1))
	var c sha1Blocks
	c.init() // crypto/sha1 as the reference
	for i := 0; i < 2000; i++ {
		var ha, hb [5]uint32
		var pa, pb [64]byte
		for k := range ha {
			ha[k], hb[k] = r.Uint32(), r.Uint32()
		}
		for k := range pa {
			pa[k], pb[k] = byte(r.Uint32()), byte(r.Uint32())
		}
		wa, wb := c.run(&ha, pa[:]), c.run(&hb, pb[:])
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

func TestHMACX2(t *testing.T) {
	if !hasSHANI {
		t.Skip("no SHA extensions")
	}
	r := rand.New(rand.NewPCG(2, 2))
	var c sha1Blocks
	for i := 0; i < 500; i++ {
		var ka, kb [20]byte
		for k := range ka {
			ka[k], kb[k] = byte(r.Uint32()), byte(r.Uint32())
		}
		name := strings.Repeat("n", r.IntN(150))
		sa, sb := newHMACState(ka[:]), newHMACState(kb[:])
		tail := prepareTail(name)
		var oa, ob [5]uint32
		hmacX2(&sa, &sb, &tail[0], len(tail)/64, &oa, &ob)
		if oa != sa.sum(&c, tail) || ob != sb.sum(&c, tail) {
			t.Fatalf("hmacX2 differs for a %d-byte name", len(name))
		}
		h := hashWithSalt(name, ka[:])
		hn, err := parseHashed(h)
		if err != nil || hn.sum != oa {
			t.Fatalf("hmacX2 is not HMAC-SHA1 for %q", name)
		}
	}
}

func BenchmarkHMACX2(b *testing.B) {
	if !hasSHANI {
		b.Skip("no SHA extensions")
	}
	sa, sb := newHMACState(make([]byte, 20)), newHMACState([]byte("01234567890123456789"))
	tail := prepareTail("host12345.bench.example")
	var oa, ob [5]uint32
	for b.Loop() {
		hmacX2(&sa, &sb, &tail[0], 1, &oa, &ob)
	}
}
