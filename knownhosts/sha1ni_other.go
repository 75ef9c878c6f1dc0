//go:build !amd64 || purego

package knownhosts

const hasSHANI = false

func sha1BlockX2(ha *[5]uint32, pa *byte, hb *[5]uint32, pb *byte) {
	panic("knownhosts: sha1BlockX2 without SHA extensions")
}

func hmacX2(a, b *hmacState, tail *byte, nblocks int, outA, outB *[5]uint32) {
	panic("knownhosts: hmacX2 without SHA extensions")
}
