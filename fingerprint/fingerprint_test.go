package fingerprint

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// Test keys from the research vectors (../shared/research/knownhosts.md).
const (
	k1Text  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"
	kecText = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNL/mRy7vPfv4Pk7DkKZb1EgGzFb5ME3wiGkaUMZnTHa6AouXLPhC3NEitH7+xk6hp7agM7BAsH06R6t2M/gweo="
	k1SHA   = "SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw"
	k1MD5   = "MD5:78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:58"
	kecSHA  = "SHA256:ZN3wjlahQJ3EoJqZvKliQS6dOSlOk9gXAjsX9tijSxo"
	kecMD5  = "MD5:ef:a4:01:17:eb:79:d8:e9:04:67:18:62:cf:01:42:6b"
)

func mustKey(t *testing.T, text string) ssh.PublicKey {
	t.Helper()
	k, _, err := ParseKeyText(text)
	require.NoError(t, err)
	return k
}

func TestOfMatchesSSHKeygenVectors(t *testing.T) {
	k1 := mustKey(t, k1Text)
	kec := mustKey(t, kecText)
	assert.Equal(t, k1SHA, Of(k1, SHA256).String())
	assert.Equal(t, k1MD5, Of(k1, MD5).String())
	assert.Equal(t, kecSHA, Of(kec, SHA256).String())
	assert.Equal(t, kecMD5, Of(kec, MD5).String())
	assert.Equal(t, 256, Bits(k1))
	assert.Equal(t, "ED25519", TypeLabel(k1))
	assert.Equal(t, "ECDSA", TypeLabel(kec))
	assert.True(t, strings.HasPrefix(Of(k1, SHA1).String(), "SHA1:"))
	assert.Len(t, Of(k1, SHA1).Sum, 20)
	assert.Equal(t, Fingerprint{}, OfBlob([]byte("x"), Hash(9)))
	assert.Equal(t, "invalid fingerprint", Fingerprint{}.String())
}

func TestParse(t *testing.T) {
	k1 := mustKey(t, k1Text)
	sha := Of(k1, SHA256)
	md := Of(k1, MD5)
	sha1 := Of(k1, SHA1)
	tests := []struct {
		in    string
		want  Fingerprint
		label string
	}{
		{k1SHA, sha, ""},
		{"sha256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw", sha, ""},
		{"  SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw  ", sha, ""},
		{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw=", sha, ""},
		{"+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw", sha, ""},
		{"+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw=", sha, ""},
		{sha.Hex(), sha, ""},
		{strings.ToUpper(sha.Hex()), sha, ""},
		{"SHA256:" + sha.Hex(), sha, ""},
		{k1MD5, md, ""},
		{"78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:58", md, ""},
		{"78:56:3A:66:88:0C:E3:D4:E2:36:73:FD:22:AC:7A:58", md, ""},
		{"7856" + "3a66880ce3d4e23673fd22ac7a58", md, ""},
		{"md5:7856" + "3a66880ce3d4e23673fd22ac7a58", md, ""},
		{"78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:58 (ED25519)", md, "ED25519"},
		{"78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:58 (ed25519)", md, "ED25519"},
		{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw (RSA)", sha, "RSA"},
		{"256 SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw example.com,192.0.2.10 (ED25519)", sha, "ED25519"},
		{"256 MD5:78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:58 host?.example.com (ED25519)", md, "ED25519"},
		{"256 SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw (ED25519) (ED25519)", sha, "ED25519"}, // the comment is "(ED25519)"
		{"256 SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw no comment (ED25519)", sha, "ED25519"},
		// What ssh prints: an unknown host, a changed key (two lines), VisualHostKey.
		{"ED25519 key fingerprint is SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw.", sha, "ED25519"},
		{"ED25519 key fingerprint is MD5:78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:58.", md, "ED25519"},
		{"RSA key fingerprint is SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw.", sha, "RSA"},
		{"The fingerprint for the ED25519 key sent by the remote host is\nSHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw.", sha, "ED25519"},
		{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw.", sha, ""},
		{"Host key fingerprint is SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw", sha, ""},
		{sha1.String(), sha1, ""},
		{sha1.Hex(), sha1, ""},
		{"(ED25519-CERT)" + "", Fingerprint{}, ""}, // error, below
	}
	for _, tt := range tests[:len(tests)-1] {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			require.NoError(t, err)
			assert.True(t, got.Equal(tt.want), "got %v want %v", got, tt.want)
			assert.Equal(t, tt.label, got.KeyType)
			if tt.label == "" || tt.label == "ED25519" {
				assert.True(t, got.Matches(k1))
			} else {
				assert.False(t, got.Matches(k1), "label %s must not match an ED25519 key", tt.label)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "empty"},
		{"   ", "empty"},
		{"SHA256:", "empty digest"},
		{"SHA256:abc", "want 32 bytes of base64"},
		{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHT!", "want 32 bytes"},
		{"MD5:78:56:3a", "3 bytes, want 16"},
		{"MD5:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw", "hex pairs"},
		{"78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a", "15 colon-separated bytes fit no digest"},
		{"78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:5g", `byte 16 is "5g"`},
		{"78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:58 (RAS)", `unknown key type label "RAS"`},
		{"(RSA)", "no fingerprint before"},
		{"hello world", `"hello" is not a recognised digest`},
		{"deadbeef", "not a recognised digest"},
		{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw)", `want 32 bytes of base64 (43 characters without padding), got "+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw)"`},
		// Trailing text is an error that names it, never dropped.
		{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw SHA256:ZN3wjlahQJ3EoJqZvKliQS6dOSlOk9gXAjsX9tijSxo", `unexpected text "SHA256:ZN3w`},
		{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw (RSA) trailing", `unexpected text "trailing" after the key type label`},
		{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw (ED25519) (RSA)", `unexpected text "(RSA)" after the key type label`},
		{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw my comment", `unexpected text "my comment" after the fingerprint`},
		{"SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw (RSA", `unbalanced parenthesis in "(RSA"`},
		{"256 SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw comment", "ends with a key type label"},
		{"256 SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw", "ends with a key type label"},
		{"ED25519 key fingerprint is SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw. Are you sure", `unexpected text "Are you sure"`},
		{"ED25519 key fingerprint is", `no fingerprint after "is"`},
		{"EDDSA key fingerprint is SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw.", `unknown key type label "EDDSA"`},
		// Errors say what was seen.
		{"SHA512:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw", "unsupported digest SHA512"},
		{"sha384:abc", "unsupported digest SHA384"},
		{"ssh-ed25519:abc", `unknown prefix "ssh-ed25519:"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			require.Error(t, err)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.in, pe.Input)
			assert.Contains(t, err.Error(), tt.reason)
			assert.True(t, strings.HasPrefix(err.Error(), "fingerprint: cannot parse "))
			assert.False(t, strings.HasPrefix(pe.Reason, "fingerprint: "), pe.Reason)
			if pe.Part != "" {
				assert.Contains(t, pe.Input, pe.Part)
			}
		})
	}
}

func TestEqualAndMatches(t *testing.T) {
	k1 := mustKey(t, k1Text)
	kec := mustKey(t, kecText)
	fp := Of(k1, SHA256)
	assert.True(t, fp.Equal(Of(k1, SHA256)))
	assert.False(t, fp.Equal(Of(kec, SHA256)))
	assert.False(t, fp.Equal(Of(k1, MD5)), "different hashes never match")
	assert.False(t, Fingerprint{}.Equal(Fingerprint{}), "the zero fingerprint matches nothing")
	assert.False(t, Fingerprint{Hash: SHA256, Sum: []byte{1}}.Equal(Fingerprint{Hash: SHA256, Sum: []byte{1}}))
	assert.True(t, fp.Matches(k1))
	assert.False(t, fp.Matches(kec))
	assert.False(t, fp.Matches(nil))
	fp.KeyType = "ECDSA"
	assert.False(t, fp.Matches(k1), "a label that disagrees with the key rejects it")
}

func TestHashString(t *testing.T) {
	assert.Equal(t, "SHA256", SHA256.String())
	assert.Equal(t, "MD5", MD5.String())
	assert.Equal(t, "SHA1", SHA1.String())
	assert.Equal(t, "Hash(7)", Hash(7).String())
	assert.Equal(t, 0, Hash(7).Size())
}
