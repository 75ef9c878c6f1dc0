//go:build !amd64 || purego

package knownhosts

const hasSHANI = false

func sha1BlockX2(ha *[5]uint32, pa *byte, hb *[5]uint32, pb *byte) {
	panic("knownhosts: sha1BlockX2 without SHA extensions")
}
