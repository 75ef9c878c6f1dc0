//go:build amd64 && !purego

package knownhosts

// sha1BlockX2 runs SHA-1's compression function over one 64-byte block
// for each of two independent states, interleaved so that the CPU's SHA
// units work on both at once. It needs the SHA extensions, SSSE3 and
// SSE4.1 (hasSHANI).
//
//go:noescape
func sha1BlockX2(ha *[5]uint32, pa *byte, hb *[5]uint32, pb *byte)

// hmacX2 computes HMAC-SHA1 for two keys at once from their precomputed
// states: the inner hash over nblocks blocks of tail (the padded message
// after the key block), then the outer hash over the inner digest.
//
//go:noescape
func hmacX2(a, b *hmacState, tail *byte, nblocks int, outA, outB *[5]uint32)

func cpuHasSHA() bool

var hasSHANI = cpuHasSHA()
