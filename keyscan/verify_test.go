package keyscan

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/internal/testpeer"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// liar presents one Ed25519 public key but signs with another: a server
// that does not hold the private key of the host key it shows.
type liar struct {
	shown  ssh.PublicKey
	signer ssh.Signer
}

func (l liar) PublicKey() ssh.PublicKey { return l.shown }
func (l liar) Sign(r io.Reader, data []byte) (*ssh.Signature, error) {
	return l.signer.Sign(r, data)
}

func goServer(t *testing.T, hostKey ssh.Signer) int {
	t.Helper()
	cfg := &ssh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(hostKey)
	return hostile(t, func(c net.Conn) {
		ssh.NewServerConn(c, cfg)
		c.Close()
	})
}

func newSigner(t *testing.T) ssh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return s
}

// TestKeyOnlyAfterProof: a server that shows a key it cannot sign with
// gives no key and a protocol error (ssh-keyscan prints the shown key);
// an honest server's key is reported.
func TestKeyOnlyAfterProof(t *testing.T) {
	honest, other := newSigner(t), newSigner(t)
	lying := goServer(t, liar{shown: honest.PublicKey(), signer: other})
	good := goServer(t, honest)

	sc := &Scanner{KeyTypes: []KeyType{Ed25519}}
	r := sc.ScanTarget(context.Background(), Target{Hosts: []string{"127.0.0.1"}, Port: lying})
	assert.Empty(t, r.Keys)
	require.Error(t, r.Err())
	var e *Error
	require.True(t, errors.As(r.Err(), &e))
	assert.Equal(t, Protocol.String(), e.Kind.String(), "%v", e)
	assert.Equal(t, StageKex, e.Stage)
	t.Log(e)

	// ssh-keyscan, which aborts before checking the signature, prints it.
	keyscan := testpeer.Binary(t, "ssh-keyscan", "openssh-client")
	out, _ := exec.Command(keyscan, "-t", "ed25519", "-p", strconv.Itoa(lying), "127.0.0.1").Output()
	assert.Contains(t, string(out), strings.TrimSpace(string(ssh.MarshalAuthorizedKey(honest.PublicKey()))))

	r = sc.ScanTarget(context.Background(), Target{Hosts: []string{"127.0.0.1"}, Port: good})
	require.Len(t, r.Keys, 1, "%v", r.Errors)
	assert.Equal(t, honest.PublicKey().Marshal(), r.Keys[0].Key.Marshal())
}
