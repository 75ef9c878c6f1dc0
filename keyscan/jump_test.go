package keyscan

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// jumpOptions logs into jump with its user key file and accepts exactly
// its first host key.
func jumpOptions(jump *testpeer.SSHServer) *JumpOptions {
	return &JumpOptions{
		Hosts:             []JumpHost{{User: jump.User, Host: jump.Host, Port: jump.Port}},
		HostKeyCallback:   ssh.FixedHostKey(jump.Keys[0]),
		HostKeyAlgorithms: func(string) []string { return []string{jump.Keys[0].Type()} },
		IdentityFiles:     []string{jump.UserKeyFile},
		Timeout:           10 * time.Second,
	}
}

// TestDialJumpHosts: through two real sshd jump hosts (the first logged
// into with the real ssh-agent's key, the second with an identity file), a
// scan gives the keys a direct scan gives; cancelling the context closes
// the chain.
func TestDialJumpHosts(t *testing.T) {
	jump1 := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, Login: true})
	jump2 := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ecdsa"}, Login: true})
	target := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	agent := testpeer.StartAgent(t)
	agent.Add(t, jump1.UserKeyFile)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chain, err := DialJumpHosts(ctx, &JumpOptions{
		Hosts: []JumpHost{{User: jump1.User, Host: jump1.Host, Port: jump1.Port}, {Host: jump2.Host, Port: jump2.Port}},
		User:  jump2.User,
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			for _, j := range []*testpeer.SSHServer{jump1, jump2} {
				if hostname == j.Addr {
					return ssh.FixedHostKey(j.Keys[0])(hostname, remote, key)
				}
			}
			return errors.New("unexpected host " + hostname)
		},
		AgentSocket:   agent.Socket,
		IdentityFiles: []string{jump2.UserKeyFile},
	})
	require.NoError(t, err)
	defer chain.Close()
	require.Len(t, chain.HostKeys(), 2)
	assert.Equal(t, jump1.Keys[0].Marshal(), chain.HostKeys()[0].Marshal())
	assert.Equal(t, jump2.Keys[0].Marshal(), chain.HostKeys()[1].Marshal())

	s := &Scanner{Dial: chain.DialContext, Timeout: 10 * time.Second}
	r := s.ScanTarget(context.Background(), Target{Hosts: []string{"localhost"}, Port: target.Port})
	require.NoError(t, r.Err())
	require.Len(t, r.Keys, 1)
	assert.Equal(t, target.Keys[0].Marshal(), r.Keys[0].Key.Marshal())

	cancel()
	done := make(chan error, 1)
	go func() { done <- chain.clients[0].Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the jump host connection is still open after cancellation")
	}
	_, err = chain.DialContext(context.Background(), "tcp", target.Addr)
	assert.Error(t, err)
}

// TestDialJumpHostsFailures: each way a jump host fails is a *JumpError
// of its kind, with the fields a caller explains it from.
func TestDialJumpHostsFailures(t *testing.T) {
	jump := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, Login: true})
	ctx := context.Background()

	t.Run("host key", func(t *testing.T) {
		o := jumpOptions(jump)
		errUnknown := errors.New("not in known_hosts")
		o.HostKeyCallback = func(string, net.Addr, ssh.PublicKey) error { return errUnknown }
		_, err := DialJumpHosts(ctx, o)
		var je *JumpError
		require.ErrorAs(t, err, &je)
		assert.ErrorIs(t, err, HostKeyRejected)
		assert.ErrorIs(t, err, errUnknown)
		assert.Equal(t, jump.Keys[0].Marshal(), je.Key.Marshal())
		assert.Equal(t, jump.User+"@"+jump.Addr, je.Host.String())
		assert.ErrorContains(t, err, "keyscan: jump host "+jump.User+"@"+jump.Addr+": host key ED25519 SHA256:")
	})

	t.Run("auth", func(t *testing.T) {
		dir := t.TempDir()
		wrong := filepath.Join(dir, "wrong")
		keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
		out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", wrong).CombinedOutput()
		require.NoError(t, err, "%s", out)
		o := jumpOptions(jump)
		o.IdentityFiles = []string{wrong}
		_, err = DialJumpHosts(ctx, o)
		var je *JumpError
		require.ErrorAs(t, err, &je)
		assert.Equal(t, AuthFailed, je.Kind)
		assert.Equal(t, []string{wrong}, je.Tried)
		assert.EqualError(t, err, "keyscan: jump host "+jump.User+"@"+jump.Addr+": authentication failed (tried "+wrong+"; no agent socket)")
	})

	t.Run("refused", func(t *testing.T) {
		o := jumpOptions(jump)
		o.Hosts[0].Port = testpeer.FreePort(t)
		_, err := DialJumpHosts(ctx, o)
		var je *JumpError
		require.ErrorAs(t, err, &je)
		assert.Equal(t, Refused, je.Kind)
		assert.Equal(t, StageConnect, je.Stage)
	})

	t.Run("silent", func(t *testing.T) {
		addrs, port := silentAddrs(t, 1)
		o := jumpOptions(jump)
		o.Hosts[0] = JumpHost{User: "me", Host: addrs[0].String(), Port: port}
		o.Timeout = 300 * time.Millisecond
		start := time.Now()
		_, err := DialJumpHosts(ctx, o)
		assert.Less(t, time.Since(start), 2*time.Second)
		assert.ErrorIs(t, err, Timeout)
		assert.ErrorContains(t, err, "no SSH session within 300ms")
	})

	t.Run("identity file", func(t *testing.T) {
		o := jumpOptions(jump)
		o.IdentityFiles = []string{filepath.Join(t.TempDir(), "missing")}
		_, err := DialJumpHosts(ctx, o)
		var ie *IdentityError
		require.ErrorAs(t, err, &ie)
		assert.ErrorIs(t, err, fs.ErrNotExist)

		notKey := filepath.Join(t.TempDir(), "notkey")
		require.NoError(t, os.WriteFile(notKey, []byte("hello\n"), 0o600))
		o.IdentityFiles = []string{notKey}
		_, err = DialJumpHosts(ctx, o)
		require.ErrorAs(t, err, &ie)
		assert.False(t, ie.Encrypted)
		assert.Equal(t, notKey, ie.File)
	})

	t.Run("no callback", func(t *testing.T) {
		o := jumpOptions(jump)
		o.HostKeyCallback = nil
		_, err := DialJumpHosts(ctx, o)
		assert.EqualError(t, err, "keyscan: jump hosts need a HostKeyCallback")
	})
}
