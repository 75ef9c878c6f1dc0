package fingerprint

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/internal/keyline"
	"github.com/hostkeys/hostkeys/internal/sshkey"
	"github.com/hostkeys/hostkeys/internal/wire"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func blobOf(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = wire.AppendString(b, p)
	}
	return b
}

func mpints(typ string, ints ...*big.Int) []byte {
	b := wire.AppendString(nil, []byte(typ))
	for _, n := range ints {
		b = wire.AppendMPInt(b, n)
	}
	return b
}

func bigBits(bits int) *big.Int {
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	return n.Add(n, big.NewInt(12345))
}

func TestParsePublicKeyTypes(t *testing.T) {
	k1 := mustKey(t, k1Text)
	tests := []struct {
		name   string
		blob   []byte
		typ    string
		label  string
		bits   int
		opaque bool
		known  bool
	}{
		{"ed25519", k1.Marshal(), "ssh-ed25519", "ED25519", 256, false, true},
		{"dsa", mpints("ssh-dss", bigBits(1024), bigBits(160), bigBits(1000), bigBits(1000)), "ssh-dss", "DSA", 1024, true, true},
		{"dsa 2048", mpints("ssh-dss", bigBits(2048), bigBits(256), bigBits(2000), bigBits(2000)), "ssh-dss", "DSA", 2048, true, true},
		{"rsa even exponent", mpints("ssh-rsa", big.NewInt(65536), bigBits(2048)), "ssh-rsa", "RSA", 2048, true, true},
		{"rsa", mpints("ssh-rsa", big.NewInt(65537), bigBits(3072)), "ssh-rsa", "RSA", 3072, false, true},
		{"rsa alias in blob", mpints("rsa-sha2-512", big.NewInt(65537), bigBits(2048)), "ssh-rsa", "RSA", 2048, false, true},
		{"rsa short name", mpints("RSA", big.NewInt(65537), bigBits(2048)), "ssh-rsa", "RSA", 2048, false, true},
		{"ed448", blobOf([]byte("ssh-ed448"), make([]byte, 57)), "ssh-ed448", "ED448", 456, true, false},
		{"unknown", blobOf([]byte("foo-bar-v1@example.com"), []byte("data")), "foo-bar-v1@example.com", "unknown", 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePublicKey(tt.blob)
			require.NoError(t, err)
			assert.Equal(t, tt.typ, k.Type())
			assert.Equal(t, tt.label, TypeLabel(k))
			assert.Equal(t, tt.bits, Bits(k))
			assert.Equal(t, tt.known, OpenSSHKnows(k))
			_, isOpaque := k.(*OpaqueKey)
			assert.Equal(t, tt.opaque, isOpaque)
			// Parsing the canonical blob again gives the same key.
			k2, err := ParsePublicKey(k.Marshal())
			require.NoError(t, err)
			assert.Equal(t, k.Marshal(), k2.Marshal())
		})
	}
}

func TestParsePublicKeyCanonicalFingerprint(t *testing.T) {
	n := bigBits(2048)
	canon := mpints("ssh-rsa", big.NewInt(65537), n)
	padded := wire.AppendString(nil, []byte("ssh-rsa"))
	padded = wire.AppendMPInt(padded, big.NewInt(65537))
	padded = wire.AppendString(padded, append([]byte{0, 0, 0}, n.Bytes()...))
	k, err := ParsePublicKey(padded)
	require.NoError(t, err)
	assert.Equal(t, canon, k.Marshal(), "OpenSSH fingerprints the re-encoded key")
	assert.Equal(t, OfBlob(canon, SHA256), Of(k, SHA256))
}

func TestParsePublicKeyRejects(t *testing.T) {
	tests := []struct {
		name, reason string
		blob         []byte
	}{
		{"empty", "cannot read the key type", nil},
		{"truncated type", "cannot read the key type", []byte{0, 0, 0, 9, 's'}},
		{"nul in type", "cannot read the key type", blobOf([]byte("ssh\x00rsa"))},
		{"empty type", "empty key type", blobOf([]byte(""))},
		{"unprintable type", "not printable", blobOf([]byte("ssh\x01x"))},
		{"rsa 768", "below OpenSSH's minimum of 1024", mpints("ssh-rsa", big.NewInt(65537), bigBits(768))},
		{"rsa 16385", "integer too large", mpints("ssh-rsa", big.NewInt(65537), bigBits(16384+1))},
		{"rsa negative", "negative integer", wire.AppendString(mpints("ssh-rsa", big.NewInt(3)), []byte{0x80, 1})},
		{"rsa truncated", "bad RSA integers", mpints("ssh-rsa", big.NewInt(65537))},
		{"ed25519 short", "Ed25519 key of 31 bytes", blobOf([]byte("ssh-ed25519"), make([]byte, 31))},
		{"ed25519 trailing", "trailing data", append(blobOf([]byte("ssh-ed25519"), make([]byte, 32)), 0)},
		{"ecdsa wrong curve", "does not match", blobOf([]byte("ecdsa-sha2-nistp256"), []byte("nistp384"), []byte{4})},
		{"ecdsa off curve", "not on the curve", blobOf([]byte("ecdsa-sha2-nistp256"), []byte("nistp256"), append([]byte{4}, bytes.Repeat([]byte{7}, 64)...))},
		{"ecdsa compressed", "uncompressed", blobOf([]byte("ecdsa-sha2-nistp256"), []byte("nistp256"), append([]byte{2}, bytes.Repeat([]byte{7}, 32)...))},
		{"ecdsa short name", "names no curve", blobOf([]byte("ECDSA"), []byte("nistp256"), []byte{4})},
		{"ecdsa-sk short name", "names no curve", blobOf([]byte("ecdsa-sk"), []byte("nistp256"), []byte{4})},
		{"ed448 short", "57 bytes", blobOf([]byte("ssh-ed448"), make([]byte, 32))},
		{"cert truncated", "truncated", blobOf([]byte(ssh.CertAlgoED25519v01), []byte("nonce"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePublicKey(tt.blob)
			require.Error(t, err)
			var ke *KeyError
			require.True(t, errors.As(err, &ke), "%T", err)
			assert.Contains(t, err.Error(), tt.reason)
			assert.Equal(t, "fingerprint: "+ke.Reason, err.Error(), "Reason is the message without the prefix")
		})
	}
}

func TestOpaqueKeyVerify(t *testing.T) {
	k, err := ParsePublicKey(blobOf([]byte("ssh-ed448"), make([]byte, 57)))
	require.NoError(t, err)
	assert.ErrorIs(t, k.Verify([]byte("x"), &ssh.Signature{Format: "ssh-ed448"}), ErrUnsupportedKey)
	d, err := ParsePublicKey(mpints("ssh-dss", bigBits(1024), bigBits(160), bigBits(1000), bigBits(1000)))
	require.NoError(t, err)
	assert.Error(t, d.Verify([]byte("x"), &ssh.Signature{Format: "ssh-dss", Blob: make([]byte, 40)}))
	assert.Error(t, d.Verify([]byte("x"), &ssh.Signature{Format: "ssh-rsa", Blob: make([]byte, 40)}))
	assert.Nil(t, d.(*OpaqueKey).Certificate())
}

func TestParseKeyText(t *testing.T) {
	k1 := mustKey(t, k1Text)
	b64 := base64.StdEncoding.EncodeToString(k1.Marshal())
	tests := []struct {
		in, rest, err string
	}{
		{k1Text, "", ""},
		{k1Text + " a comment ", "a comment ", ""},
		{"ssh-ed25519\t \t" + b64 + "\t\tc", "c", ""},
		{k1Text + "\r", "", ""},
		{"ssh-ed25519", "", "no key after the type name"},
		{"ssh-ed25519 ", "", `no key after the type name "ssh-ed25519"`},
		{"", "", "empty line"},
		{" ssh-ed25519 x", "", "line starts with a blank"},
		{"ssh-ed25519 " + b64[:len(b64)-1], "", "invalid base64"},
		{"ssh-rsa " + b64, "", `key type mismatch: the line says "ssh-rsa", the key is "ssh-ed25519"`},
		{"foo-v1 " + b64, "", `unknown key type "foo-v1"`},
		{"ecdsa-sha2-nistp384 " + strings.Fields(kecText)[1], "", "key type mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, rest, err := ParseKeyText(tt.in)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				var ke *KeyError
				require.ErrorAs(t, err, &ke, "ParseKeyText's errors are all *KeyError")
				assert.Equal(t, "fingerprint: "+ke.Reason, err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.rest, rest)
		})
	}
}

func TestRandomartMatchesSSHKeygen(t *testing.T) {
	// ssh-keygen -lv -f known_hosts, K1 (research vectors).
	const want = `+--[ED25519 256]--+
|   o  ..+o..     |
|  o o.oo .+      |
| o   *o... o     |
|  E   +++   .    |
| o o  +oSo+  .   |
|o .  . .o  =.    |
|oo   ..+o ...    |
|+o  o *+.. ...   |
|o    + ++..  ..  |
+----[SHA256]-----+`
	assert.Equal(t, want, Randomart(mustKey(t, k1Text), SHA256))
}

func TestRandomartTitles(t *testing.T) {
	fp := OfBlob([]byte("x"), MD5)
	top := func(label string, bits int) string {
		return strings.SplitN(randomart(fp, label, bits), "\n", 2)[0]
	}
	assert.Equal(t, "+---[RSA 4096]----+", top("RSA", 4096))
	assert.Equal(t, "+-[ED25519-CERT]--+", top("ED25519-CERT", 256))
	// "[ED25519-SK-CERT]" is 17 bytes: OpenSSH's snprintf cuts the last one.
	assert.Equal(t, "+[ED25519-SK-CERT-+", top("ED25519-SK-CERT", 256))
	bottom := strings.Split(randomart(fp, "RSA", 1), "\n")[10]
	assert.Equal(t, "+------[MD5]------+", bottom)
}

// TestNamesMatchEngine: the public names are spelled out for go doc, and
// must stay those of the engines.
func TestNamesMatchEngine(t *testing.T) {
	assert.Equal(t, sshkey.KeyAlgoDSA, KeyAlgoDSA)
	assert.Equal(t, sshkey.CertAlgoDSAv01, CertAlgoDSAv01)
	assert.Equal(t, sshkey.KeyAlgoED448, KeyAlgoED448)
	assert.Equal(t, keyline.CertAuthority, string(CertAuthority))
	assert.Equal(t, keyline.Revoked, string(Revoked))
	assert.Equal(t, keyline.MaxLineLength, MaxLineLength)
}
