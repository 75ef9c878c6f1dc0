package sshkeygen

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// retained returns how many buffers getline has replaced are still held,
// and their bytes.
func (lb *lineBuffer) retained() (buffers, bytes int) {
	if lb.old == nil {
		return 0, 0
	}
	return 1, len(lb.old)
}

// TestLineBufferRetainsOneOldBuffer feeds lines that each outgrow getline's
// buffer while the comment pointer points into it, as for a host field
// followed by a bare key on the next line. Only the buffer the pointer
// reads is kept, however many reallocations there were (every one used to
// be kept), and it still reads as it was when replaced.
func TestLineBufferRetainsOneOldBuffer(t *testing.T) {
	var lb lineBuffer
	var comment commentRef
	prevHost := ""
	offset := 0
	for i, n := 0, 150; n <= 1<<22; i, n = i+1, n*2 {
		host := strings.Repeat(string(rune('a'+i%26)), n)
		raw := []byte(host + " k\n")
		gen := lb.gen
		// At a block boundary, with lines shorter than a block, getline
		// reallocates before copying anything: the old buffer holds the
		// previous line whole.
		lb.load(raw, offset, comment)
		require.Greater(t, lb.gen, gen, "line %d did not grow the buffer", i)
		if comment.set {
			require.True(t, lb.undefined(comment))
			if len(raw) < stdioBlock {
				assert.Equal(t, prevHost, string(lb.cstrAt(comment)), "line %d", i)
			}
		}
		if b, size := lb.retained(); b > 1 || size > len(lb.buf) {
			t.Fatalf("after %d reallocations, %d old buffers (%d bytes) are kept", lb.gen, b, size)
		}
		// ssh-keygen points the comment at the host field and cuts it.
		lb.buf[len(host)] = 0
		comment = commentRef{set: true, off: 0, gen: lb.gen}
		prevHost = host
		offset += stdioBlock * ((len(raw) + stdioBlock - 1) / stdioBlock)
	}
	assert.GreaterOrEqual(t, lb.gen, 15)

	// A line that fits, with the comment moved to the current buffer: the
	// old one is dropped.
	lb.load([]byte("x k\n"), offset, comment)
	comment = commentRef{set: true, off: 0, gen: lb.gen}
	lb.load([]byte("k\n"), offset+stdioBlock, comment)
	b, _ := lb.retained()
	assert.Zero(t, b)
	assert.False(t, lb.undefined(comment))
}
