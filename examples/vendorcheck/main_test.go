package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestVendorcheck: pins bind to host names (the old vendorcheck printed
// "ok" for a pinned key found only under evil.example.com), and keys the
// list does not approve are reported.
func TestVendorcheck(t *testing.T) {
	var stdout, stderr bytes.Buffer
	kh := filepath.Join("testdata", "known_hosts")
	pins := filepath.Join("testdata", "approved.txt")
	code := run([]string{"-pins", pins, "-f", kh}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Equal(t, ""+
		"ok         web01.example.com ED25519 SHA256:icI60hucffucBnD9B62CPlAlPQ2ViWhvPSEzGeoI/iY at "+kh+":2\n"+
		"ok         web01.example.com ECDSA SHA256:41Q75GNC+t12R+gl6y/NLExaXMqhM/zqrYIZwZyU/wY at "+kh+":4 (weak: MD5 pin)\n"+
		"ok         192.0.2.10 ED25519 SHA256:icI60hucffucBnD9B62CPlAlPQ2ViWhvPSEzGeoI/iY at "+kh+":2\n"+
		"UNAPPROVED evil.example.com ED25519 SHA256:icI60hucffucBnD9B62CPlAlPQ2ViWhvPSEzGeoI/iY at "+kh+":6: required pins did not confirm the key\n"+
		"UNAPPROVED [git.example.com]:2222 ED25519 SHA256:icI60hucffucBnD9B62CPlAlPQ2ViWhvPSEzGeoI/iY at "+kh+":7: pins at "+pins+":8: the host is pinned to 1 other key(s) or CA(s): SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw (ED25519)\n"+
		"MISSING    [git.example.com]:2222: pinned, but no approved key in "+kh+"\n"+
		"MISSING    db.example.com: pinned, but no approved key in "+kh+"\n"+
		"UNCHECKED  hashed entry at "+kh+":3: no pinned host name hashes to it\n",
		stdout.String())
	assert.Empty(t, stderr.String())

	stdout.Reset()
	assert.Equal(t, 2, run([]string{"-f", kh}, &stdout, &stderr))
	assert.Equal(t, 2, run([]string{"-pins", "testdata/missing", "-f", kh}, &stdout, &stderr))
}
