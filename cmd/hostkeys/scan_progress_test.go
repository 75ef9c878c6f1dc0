package main

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	var unlock int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		m.Close()
		t.Skipf("unlockpt: %v", errno)
	}
	var n uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); errno != 0 {
		m.Close()
		t.Skipf("ptsname: %v", errno)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// TestProgress: the progress line appears only on a terminal and for long
// scans, and is erased before other output.
func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 100)
	p.done(true)
	p.clear()
	assert.Empty(t, buf.String(), "not a terminal")

	master, slave := openPTY(t)
	p = newProgress(slave, 10)
	p.done(true)
	assert.False(t, p.shown, "short scans have no progress line")

	p = newProgress(slave, 100)
	require.True(t, p.live)
	p.done(true)
	p.done(false) // within 200ms: not redrawn
	p.clear()
	want := "\r\x1b[Khostkeys: scanned 1/100 targets, 1 with keys\r\x1b[K"
	master.SetReadDeadline(time.Now().Add(2 * time.Second))
	var got []byte
	for len(got) < len(want) {
		out := make([]byte, 256)
		n, err := master.Read(out)
		require.NoError(t, err)
		got = append(got, out[:n]...)
	}
	assert.Equal(t, want, string(got))
}
