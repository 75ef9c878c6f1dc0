package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVendorcheck(t *testing.T) {
	var stdout, stderr bytes.Buffer
	kh := filepath.Join("..", "testdata", "known_hosts")
	code := run([]string{"-published", filepath.Join("..", "testdata", "published.txt"), "-f", kh}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Equal(t, ""+
		"ok      SHA256:icI60hucffucBnD9B62CPlAlPQ2ViWhvPSEzGeoI/iY (ED25519): "+kh+":3 web01.example.com,192.0.2.10; "+kh+":6 |1|AAECAwQFBgcICQoLDA0ODxAREhM=|7nGoleJOFYlh0KIjqHcO+eAQzJM=\n"+
		"ok      af:39:b8:71:c8:ad:aa:57:55:cd:a5:3d:90:3c:9e:86 (ECDSA): "+kh+":4 web01.example.com,192.0.2.10; "+kh+":8 *.corp.example.com,!vpn.corp.example.com\n"+
		"MISSING SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw (ED25519) (line 5 of ../testdata/published.txt): no key in "+kh+" has it\n",
		stdout.String())
	// The broken lines of the sample are reported, not dropped.
	assert.Contains(t, stderr.String(), "known_hosts:12: invalid ssh-ed25519 key: truncated Ed25519 key")

	assert.Equal(t, 2, run([]string{"-f", kh}, &stdout, &stderr))
}
