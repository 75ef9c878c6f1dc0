package testpeer

import (
	"net"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/agent"
)

// TestStartAgent: the real ssh-agent answers on its socket, holds the key
// ssh-add gave it, and is gone after Stop.
func TestStartAgent(t *testing.T) {
	keygen := Binary(t, "ssh-keygen", "openssh-client")
	a := StartAgent(t)
	key := t.TempDir() + "/id"
	genKey(t, keygen, "ed25519", 0, key)
	a.Add(t, key)
	c, err := net.Dial("unix", a.Socket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := agent.NewClient(c).List()
	c.Close()
	if err != nil || len(keys) != 1 || keys[0].Type() != "ssh-ed25519" {
		t.Fatalf("agent keys %v, %v", keys, err)
	}
	a.Stop()
	if c, err := net.DialTimeout("unix", a.Socket, time.Second); err == nil {
		c.Close()
		t.Fatal("ssh-agent still listening after Stop")
	}
}
