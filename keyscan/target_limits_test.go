package keyscan

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// silentAddrs listens on n loopback addresses 127.0.0.2, 127.0.0.3, ...
// with one port, accepting connections (the kernel completes them) and
// sending nothing, and returns the addresses and the port.
func silentAddrs(t *testing.T, n int) ([]netip.Addr, int) {
	t.Helper()
	for try := 0; try < 20; try++ {
		first, err := net.Listen("tcp", "127.0.0.2:0")
		require.NoError(t, err)
		port := first.Addr().(*net.TCPAddr).Port
		ls := []net.Listener{first}
		addrs := []netip.Addr{netip.MustParseAddr("127.0.0.2")}
		for i := 1; i < n; i++ {
			a := netip.AddrFrom4([4]byte{127, 0, byte(i / 250), byte(2 + i%250)})
			l, err := net.Listen("tcp", netip.AddrPortFrom(a, uint16(port)).String())
			if err != nil {
				break // the port is taken there: try another
			}
			ls = append(ls, l)
			addrs = append(addrs, a)
		}
		t.Cleanup(func() {
			for _, l := range ls {
				l.Close()
			}
		})
		if len(addrs) == n {
			return addrs, port
		}
	}
	t.Fatalf("no port free on %d loopback addresses", n)
	return nil, 0
}

// TestManyAddressesBounded (issue 10): a name that resolves to many
// addresses, each accepting and staying silent, holds its worker for a
// bounded time, not addresses x Timeout.
func TestManyAddressesBounded(t *testing.T) {
	addrs, port := silentAddrs(t, 20)
	lookup := func(ctx context.Context, network, host string) ([]netip.Addr, error) {
		if host != "many.test" {
			return nil, fmt.Errorf("unexpected lookup of %q", host)
		}
		return addrs, nil
	}
	// The target's deadline alone ends the scan: each connection may take
	// a minute, so without the deadline the scan would try 8 silent
	// addresses for 8 minutes (before the fix: all 20, for 20 minutes).
	// With it, the first attempt is cut short and the rest reported.
	s := &Scanner{Timeout: time.Minute, TargetTimeout: 300 * time.Millisecond, LookupNetIP: lookup}
	r := s.ScanTarget(context.Background(), Target{Hosts: []string{"many.test"}, Port: port})
	assert.Empty(t, r.Keys)
	require.Len(t, r.Errors, 2, "%v", r.Errors)
	assert.ErrorIs(t, r.Errors[0], Timeout, "cut short by the target's deadline")
	assert.ErrorIs(t, r.Errors[1], Skipped)
	assert.ErrorContains(t, r.Errors[1], "19 more address(es) not tried: the target's deadline of 300ms (Scanner.TargetTimeout) reached")

	// The address limit, without the deadline: 8 tried, 12 reported.
	s = &Scanner{Timeout: 100 * time.Millisecond, TargetTimeout: time.Minute, LookupNetIP: lookup}
	r = s.ScanTarget(context.Background(), Target{Hosts: []string{"many.test"}, Port: port})
	require.Len(t, r.Errors, 9)
	assert.EqualError(t, r.Errors[8], fmt.Sprintf("keyscan: [many.test]:%d: skipped during connect after %s: "+
		"12 more address(es) not tried: the limit of 8 addresses per target (Scanner.MaxAddresses) reached",
		port, r.Errors[8].(*Error).Elapsed.Round(time.Millisecond)))
	assert.Equal(t, net.JoinHostPort("127.0.0.9", fmt.Sprint(port)), r.Addr, "the last address tried")

	// An address list counts too, names and addresses alike.
	hosts := []string{"127.0.0.2", "many.test", "127.0.0.3"}
	s = &Scanner{Timeout: 100 * time.Millisecond, TargetTimeout: time.Minute, MaxAddresses: 10, LookupNetIP: lookup}
	r = s.ScanTarget(context.Background(), Target{Hosts: hosts, Port: port})
	require.Len(t, r.Errors, 11)
	assert.ErrorContains(t, r.Errors[10], ": 11 more address(es) and 1 more host(s) not tried: the limit of 10 addresses")
	hosts = []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "many.test"}

	// A deadline over an address list: the first address's attempt is cut
	// short, the other hosts are reported, not tried.
	s = &Scanner{Timeout: time.Minute, TargetTimeout: 300 * time.Millisecond, MaxAddresses: 100, LookupNetIP: lookup}
	r = s.ScanTarget(context.Background(), Target{Hosts: hosts, Port: port})
	require.Len(t, r.Errors, 2, "%v", r.Errors)
	assert.ErrorIs(t, r.Errors[0], Timeout, "cut short by the target's deadline")
	assert.ErrorContains(t, r.Errors[1], ": 4 more host(s) not tried: the target's deadline of 300ms")
}

// TestTargetDeadlineWaitingForSlot: a target whose deadline passes while
// it waits for a connection slot fails as a timeout (not as canceled) at
// its deadline.
func TestTargetDeadlineWaitingForSlot(t *testing.T) {
	s := &Scanner{Concurrency: 2, TargetTimeout: 300 * time.Millisecond}
	s.init()
	s.global <- struct{}{} // other targets hold every slot
	s.global <- struct{}{}
	r := s.ScanTarget(context.Background(), Target{Hosts: []string{"127.0.0.1"}, Port: 1})
	require.Len(t, r.Errors, 1)
	assert.ErrorIs(t, r.Errors[0], Timeout)
	assert.Regexp(t, `timeout during connect after \d+ms: the target's deadline passed \(Scanner.TargetTimeout\)$`, r.Errors[0].Error())
}
