package fingerprint

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Hash names the digest a fingerprint is made with.
type Hash uint8

// The digests OpenSSH and SSHFP records use.
const (
	SHA256 Hash = iota + 1 // SHA256
	MD5                    // MD5
	SHA1                   // SHA1
)

// String returns the name OpenSSH prints before the digest: "SHA256", "MD5"
// or "SHA1".
func (h Hash) String() string {
	switch h {
	case SHA256:
		return "SHA256"
	case MD5:
		return "MD5"
	case SHA1:
		return "SHA1"
	}
	return "Hash(" + strconv.Itoa(int(h)) + ")"
}

// Size returns the digest length in bytes, or 0 for an unknown Hash.
func (h Hash) Size() int {
	switch h {
	case SHA256:
		return sha256.Size
	case MD5:
		return md5.Size
	case SHA1:
		return sha1.Size
	}
	return 0
}

// Fingerprint is a digest of an SSH public key blob.
//
// The zero Fingerprint is invalid: it matches no key.
type Fingerprint struct {
	// Hash is the digest algorithm.
	Hash Hash
	// Sum is the raw digest, Hash.Size() bytes long.
	Sum []byte
	// KeyType is the key type label that came with a parsed fingerprint,
	// as ssh-keygen prints it in parentheses ("RSA", "ED25519"), or empty.
	// When set, [Fingerprint.Matches] also requires the key's label to be
	// equal to it.
	KeyType string
}

// Of returns the fingerprint of key with hash h. The digest is taken over
// the wire-format blob of the key, as OpenSSH does; for a certificate that
// is the certified key, not the certificate.
func Of(key ssh.PublicKey, h Hash) Fingerprint {
	return OfBlob(PlainBlob(key), h)
}

// PlainBlob returns the wire-format blob that fingerprints are made of: the
// key's own blob, or for a certificate the blob of the key it certifies.
func PlainBlob(key ssh.PublicKey) []byte {
	switch k := key.(type) {
	case *ssh.Certificate:
		return k.Key.Marshal()
	case *OpaqueKey:
		if k.plain != nil {
			return bytes.Clone(k.plain)
		}
	}
	return key.Marshal()
}

// OfBlob returns the fingerprint with hash h of a wire-format key blob.
// It returns the zero Fingerprint if h is not a known Hash.
func OfBlob(blob []byte, h Hash) Fingerprint {
	var sum []byte
	switch h {
	case SHA256:
		s := sha256.Sum256(blob)
		sum = s[:]
	case MD5:
		s := md5.Sum(blob)
		sum = s[:]
	case SHA1:
		s := sha1.Sum(blob)
		sum = s[:]
	default:
		return Fingerprint{}
	}
	return Fingerprint{Hash: h, Sum: sum}
}

// String returns the fingerprint in OpenSSH's form:
// "SHA256:" or "SHA1:" and unpadded base64, or "MD5:" and colon-separated
// lowercase hex pairs. The KeyType label is not included.
func (f Fingerprint) String() string {
	if f.Hash.Size() == 0 || len(f.Sum) != f.Hash.Size() {
		return "invalid fingerprint"
	}
	if f.Hash == MD5 {
		return "MD5:" + colonHex(f.Sum)
	}
	return f.Hash.String() + ":" + base64.RawStdEncoding.EncodeToString(f.Sum)
}

// Hex returns the digest as lowercase hex without separators, the form
// SSHFP records use.
func (f Fingerprint) Hex() string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(f.Sum))
	for _, b := range f.Sum {
		out = append(out, digits[b>>4], digits[b&15])
	}
	return string(out)
}

// Equal reports whether f and g have the same hash and digest. The digests
// are compared in constant time. KeyType labels are not compared.
func (f Fingerprint) Equal(g Fingerprint) bool {
	if f.Hash != g.Hash || f.Hash.Size() == 0 || len(f.Sum) != f.Hash.Size() || len(g.Sum) != len(f.Sum) {
		return false
	}
	return subtle.ConstantTimeCompare(f.Sum, g.Sum) == 1
}

// Matches reports whether key has fingerprint f. The digests are compared
// in constant time. If f.KeyType is set, the key's [TypeLabel] must also be
// equal to it, ignoring case.
func (f Fingerprint) Matches(key ssh.PublicKey) bool {
	if key == nil {
		return false
	}
	ok := f.Equal(Of(key, f.Hash))
	if f.KeyType != "" && !strings.EqualFold(f.KeyType, TypeLabel(key)) {
		return false
	}
	return ok
}

func colonHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 3*len(b))
	for i, c := range b {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
