package keyscan

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"golang.org/x/crypto/ssh"
)

// BenchmarkKeyExchange fetches one Ed25519 host key from a real sshd, one
// connection per operation, one at a time, with the scanner's own client
// and with x/crypto's client handshake (the anchor: what the scanner used
// before). ns/op is mostly sshd's work; client-us/op is the CPU time
// (user+system) of this process per key, the client's whole cost.
//
//	go test -run '^$' -bench KeyExchange -benchtime 200x ./keyscan
func BenchmarkKeyExchange(b *testing.B) {
	srv := testpeer.StartSSHD(b, testpeer.ServerOptions{KeyTypes: []string{"ed25519"},
		Config: []string{"MaxStartups 1000:30:1000"}})
	dial := func() net.Conn {
		c, err := net.Dial("tcp", srv.Addr)
		if err != nil {
			b.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		return c
	}
	run := func(b *testing.B, one func() error) {
		before := cpuTime()
		for b.Loop() {
			if err := one(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N), "client-us/op")
	}
	b.Run("hostkeys", func(b *testing.B) {
		run(b, func() error {
			c := dial()
			defer c.Close()
			h := &handshake{rw: c, clientVersion: "SSH-2.0-bench", kexAlgos: DefaultKeyExchanges(),
				hostKeyAlgos: Ed25519.Algorithms(false), maxBytes: 256 << 10}
			return h.run()
		})
	})
	b.Run("xcrypto", func(b *testing.B) {
		errGot := errors.New("got it")
		cfg := &ssh.ClientConfig{
			Config:            ssh.Config{KeyExchanges: []string{ssh.KeyExchangeMLKEM768X25519, ssh.KeyExchangeCurve25519}},
			HostKeyAlgorithms: Ed25519.Algorithms(false),
			HostKeyCallback:   func(string, net.Addr, ssh.PublicKey) error { return errGot },
		}
		run(b, func() error {
			c := dial()
			defer c.Close()
			if _, _, _, err := ssh.NewClientConn(c, srv.Addr, cfg); !errors.Is(err, errGot) {
				return err
			}
			return nil
		})
	})
}

// cpuTime is this process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
