package sshfp

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRootAnchors(t *testing.T) {
	var tags []uint16
	for _, rr := range RootAnchors() {
		ds := rr.(*dns.DS)
		assert.Equal(t, ".", ds.Hdr.Name)
		assert.Equal(t, uint8(dns.RSASHA256), ds.Algorithm)
		assert.Equal(t, uint8(dns.SHA256), ds.DigestType)
		assert.Len(t, ds.Digest, 64)
		tags = append(tags, ds.KeyTag)
	}
	assert.Equal(t, []uint16{20326, 38696}, tags)
	// The zero Validator uses them.
	assert.Len(t, (&Validator{}).anchors(), 2)
}

func TestReadAnchorFiles(t *testing.T) {
	z := newZone(t, "example.test.")
	dir := t.TempDir()
	ds, key, bad := filepath.Join(dir, "ds"), filepath.Join(dir, "key"), filepath.Join(dir, "bad")
	require.NoError(t, os.WriteFile(ds, []byte(z.ds().String()+"\n"), 0o644))
	require.NoError(t, os.WriteFile(key, []byte(z.ksk.String()+"\n"), 0o644))
	require.NoError(t, os.WriteFile(bad, []byte("example.test. IN A 127.0.0.1\n"), 0o644))

	got, err := ReadAnchorFiles(ds, key)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, introduces(got[0], z.ksk), "DS anchor from the first file")
	assert.True(t, introduces(got[1], z.ksk), "DNSKEY anchor from the second")

	_, err = ReadAnchorFiles(ds, filepath.Join(dir, "missing"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = ReadAnchorFiles(ds, bad)
	assert.ErrorContains(t, err, "bad")
	got, err = ReadAnchorFiles()
	assert.NoError(t, err)
	assert.Empty(t, got)
}

func TestParseAnchors(t *testing.T) {
	z := newZone(t, "example.test.")
	text := z.ds().String() + "\n" + z.ksk.String() + "\n"
	got, err := ParseAnchors(strings.NewReader(text), "anchors")
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, introduces(got[0], z.ksk), "DS anchor")
	assert.True(t, introduces(got[1], z.ksk), "DNSKEY anchor")
	assert.False(t, introduces(got[0], z.zsk))

	for _, bad := range []string{"", "example.test. IN A 127.0.0.1", "example.test. IN DS nonsense"} {
		_, err := ParseAnchors(strings.NewReader(bad), "anchors")
		assert.Error(t, err, bad)
	}
}

// TestRevokedKeyNotUsed: a key with the REVOKE flag introduces nothing.
func TestRevokedKeyNotUsed(t *testing.T) {
	w := newWorld(t)
	r := w.validating(w.zone.ksk) // a DNSKEY anchor at the zone itself
	a := lookup(t, r, "host.example.test")
	assert.Equal(t, Secure, a.Security, a.Reason)

	w2 := newWorld(t)
	revoked := dns.Copy(w2.zone.ksk).(*dns.DNSKEY)
	revoked.Flags |= dns.REVOKE
	// The key tag changes with the flag, as in RFC 5011. Change it under
	// the server's lock: its handler goroutines read the zone.
	w2.srv.set(func(*signServer) { w2.zone.ksk = revoked })
	a = lookup(t, w2.validating(w2.zone.ksk), "host.example.test")
	assert.Equal(t, Bogus, a.Security, a.Reason)
	assert.Contains(t, a.Reason, "example.test.: no DNSKEY matches the trust anchor")
}
