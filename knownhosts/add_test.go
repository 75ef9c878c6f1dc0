package knownhosts

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// TestAddCallbackNames adds under the names a HostKeyCallback receives
// and checks that the callback then accepts the key under them.
func TestAddCallbackNames(t *testing.T) {
	key := newSigner(t).PublicKey()
	for in, want := range map[string]string{
		"127.0.0.1:2222":  "[127.0.0.1]:2222",
		"Host.Example:22": "host.example",
		"[::1]:2222":      "[::1]:2222",
		"[::1]:22":        "::1",
		"[host]:2200":     "[host]:2200",
	} {
		f := parseString(t, "")
		require.NoError(t, f.Add([]string{in}, key, nil), in)
		assert.Equal(t, want+" "+keyText(key)+"\n", string(f.Bytes()), in)
		assert.NoError(t, New(Options{}, f).HostKeyCallback()(in, nil, key), in)
	}
}

// TestAddCertificate: a host certificate is recorded as its plain key,
// which the callback accepts when the host presents the certificate.
func TestAddCertificate(t *testing.T) {
	host, ca := newSigner(t), newSigner(t)
	cert := hostCert(t, ca, host.PublicKey(), "server.example")
	f := parseString(t, "")
	require.NoError(t, f.Add([]string{"server.example:2222"}, cert, nil))
	assert.Equal(t, "[server.example]:2222 "+keyText(host.PublicKey())+"\n", string(f.Bytes()))
	db := New(Options{}, f)
	assert.NoError(t, db.HostKeyCallback()("server.example:2222", nil, cert))
	assert.NoError(t, db.HostKeyCallback()("server.example:2222", nil, host.PublicKey()))

	require.NoError(t, f.Add([]string{"server.example"}, cert, &AddOptions{Marker: fingerprint.Revoked}))
	assert.Equal(t, "@revoked server.example "+keyText(host.PublicKey()), f.Lines[1].Text)
	assert.Error(t, f.Add([]string{"server.example"}, cert, &AddOptions{Marker: fingerprint.CertAuthority}))
	assert.Len(t, f.Lines, 2)
}

func TestAddBadInput(t *testing.T) {
	key := newSigner(t).PublicKey()
	f := parseString(t, "a "+keyText(key)+"\n")
	for name, tc := range map[string]struct {
		names []string
		key   ssh.PublicKey
		opts  *AddOptions
	}{
		"nil key":          {[]string{"h"}, nil, nil},
		"nil names":        {nil, key, nil},
		"empty name":       {[]string{""}, key, nil},
		"one bad name":     {[]string{"ok", "a b"}, key, nil},
		"bad port":         {[]string{"h:99999"}, key, nil},
		"cert without key": {[]string{"h"}, &ssh.Certificate{}, nil},
		"bad marker":       {[]string{"h"}, key, &AddOptions{Marker: "@foo"}},
		"comment newline":  {[]string{"h"}, key, &AddOptions{Comment: "a\nb"}},
		"hashed pattern":   {[]string{"*.example"}, key, &AddOptions{Hash: true}},
	} {
		err := f.Add(tc.names, tc.key, tc.opts)
		var ae *AddError
		assert.ErrorAs(t, err, &ae, name)
	}
	assert.EqualError(t, f.Add([]string{"h:99999"}, key, nil), `knownhosts: cannot add host name "h:99999": invalid port "99999"`)
	assert.EqualError(t, f.Add([]string{"h"}, nil, nil), `knownhosts: cannot add: no key`)
	assert.Len(t, f.Lines, 1, "nothing added")
}

func TestNilInputs(t *testing.T) {
	db := New(Options{}, nil, parseString(t, "h "+k1+"\n"), nil)
	assert.Len(t, db.Files(), 1)
	assert.Error(t, db.Check("h", nil))
	assert.Error(t, db.HostKeyCallback()("h:22", nil, nil))
	assert.Nil(t, db.Explain("h", nil, db.Check("h", nil)))
	assert.Empty(t, db.HostKeys(""))
	assert.NotEmpty(t, db.HostKeyAlgorithms(""))
	db, err := Open()
	require.NoError(t, err)
	assert.Empty(t, db.Files())
}
