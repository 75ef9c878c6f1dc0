package main

import (
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"testing"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// authSOCKS5 is a SOCKS5 proxy that requires a user name and password
// (RFC 1929), which ssh -D cannot; it connects where it is asked.
func authSOCKS5(t *testing.T, user, password string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	serve := func(c net.Conn) {
		defer c.Close()
		b := make([]byte, 512)
		read := func(n int) []byte {
			if _, err := io.ReadFull(c, b[:n]); err != nil {
				return nil
			}
			return b[:n]
		}
		hello := read(2)
		if hello == nil || read(int(hello[1])) == nil {
			return
		}
		c.Write([]byte{5, 2}) // user name and password
		h := read(2)
		if h == nil {
			return
		}
		u := string(read(int(h[1])))
		pl := read(1)
		if pl == nil {
			return
		}
		p := string(read(int(pl[0])))
		if u != user || p != password {
			c.Write([]byte{1, 1})
			return
		}
		c.Write([]byte{1, 0})
		req := read(4)
		if req == nil {
			return
		}
		var host string
		switch req[3] {
		case 1:
			host = net.IP(read(4)).String()
		case 3:
			n := read(1)
			host = string(read(int(n[0])))
		default:
			return
		}
		port := binary.BigEndian.Uint16(read(2))
		up, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(int(port))))
		if err != nil {
			c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
			return
		}
		defer up.Close()
		c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
		go io.Copy(up, c)
		io.Copy(c, up)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return l.Addr().String()
}

// TestScanSOCKS5Password: --socks5 USER@HOST:PORT takes the password from
// the environment, never from argv.
func TestScanSOCKS5Password(t *testing.T) {
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	proxy := authSOCKS5(t, "scanner", "s3cret")
	args := []string{"-p", strconv.Itoa(target.Port), "127.0.0.1"}
	want, wantErr, code := runHostkeys(t, append([]string{"scan"}, args...)...)
	require.Equal(t, 0, code, wantErr)

	got, gotErr, code := runHostkeysEnv(t, map[string]string{"HOSTKEYS_SOCKS5_PASSWORD": "s3cret"},
		append([]string{"scan", "--socks5", "scanner@" + proxy}, args...)...)
	require.Equal(t, 0, code, gotErr)
	assert.Equal(t, want, got)

	_, gotErr, code = runHostkeysEnv(t, map[string]string{"HOSTKEYS_SOCKS5_PASSWORD": "wrong"},
		append([]string{"scan", "--socks5", "scanner@" + proxy}, args...)...)
	assert.Equal(t, 1, code)
	assert.Contains(t, gotErr, "hostkeys: error:")

	_, gotErr, code = runHostkeys(t, append([]string{"scan", "--socks5", "scanner@" + proxy}, args...)...)
	assert.Equal(t, 2, code)
	assert.Contains(t, gotErr, "HOSTKEYS_SOCKS5_PASSWORD")
}
