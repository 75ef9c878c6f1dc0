package knownhosts

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/hostkeys/hostkeys/fingerprint"
)

func TestExplain(t *testing.T) {
	host, other, ca := newSigner(t), newSigner(t), newSigner(t)
	K, O := keyText(host.PublicKey()), keyText(other.PublicKey())
	fp := fingerprint.Of(host.PublicKey(), fingerprint.SHA256).String()
	db := New(Options{},
		parseString(t, "# mine\nchanged.example "+O+"\n[changed.example]:2222 "+O+"\n"),
		parseString(t, "@revoked revoked.example "+K+"\nrevoked.example "+K+"\n"))
	files := []string{db.names[0], db.names[1]}
	cert := hostCert(t, ca, host.PublicKey(), "new.example")

	explain := func(addr string) *KeyProblem {
		err := db.HostKeyCallback()(addr, nil, cert)
		require.Error(t, err, addr)
		p := db.Explain(addr, cert, err)
		require.NotNil(t, p, addr)
		assert.Equal(t, host.PublicKey(), p.Key, "a certificate's plain key")
		assert.Equal(t, files, p.Files)
		assert.Equal(t, files[0], p.AddTo)
		assert.Equal(t, "knownhosts: "+p.Summary(), p.Error())
		return p
	}

	p := explain("New.Example:2222")
	assert.True(t, IsHostUnknown(p), "errors.As finds x/crypto's error through KeyProblem")
	assert.Equal(t, "[new.example]:2222", p.Name)
	assert.Equal(t, "host key not known: no key for [new.example]:2222 in "+files[0]+", "+files[1]+"; it offered ED25519 key "+fp, p.Summary())
	assert.Equal(t, []string{
		"nothing is trusted on first use: check that " + fp + " is the host's key (ask its administrator, or run ssh-keygen -lf on its /etc/ssh/ssh_host_*_key.pub), then add this line to " + files[0] + ":",
		"  [new.example]:2222 " + K,
	}, p.Hints())

	p = explain("changed.example:22")
	assert.True(t, IsHostKeyChanged(p))
	assert.Equal(t, "host key changed: it offered ED25519 key "+fp+", but "+files[0]+":2 holds another key for changed.example; someone may be intercepting the connection", p.Summary())
	assert.Equal(t, []string{
		"if the host's key was replaced on purpose (check " + fp + " with its administrator), remove the old key with: ssh-keygen -f " + files[0] + " -R 'changed.example'",
		"then add this line to " + files[0] + ":",
		"  changed.example " + K,
	}, p.Hints())

	p = explain("revoked.example")
	var re *xknownhosts.RevokedError
	assert.True(t, errors.As(p, &re))
	assert.Equal(t, "host key revoked: it offered ED25519 key "+fp+", revoked for revoked.example at "+files[1]+":1", p.Summary())
	assert.Len(t, p.Hints(), 1)

	assert.Nil(t, db.Explain("x", host.PublicKey(), nil))
	assert.Nil(t, db.Explain("x", host.PublicKey(), errors.New("ssh: handshake failed: EOF")))
	assert.Nil(t, db.Explain("x", nil, &xknownhosts.KeyError{}))
}

// TestExplainMissingFiles: the files skipped as missing are named too,
// and the first is where to add the key.
func TestExplainMissingFiles(t *testing.T) {
	host := newSigner(t)
	home := t.TempDir()
	db, err := OpenOptions(Options{SkipMissing: true}, DefaultFiles(home)[:2]...)
	require.NoError(t, err)
	err = db.Check("h.example", host.PublicKey())
	p := db.Explain("h.example", host.PublicKey(), err)
	require.NotNil(t, p)
	assert.Equal(t, DefaultFiles(home)[:2], p.Files)
	assert.Equal(t, DefaultFiles(home)[0], p.AddTo)
	assert.Contains(t, p.Summary(), "no key for h.example in "+home+"/.ssh/known_hosts, "+home+"/.ssh/known_hosts2;")
}
