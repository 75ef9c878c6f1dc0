package keyscan

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostile runs serve for every connection to a listener on 127.0.0.1 and
// returns its port. Connections are closed when the test ends.
func hostile(t *testing.T, serve func(c net.Conn)) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go serve(c)
		}
	}()
	t.Cleanup(func() {
		close(done)
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return l.Addr().(*net.TCPAddr).Port
}

// hold keeps the connection open, reading and discarding, until it closes.
func hold(c net.Conn) { io.Copy(io.Discard, c) }

func packet(payload []byte) []byte {
	pad := 8 - (len(payload)+5)%8
	if pad < 4 {
		pad += 8
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)+pad))
	b = append(b, byte(pad))
	b = append(b, payload...)
	return append(b, make([]byte, pad)...)
}

// kexInitPayload builds a KEXINIT advertising hostKeys.
func kexInitPayload(hostKeys string) []byte {
	b := []byte{msgKexInit}
	b = append(b, make([]byte, 16)...)
	for _, l := range []string{"curve25519-sha256", hostKeys, "aes128-ctr", "aes128-ctr",
		"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", ""} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(l)))
		b = append(b, l...)
	}
	return append(b, 0, 0, 0, 0, 0)
}

func TestHostileServers(t *testing.T) {
	const timeout = 1500 * time.Millisecond
	good := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})

	type server struct {
		name  string
		serve func(net.Conn)
		kind  Kind
		stage Stage
		fast  bool // fails well before the deadline
	}
	servers := []server{
		{"silent", hold, Timeout, StageBanner, false},
		{"partial banner", func(c net.Conn) {
			c.Write([]byte("SSH-2.0-partial"))
			hold(c)
		}, Timeout, StageBanner, false},
		{"junk line every second", func(c net.Conn) {
			for {
				if _, err := c.Write([]byte("junk line\r\n")); err != nil {
					return
				}
				time.Sleep(time.Second)
			}
		}, Timeout, StageBanner, false},
		{"endless pre-banner flood", func(c net.Conn) {
			line := []byte("0123456789012345678901234567890123456789012345678901234567890123456789\r\n")
			for {
				if _, err := c.Write(line); err != nil {
					return
				}
			}
		}, Protocol, StageBanner, true},
		{"banner then stall", func(c net.Conn) {
			c.Write([]byte("SSH-2.0-stall\r\n"))
			hold(c)
		}, Timeout, StageKex, false},
		{"garbage KEXINIT", func(c net.Conn) {
			c.Write([]byte("SSH-2.0-garbage\r\n"))
			c.Write(packet([]byte{msgKexInit, 1, 2, 3, 4, 5}))
			hold(c)
		}, Protocol, StageKex, true},
		{"garbage name-list", func(c net.Conn) {
			p := kexInitPayload("ssh-ed25519")
			p[17+3] = 0xff // first name-list's length: past the end
			c.Write([]byte("SSH-2.0-garbage\r\n"))
			c.Write(packet(p))
			hold(c)
		}, Protocol, StageKex, true},
		{"huge packet length", func(c net.Conn) {
			c.Write([]byte("SSH-2.0-huge\r\n\xff\xff\xff\xf0"))
			hold(c)
		}, Protocol, StageKex, true},
		{"close mid-exchange", func(c net.Conn) {
			c.Write([]byte("SSH-2.0-close\r\n"))
			p := packet(kexInitPayload("ssh-ed25519"))
			c.Write(p[:len(p)/2])
			time.Sleep(50 * time.Millisecond)
			c.Close()
		}, Closed, StageKex, true},
		{"close before banner", func(c net.Conn) { c.Close() }, Closed, StageBanner, true},
		{"SSH-1 only", func(c net.Conn) {
			c.Write([]byte("SSH-1.5-old\n"))
			hold(c)
		}, Protocol, StageKex, true},
	}
	refused := testpeer.FreePort(t)

	targets := []Target{{Hosts: []string{"127.0.0.1"}, Port: good.Port}}
	for _, s := range servers {
		targets = append(targets, Target{Hosts: []string{"127.0.0.1"}, Port: hostile(t, s.serve), Names: []string{s.name}})
	}
	targets = append(targets, Target{Hosts: []string{"127.0.0.1"}, Port: refused, Names: []string{"refused"}})

	sc := &Scanner{Timeout: timeout, KeyTypes: []KeyType{Ed25519}, Retries: 2, Backoff: 10 * time.Millisecond}
	start := time.Now()
	results := map[int]*Result{}
	err := sc.Scan(context.Background(), targets, func(r *Result) { results[r.Port] = r })
	require.NoError(t, err)
	total := time.Since(start)
	assert.Less(t, total, timeout+time.Second, "the scan must not wait for hostile servers one after another")

	r := results[good.Port]
	require.NotNil(t, r)
	require.Len(t, r.Keys, 1, "%v", r.Errors)
	assert.Equal(t, good.Keys[0].Marshal(), r.Keys[0].Key.Marshal())

	for i, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			r := results[targets[i+1].Port]
			require.NotNil(t, r)
			assert.Empty(t, r.Keys)
			require.NotEmpty(t, r.Errors)
			var e *Error
			require.True(t, errors.As(r.Errors[len(r.Errors)-1], &e))
			assert.Equal(t, s.kind.String(), e.Kind.String(), "%v", e)
			assert.Equal(t, s.stage.String(), e.Stage.String(), "%v", e)
			assert.True(t, errors.Is(r.Err(), s.kind))
			assert.LessOrEqual(t, e.Elapsed, timeout+200*time.Millisecond, "%v", e)
			if s.kind == Closed && s.stage == StageBanner {
				assert.Equal(t, 3, e.Attempts, "retried twice")
			}
			if s.fast {
				assert.Less(t, e.Elapsed, timeout/2, "%v", e)
			}
			t.Log(e)
		})
	}
	r = results[refused]
	require.NotNil(t, r)
	assert.True(t, errors.Is(r.Err(), Refused), "%v", r.Err())
}

// TestAddrlistFallback: the next address of an addrlist is tried when one is
// refused (ssh-keyscan 8.9 and later give up).
func TestAddrlistFallback(t *testing.T) {
	good := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	ts, err := ParseTarget("127.0.0.2,127.0.0.1:" + strconv.Itoa(good.Port) + " web1")
	require.NoError(t, err)
	r := (&Scanner{}).ScanTarget(context.Background(), ts[0])
	require.Len(t, r.Keys, 1, "%v", r.Errors)
	assert.Equal(t, "127.0.0.1", r.Host)
	require.Len(t, r.Errors, 1)
	assert.True(t, errors.Is(r.Errors[0], Refused))
	assert.Equal(t, []string{"web1"}, r.Target.OutputNames())
}

// TestCancel: cancelling the context ends a scan of stalling servers at
// once, and each started target reports Canceled.
func TestCancel(t *testing.T) {
	port := hostile(t, hold)
	ctx, cancel := context.WithCancel(context.Background())
	targets := make([]Target, 5)
	for i := range targets {
		targets[i] = Target{Hosts: []string{"127.0.0.1"}, Port: port}
	}
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	var got []*Result
	err := (&Scanner{Timeout: 10 * time.Second}).Scan(ctx, targets, func(r *Result) { got = append(got, r) })
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 2*time.Second)
	for _, r := range got {
		assert.True(t, errors.Is(r.Err(), Canceled), "%v", r.Err())
	}
}

// TestEveryResolvedAddress: a name that resolves to several addresses has
// each tried until one answers (ssh-keyscan tries only the first).
func TestEveryResolvedAddress(t *testing.T) {
	good := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	s := &Scanner{LookupNetIP: func(ctx context.Context, network, host string) ([]netip.Addr, error) {
		if host != "web1.example" {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.1")}, nil
	}}
	r := s.ScanTarget(context.Background(), Target{Hosts: []string{"nowhere.example", "web1.example"}, Port: good.Port})
	require.Len(t, r.Keys, 1, "%v", r.Errors)
	assert.Equal(t, "web1.example", r.Host)
	assert.Equal(t, "127.0.0.1:"+strconv.Itoa(good.Port), r.Addr)
	require.Len(t, r.Errors, 2)
	assert.True(t, errors.Is(r.Errors[0], Unresolved), "%v", r.Errors[0])
	assert.True(t, errors.Is(r.Errors[1], Refused), "%v", r.Errors[1])
	assert.Equal(t, []string{"nowhere.example", "web1.example"}, r.Target.OutputNames())
}

// noDeadlineConn is a connection without deadlines, like the channels of
// an *ssh.Client used as a jump host.
type noDeadlineConn struct{ net.Conn }

func (noDeadlineConn) SetDeadline(time.Time) error      { return errors.New("deadline not supported") }
func (noDeadlineConn) SetReadDeadline(time.Time) error  { return errors.New("deadline not supported") }
func (noDeadlineConn) SetWriteDeadline(time.Time) error { return errors.New("deadline not supported") }

// TestDeadlineWithoutConnDeadlines: the deadline holds even when the
// dialer's connections ignore SetDeadline.
func TestDeadlineWithoutConnDeadlines(t *testing.T) {
	port := hostile(t, func(c net.Conn) {
		c.Write([]byte("SSH-2.0-stall\r\n"))
		hold(c)
	})
	s := &Scanner{Timeout: 500 * time.Millisecond, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		return noDeadlineConn{c}, err
	}}
	start := time.Now()
	r := s.ScanTarget(context.Background(), Target{Hosts: []string{"127.0.0.1"}, Port: port})
	assert.Less(t, time.Since(start), 1500*time.Millisecond)
	assert.True(t, errors.Is(r.Err(), Timeout), "%v", r.Err())
}
