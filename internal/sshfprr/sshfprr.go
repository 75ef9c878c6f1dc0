// Package sshfprr computes the data of SSHFP resource records (RFC 4255)
// from SSH public keys: the algorithm number of a key type and the digests
// of a key blob. It is what package sshfp and package keyscan share, without
// the DNS dependencies of sshfp.
package sshfprr

import (
	"fmt"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/wire"
)

// SSHFP fingerprint types (RFC 4255, 6594).
const (
	SHA1   uint8 = 1
	SHA256 uint8 = 2
)

// FingerprintTypes are the fingerprint types with a digest, in the order
// ssh-keygen -r and ssh-keyscan -D print them.
var FingerprintTypes = [...]uint8{SHA1, SHA256}

// Algorithm returns the SSHFP algorithm number (RFC 4255, 6594, 7479, 8709)
// of an SSH key type name, or 0 (reserved) for types without one:
// certificates, security keys, unknown types.
func Algorithm(keyType string) uint8 {
	switch keyType {
	case ssh.KeyAlgoRSA:
		return 1
	case fingerprint.KeyAlgoDSA:
		return 2
	case ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521:
		return 3
	case ssh.KeyAlgoED25519:
		return 4
	case fingerprint.KeyAlgoED448:
		return 6
	}
	return 0
}

// Hash returns the digest of fingerprint type t, or 0 for a type without
// one.
func Hash(t uint8) fingerprint.Hash {
	switch t {
	case SHA1:
		return fingerprint.SHA1
	case SHA256:
		return fingerprint.SHA256
	}
	return 0
}

// Type returns the fingerprint type of digest h, or 0 for a digest SSHFP
// has no type for (MD5).
func Type(h fingerprint.Hash) uint8 {
	switch h {
	case fingerprint.SHA1:
		return SHA1
	case fingerprint.SHA256:
		return SHA256
	}
	return 0
}

// Digest returns the fingerprint of type t of a wire-format key blob, or
// nil for a type without a digest.
func Digest(blob []byte, t uint8) []byte {
	if Hash(t) == 0 {
		return nil
	}
	return fingerprint.OfBlob(blob, Hash(t)).Sum
}

// Plain returns the SSHFP algorithm number of key and the blob its SSHFP
// digests are taken over: the key itself, or for a certificate the key it
// certifies ([fingerprint.PlainBlob], which also covers the DSA certificates
// x/crypto cannot represent). The algorithm is 0 for key types SSHFP has no
// number for; err is set only for a blob without a readable type name.
func Plain(key ssh.PublicKey) (alg uint8, blob []byte, err error) {
	blob = fingerprint.PlainBlob(key)
	typ, err := wire.NewReader(blob).CString()
	if err != nil {
		return 0, nil, fmt.Errorf("malformed key: %w", err)
	}
	return Algorithm(typ), blob, nil
}
