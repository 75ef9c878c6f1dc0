package keyscan

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/internal/testpeer"
)

// noLookup fails the test if a name is resolved locally: through a proxy
// or a jump host, names must reach the far side unresolved.
func noLookup(t *testing.T) func(context.Context, string, string) ([]netip.Addr, error) {
	return func(_ context.Context, _, host string) ([]netip.Addr, error) {
		t.Errorf("local lookup of %q", host)
		return nil, errors.New("no lookups in this test")
	}
}

func scanKeys(t *testing.T, s *Scanner, host string, port int) *Result {
	t.Helper()
	r := s.ScanTarget(context.Background(), Target{Hosts: []string{host}, Port: port})
	require.NoError(t, r.Err(), "%v", r.Errors)
	return r
}

func marshalled(keys []Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = string(k.Type) + " " + string(k.Key.Marshal())
	}
	return out
}

// TestSOCKS5ThroughSSH scans a server through the real ssh -D, logged into
// another sshd, as a SOCKS5 proxy: the keys are those of a direct scan.
func TestSOCKS5ThroughSSH(t *testing.T) {
	jump := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, Login: true})
	proxy := testpeer.StartSOCKS(t, jump)
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{RSABits: 2048})

	direct := scanKeys(t, &Scanner{Timeout: 10 * time.Second}, "127.0.0.1", target.Port)
	require.Len(t, direct.Keys, 3)
	s := &Scanner{Timeout: 10 * time.Second, Dial: SOCKS5Dialer(proxy, nil), LookupNetIP: noLookup(t)}
	r := scanKeys(t, s, "127.0.0.1", target.Port)
	assert.Empty(t, r.Errors)
	assert.Equal(t, marshalled(direct.Keys), marshalled(r.Keys))
	assert.Equal(t, direct.Banner, r.Banner)
	assert.Equal(t, target.Addr, r.Addr)
	for i, k := range r.Keys {
		assert.Equal(t, target.Keys[i].Marshal(), k.Key.Marshal())
	}
}

// TestJumpHost scans a server through an x/crypto ssh.Client logged into
// another sshd (direct-tcpip channels): the keys are those of a direct scan.
func TestJumpHost(t *testing.T) {
	jump := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, Login: true})
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{RSABits: 2048})
	client, err := ssh.Dial("tcp", jump.Addr, &ssh.ClientConfig{
		User:              jump.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(jump.UserKey)},
		HostKeyCallback:   ssh.FixedHostKey(jump.Keys[0]),
		HostKeyAlgorithms: []string{ssh.KeyAlgoED25519},
		Timeout:           10 * time.Second,
	})
	require.NoError(t, err, "sshd log:\n%s", jump.Log())
	t.Cleanup(func() { client.Close() })

	direct := scanKeys(t, &Scanner{Timeout: 10 * time.Second}, "127.0.0.1", target.Port)
	s := &Scanner{Timeout: 10 * time.Second, Dial: client.DialContext, LookupNetIP: noLookup(t)}
	r := scanKeys(t, s, "127.0.0.1", target.Port)
	assert.Empty(t, r.Errors)
	require.Len(t, r.Keys, 3)
	assert.Equal(t, marshalled(direct.Keys), marshalled(r.Keys))
	assert.Equal(t, target.Addr, r.Addr)

	// A server behind the jump host that accepts and never speaks: the
	// channel has no deadlines, the scan still ends at its Timeout.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go acceptAndHold(l)
	s = &Scanner{Timeout: 500 * time.Millisecond, Dial: client.DialContext}
	start := time.Now()
	r = s.ScanTarget(context.Background(), Target{Hosts: []string{"127.0.0.1"}, Port: l.Addr().(*net.TCPAddr).Port})
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.True(t, errors.Is(r.Err(), Timeout), "%v", r.Err())

	// Nothing listens behind the jump host: refused, as a direct scan says,
	// not a protocol error.
	s = &Scanner{Timeout: 5 * time.Second, Dial: client.DialContext}
	r = s.ScanTarget(context.Background(), Target{Hosts: []string{"127.0.0.1"}, Port: testpeer.FreePort(t)})
	assert.True(t, errors.Is(r.Err(), Refused), "%v", r.Err())
}

// acceptAndHold accepts connections and never answers, until l closes.
func acceptAndHold(l net.Listener) {
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		conns = append(conns, c)
	}
}

// fakeSOCKS5 is a SOCKS5 server for the cases a real one does not show:
// it records requests, answers with a chosen reply code, checks a user and
// password, and connects every request to one address.
type fakeSOCKS5 struct {
	l      net.Listener
	auth   *SOCKS5Auth // required when set
	reply  byte        // sent instead of connecting when non-zero
	stall  bool        // select the method, then never answer the request
	dialTo string      // where every CONNECT goes

	mu       sync.Mutex
	requests []string // "type host:port"
	conns    []net.Conn
}

func startFakeSOCKS5(t *testing.T, f *fakeSOCKS5) *fakeSOCKS5 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f.l = l
	t.Cleanup(func() {
		l.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeSOCKS5) addr() string { return f.l.Addr().String() }

func (f *fakeSOCKS5) serve(c net.Conn) {
	b := make([]byte, 512)
	if _, err := io.ReadFull(c, b[:2]); err != nil || b[0] != 5 {
		return
	}
	methods := b[2 : 2+int(b[1])]
	if _, err := io.ReadFull(c, methods); err != nil {
		return
	}
	want := byte(0)
	if f.auth != nil {
		want = 2
	}
	offered := false
	for _, m := range methods {
		offered = offered || m == want
	}
	if !offered {
		c.Write([]byte{5, 0xff})
		return
	}
	c.Write([]byte{5, want})
	if f.auth != nil {
		if _, err := io.ReadFull(c, b[:2]); err != nil {
			return
		}
		user := make([]byte, b[1])
		io.ReadFull(c, user)
		io.ReadFull(c, b[:1])
		pass := make([]byte, b[0])
		io.ReadFull(c, pass)
		if string(user) != f.auth.User || string(pass) != f.auth.Password {
			c.Write([]byte{1, 1})
			return
		}
		c.Write([]byte{1, 0})
	}
	if f.stall {
		return // held open by the cleanup's list
	}
	if _, err := io.ReadFull(c, b[:4]); err != nil || b[1] != 1 {
		return
	}
	var host string
	switch b[3] {
	case 1, 4:
		n := 4
		if b[3] == 4 {
			n = 16
		}
		ip := make([]byte, n)
		io.ReadFull(c, ip)
		a, _ := netip.AddrFromSlice(ip)
		host = a.String()
	case 3:
		io.ReadFull(c, b[:1])
		name := make([]byte, b[0])
		io.ReadFull(c, name)
		host = string(name)
	}
	io.ReadFull(c, b[:2])
	f.mu.Lock()
	f.requests = append(f.requests, strconv.Itoa(int(b[3]))+" "+net.JoinHostPort(host, strconv.Itoa(int(b[0])<<8|int(b[1]))))
	f.mu.Unlock()
	if f.reply != 0 {
		c.Write([]byte{5, f.reply, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	up, err := net.Dial("tcp", f.dialTo)
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
		return
	}
	defer up.Close()
	// A bound address given as a domain name, to read that form too.
	c.Write([]byte{5, 0, 0, 3, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0x12, 0x34})
	go io.Copy(up, c)
	io.Copy(c, up)
}

func (f *fakeSOCKS5) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// TestSOCKS5RemoteNames: a host name goes to the proxy as a name, never
// resolved locally; user and password are sent when given.
func TestSOCKS5RemoteNames(t *testing.T) {
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}})
	auth := &SOCKS5Auth{User: "scanner", Password: "s3cret"}
	proxy := startFakeSOCKS5(t, &fakeSOCKS5{auth: auth, dialTo: target.Addr})
	s := &Scanner{Timeout: 10 * time.Second, Dial: SOCKS5Dialer(proxy.addr(), auth), LookupNetIP: noLookup(t)}
	r := scanKeys(t, s, "Web1.Example.Invalid", 2222)
	require.Len(t, r.Keys, 2)
	assert.Equal(t, target.Keys[0].Marshal(), r.Keys[1].Key.Marshal())
	assert.Equal(t, target.Keys[1].Marshal(), r.Keys[0].Key.Marshal())
	assert.Equal(t, "Web1.Example.Invalid:2222", r.Addr)
	seen := proxy.seen()
	require.NotEmpty(t, seen)
	for _, req := range seen {
		assert.Equal(t, "3 Web1.Example.Invalid:2222", req)
	}

	// Addresses go as addresses.
	scanKeys(t, s, "::1", 22)
	assert.Contains(t, proxy.seen(), "4 [::1]:22")
	scanKeys(t, s, "192.0.2.7", 22)
	assert.Contains(t, proxy.seen(), "1 192.0.2.7:22")

	// A wrong password, no credentials for a proxy that wants them.
	for _, c := range []struct {
		auth *SOCKS5Auth
		want string
	}{
		{&SOCKS5Auth{User: "scanner", Password: "wrong"}, "user name and password rejected"},
		{nil, "the proxy requires authentication"},
	} {
		s := &Scanner{Timeout: 5 * time.Second, Dial: SOCKS5Dialer(proxy.addr(), c.auth), Retries: -1}
		r := s.ScanTarget(context.Background(), Target{Hosts: []string{"h.invalid"}, Port: 22})
		var ke *Error
		require.True(t, errors.As(r.Err(), &ke), "%v", r.Err())
		assert.Equal(t, StageConnect, ke.Stage)
		assert.ErrorContains(t, ke, "socks5 proxy "+proxy.addr()+": "+c.want)
	}
}

// TestSOCKS5Refused: the proxy's reply code becomes the error's kind, and
// the message says what the proxy said.
func TestSOCKS5Refused(t *testing.T) {
	for _, c := range []struct {
		code byte
		kind Kind
		text string
	}{
		{5, Refused, "connection refused"},
		{4, Unreachable, "host unreachable"},
		{3, Unreachable, "network unreachable"},
		{2, 0, "connection not allowed by ruleset"},
		{1, 0, "general SOCKS server failure"},
		{9, 0, "unknown reply code 9"},
	} {
		t.Run(strconv.Itoa(int(c.code)), func(t *testing.T) {
			proxy := startFakeSOCKS5(t, &fakeSOCKS5{reply: c.code})
			s := &Scanner{Timeout: 2 * time.Second, Dial: SOCKS5Dialer(proxy.addr(), nil), LookupNetIP: noLookup(t)}
			start := time.Now()
			r := s.ScanTarget(context.Background(), Target{Hosts: []string{"gone.invalid"}, Port: 22})
			assert.Less(t, time.Since(start), s.Timeout)
			require.Len(t, r.Errors, 1)
			var ke *Error
			require.True(t, errors.As(r.Errors[0], &ke), "%T %v", r.Errors[0], r.Errors[0])
			var se *SOCKS5Error
			require.True(t, errors.As(ke, &se))
			assert.Equal(t, c.code, se.Code)
			assert.Equal(t, proxy.addr(), se.Proxy)
			assert.Equal(t, "gone.invalid:22", se.Target)
			assert.Equal(t, StageConnect, ke.Stage)
			if c.kind != 0 {
				assert.Equal(t, c.kind, ke.Kind)
				assert.True(t, errors.Is(r.Err(), c.kind))
			}
			assert.ErrorContains(t, ke, "socks5 proxy "+proxy.addr()+": connect to gone.invalid:22: "+c.text)
		})
	}
}

// TestSOCKS5Stalled: a proxy that accepts and never answers the greeting,
// or never answers the CONNECT, costs one Timeout, reported as such.
func TestSOCKS5Stalled(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go acceptAndHold(l)
	afterMethod := startFakeSOCKS5(t, &fakeSOCKS5{stall: true})

	for _, c := range []struct{ name, proxy, want string }{
		{"silent", l.Addr().String(), "reading the method selection"},
		{"after method", afterMethod.addr(), "reading the reply to CONNECT h.invalid:22"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &Scanner{Timeout: 500 * time.Millisecond, Dial: SOCKS5Dialer(c.proxy, nil), LookupNetIP: noLookup(t)}
			start := time.Now()
			r := s.ScanTarget(context.Background(), Target{Hosts: []string{"h.invalid"}, Port: 22})
			elapsed := time.Since(start)
			assert.GreaterOrEqual(t, elapsed, 400*time.Millisecond)
			assert.Less(t, elapsed, 2*time.Second)
			require.Len(t, r.Errors, 1)
			var ke *Error
			require.True(t, errors.As(r.Errors[0], &ke), "%T %v", r.Errors[0], r.Errors[0])
			assert.Equal(t, Timeout, ke.Kind)
			assert.Equal(t, StageConnect, ke.Stage)
			assert.ErrorContains(t, ke, "socks5 proxy "+c.proxy+": "+c.want)
		})
	}

	// Cancellation ends the wait too.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = SOCKS5Dialer(l.Addr().String(), nil)(ctx, "tcp", "h.invalid:22")
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Error(t, err)
}

func TestSOCKS5Request(t *testing.T) {
	for _, c := range []struct {
		network, addr string
		want          []byte
		err           string
	}{
		{"tcp", "192.0.2.1:22", []byte{5, 1, 0, 1, 192, 0, 2, 1, 0, 22}, ""},
		{"tcp4", "192.0.2.1:2222", []byte{5, 1, 0, 1, 192, 0, 2, 1, 0x08, 0xae}, ""},
		{"tcp", "[::ffff:192.0.2.1]:22", []byte{5, 1, 0, 1, 192, 0, 2, 1, 0, 22}, ""},
		{"tcp6", "[2001:db8::1]:22", []byte{5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 22}, ""},
		{"tcp", "h:65535", []byte{5, 1, 0, 3, 1, 'h', 0xff, 0xff}, ""},
		{"tcp4", "name.example:22", []byte{5, 1, 0, 3, 12, 'n', 'a', 'm', 'e', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 22}, ""},
		{"tcp4", "[2001:db8::1]:22", nil, "address family does not match tcp4"},
		{"tcp6", "192.0.2.1:22", nil, "address family does not match tcp6"},
		{"udp", "192.0.2.1:22", nil, "unknown network udp"},
		{"tcp", "h:0", nil, "bad port"},
		{"tcp", "h:65536", nil, "bad port"},
		{"tcp", "h", nil, "missing port"},
		{"tcp", ":22", nil, "1 to 255 bytes"},
		{"tcp", "[fe80::1%eth0]:22", nil, "zoned address"},
		{"tcp", string(make([]byte, 256)) + ":22", nil, "1 to 255 bytes"},
	} {
		got, err := socks5Request(c.network, c.addr)
		if c.err != "" {
			assert.ErrorContains(t, err, c.err, c.addr)
			continue
		}
		require.NoError(t, err, c.addr)
		assert.Equal(t, c.want, got, c.addr)
	}
	// Bad credentials fail before any connection.
	_, err := SOCKS5Dialer("127.0.0.1:1", &SOCKS5Auth{User: "u"})(context.Background(), "tcp", "h:22")
	assert.ErrorContains(t, err, "1 to 255 bytes")
}

// FuzzSOCKS5Reply feeds arbitrary proxy replies to the client: it must
// return (a connection or an error) without panicking or hanging.
func FuzzSOCKS5Reply(f *testing.F) {
	f.Add([]byte{5, 0, 5, 0, 0, 1, 1, 2, 3, 4, 0, 22})
	f.Add([]byte{5, 0, 5, 0, 0, 3, 255})
	f.Add([]byte{5, 2, 1, 0, 5, 5, 0, 1})
	f.Add([]byte{5, 0xff})
	f.Fuzz(func(t *testing.T, reply []byte) {
		client, server := net.Pipe()
		defer client.Close()
		go func() {
			defer server.Close()
			go io.Copy(io.Discard, server)
			server.Write(reply)
		}()
		p := &socks5Client{proxy: "fuzz", auth: &SOCKS5Auth{User: "u", Password: "p"}}
		req, err := socks5Request("tcp", "h.invalid:22")
		require.NoError(t, err)
		client.SetDeadline(time.Now().Add(time.Second))
		_ = p.handshake(client, req, "h.invalid:22")
	})
}
