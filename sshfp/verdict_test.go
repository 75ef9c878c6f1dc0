package sshfp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func answerOf(t *testing.T, sec Security, lines ...string) *Answer {
	t.Helper()
	a := &Answer{Name: "host.example.test.", Exists: true, Security: sec, Reason: "test"}
	for _, l := range lines {
		r, err := ParseRecord(l)
		require.NoError(t, err, l)
		a.Records = append(a.Records, r)
	}
	return a
}

// The OpenSSH 9.2 behaviour vectors of the research report, section 7,
// and where our default policy departs from them.
func TestPolicies(t *testing.T) {
	const (
		lab1  = "h IN SSHFP 4 1 0a66521d6a1fc35b2beb6df904251a0d14e25dc4"
		lab2  = "h IN SSHFP 4 2 da7d8aba7071d08eaa8954455d72a67cecc1d8a197bacd65e4ce4ebfbe7a0c71"
		new1  = "h IN SSHFP 4 1 d637a1727e64c3ad3d3fef843aa5710071084c25"
		new2  = "h IN SSHFP 4 2 8a78cdbb43f097f4c72f52b6ae3f9e468dc35572f8fc2ed3c035539e8850906e"
		unk   = "h IN SSHFP 4 3 00112233445566778899aabbccddeeff"
		ed448 = "h IN SSHFP 6 2 d8d7fe1f64d91c7d1e35a6b97c813f7e598cf9303d38531b248c8430244625b7"
		short = "h IN SSHFP 4 2 da7d8aba"
	)
	tests := []struct {
		name    string
		records []string
		policy  Policy
		match   bool
		reason  string
	}{
		{"lab key", []string{lab1, lab2}, Policy{}, true, "secure match"},
		{"lab key strict", []string{lab1, lab2}, Policy{Strict: true}, true, "secure match"},
		{"new key only", []string{new1, new2}, Policy{}, false, "host key does not match the SSHFP records"},
		{"rotation: old and new records", []string{lab1, lab2, new1, new2}, Policy{}, true, "secure match"},
		{"rotation, OpenSSH's strict rule", []string{lab1, lab2, new1, new2}, Policy{Strict: true}, false,
			"strict policy: 2 of 4 Ed25519 records do not match"},
		{"unknown fingerprint type skipped", []string{lab1, lab2, unk}, Policy{}, true, "secure match"},
		{"unknown fingerprint type skipped, strict", []string{lab1, lab2, unk}, Policy{Strict: true}, true, "secure match"},
		{"only another algorithm", []string{ed448}, Policy{}, false, "no usable SSHFP record for ED25519 keys"},
		{"SHA-1 match, SHA-256 mismatch", []string{lab1, new2}, Policy{}, false,
			"only SHA-1 records match, and SHA-256 records that do not match are present"},
		{"SHA-1 match, SHA-256 mismatch, allowed", []string{lab1, new2}, Policy{AllowSHA1Only: true}, true, "secure match"},
		{"SHA-1 only published", []string{lab1}, Policy{}, true, "secure match"},
		{"digest of the wrong length", []string{short}, Policy{}, false, "no usable SSHFP record for ED25519 keys"},
		{"none", nil, Policy{}, false, "no SSHFP records"},
	}
	key := parseKey(t, labKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Check(key, answerOf(t, Secure, tt.records...), tt.policy)
			assert.Equal(t, tt.match, v.Match)
			assert.Equal(t, tt.match, v.Accepted())
			assert.Equal(t, tt.reason, v.Reason)
			assert.Equal(t, len(tt.records), len(v.Matched)+len(v.Mismatched)+len(v.Skipped)+len(v.Other))
		})
	}
}

func TestInsecureMatchNotAccepted(t *testing.T) {
	for _, sec := range []Security{Insecure, Bogus} {
		v := Check(parseKey(t, labKey), answerOf(t, sec,
			"h IN SSHFP 4 2 da7d8aba7071d08eaa8954455d72a67cecc1d8a197bacd65e4ce4ebfbe7a0c71"), Policy{})
		assert.True(t, v.Found)
		assert.True(t, v.Match)
		assert.False(t, v.Secure)
		assert.False(t, v.Accepted())
		assert.Equal(t, "match, but the answer is "+sec.String()+": test", v.Reason)
	}
}
