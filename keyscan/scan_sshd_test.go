package keyscan

import (
	"context"
	"testing"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestScanSSHDQuick(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{RSABits: 2048})
	s := &Scanner{}
	r := s.ScanTarget(context.Background(), Target{Hosts: []string{"127.0.0.1"}, Port: srv.Port})
	require.NoError(t, r.Err(), "%v", r.Errors)
	t.Logf("banner %q negotiated %+v notoffered %v dur %v", r.Banner, r.Negotiated, r.NotOffered, r.Duration)
	require.Len(t, r.Keys, 3)
	for i, k := range r.Keys {
		t.Logf("%s %s %s", k.Type, k.Algorithm, k.KeyExchange)
		assert.Equal(t, ssh.MarshalAuthorizedKey(srv.Keys[i]), ssh.MarshalAuthorizedKey(k.Key))
	}
}
