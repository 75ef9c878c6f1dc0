package testpeer

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func banner(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

func TestStartSSHD(t *testing.T) {
	s := StartSSHD(t, ServerOptions{Certificates: true, RSABits: 2048})
	if len(s.Keys) != 3 || len(s.Certs) != 3 || s.CA == nil {
		t.Fatalf("keys %d certs %d", len(s.Keys), len(s.Certs))
	}
	if b := banner(t, s.Addr); !strings.HasPrefix(b, "SSH-2.0-OpenSSH") {
		t.Fatalf("banner %q", b)
	}
	s.Stop()
	if _, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		t.Fatal("sshd still listening after Stop")
	}
}

func TestStartDropbear(t *testing.T) {
	s := StartDropbear(t, ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}})
	if len(s.Keys) != 2 || s.Keys[0].Type() != "ssh-ed25519" {
		t.Fatalf("keys %v", s.Keys)
	}
	if b := banner(t, s.Addr); !strings.HasPrefix(b, "SSH-2.0-dropbear") {
		t.Fatalf("banner %q", b)
	}
}

// TestStartSOCKS: sshd with a login, and the real ssh -D logged into it
// answering a SOCKS5 greeting (no authentication) on its port.
func TestStartSOCKS(t *testing.T) {
	s := StartSSHD(t, ServerOptions{KeyTypes: []string{"ed25519"}, Login: true})
	if s.User == "" || s.UserKey == nil {
		t.Fatalf("no login: %+v", s)
	}
	addr := StartSOCKS(t, s)
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte{5, 1, 0}); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 2)
	if _, err := io.ReadFull(c, reply); err != nil || reply[0] != 5 || reply[1] != 0 {
		t.Fatalf("SOCKS5 method selection %v, %v", reply, err)
	}
}
