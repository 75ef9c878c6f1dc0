package sshfp

import (
	"bytes"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/internal/sshfprr"
)

// Algorithm is the public key algorithm field of an SSHFP record
// (IANA "SSHFP RR Types for public key algorithms").
type Algorithm uint8

// Algorithm numbers from RFC 4255, 6594, 7479 and 8709.
const (
	AlgorithmReserved Algorithm = 0 // reserved
	RSA               Algorithm = 1 // RSA
	DSA               Algorithm = 2 // DSA
	ECDSA             Algorithm = 3 // ECDSA
	Ed25519           Algorithm = 4 // Ed25519
	Ed448             Algorithm = 6 // Ed448
)

// String returns the algorithm's name, or its number for values that have
// no name ("5" is what OpenSSH used for XMSS, never registered).
func (a Algorithm) String() string {
	switch a {
	case AlgorithmReserved:
		return "reserved"
	case RSA:
		return "RSA"
	case DSA:
		return "DSA"
	case ECDSA:
		return "ECDSA"
	case Ed25519:
		return "Ed25519"
	case Ed448:
		return "Ed448"
	}
	return "algorithm " + strconv.Itoa(int(a))
}

// FingerprintType is the fingerprint type field of an SSHFP record
// (IANA "SSHFP RR types for fingerprint types").
type FingerprintType uint8

// Fingerprint types from RFC 4255 and 6594.
const (
	FingerprintReserved FingerprintType = 0 // reserved
	SHA1                FingerprintType = 1 // SHA-1
	SHA256              FingerprintType = 2 // SHA-256
)

// String returns "SHA-1", "SHA-256", "reserved", or "type N".
func (t FingerprintType) String() string {
	switch t {
	case FingerprintReserved:
		return "reserved"
	case SHA1:
		return "SHA-1"
	case SHA256:
		return "SHA-256"
	}
	return "type " + strconv.Itoa(int(t))
}

// Size returns the digest length in bytes for a known type, and 0 otherwise.
func (t FingerprintType) Size() int {
	switch t {
	case SHA1:
		return 20
	case SHA256:
		return 32
	}
	return 0
}

// Record is one SSHFP resource record.
type Record struct {
	// Name is the owner name exactly as written or given: ssh-keygen -r
	// prints it verbatim, so "host" stays relative and "host." absolute.
	Name        string
	Algorithm   Algorithm
	Type        FingerprintType
	Fingerprint []byte // the digest, as-is in the RDATA
}

// String returns the record as ssh-keygen -r prints it:
//
//	host.example.test IN SSHFP 4 2 da7d8aba...
func (r Record) String() string {
	return fmt.Sprintf("%s IN SSHFP %d %d %s", r.Name, r.Algorithm, r.Type, hex.EncodeToString(r.Fingerprint))
}

// Generic returns the record in the RFC 3597 form that ssh-keygen -r -g
// prints, for DNS servers that do not know the SSHFP type:
//
//	host.example.test IN TYPE44 \# 34 04 02 da7d8aba...
func (r Record) Generic() string {
	return fmt.Sprintf("%s IN TYPE44 \\# %d %02x %02x %s", r.Name, 2+len(r.Fingerprint),
		uint8(r.Algorithm), uint8(r.Type), hex.EncodeToString(r.Fingerprint))
}

// Equal reports whether r and s have the same algorithm, fingerprint type
// and digest. Names are not compared.
func (r Record) Equal(s Record) bool {
	return r.Algorithm == s.Algorithm && r.Type == s.Type && bytes.Equal(r.Fingerprint, s.Fingerprint)
}

// Matches reports whether the record is a fingerprint of key: same
// algorithm, a known fingerprint type, and the same digest (compared in
// constant time). A certificate matches through the key it certifies.
func (r Record) Matches(key ssh.PublicKey) bool {
	if r.Type.Size() == 0 || len(r.Fingerprint) != r.Type.Size() {
		return false
	}
	alg, blob, err := plainKey(key)
	if err != nil || alg != r.Algorithm {
		return false
	}
	return subtle.ConstantTimeCompare(sshfprr.Digest(blob, uint8(r.Type)), r.Fingerprint) == 1
}

// AlgorithmOf returns the SSHFP algorithm of key, looking through
// certificates to the certified key, or AlgorithmReserved for key types
// SSHFP has no number for (security keys, unknown types).
func AlgorithmOf(key ssh.PublicKey) Algorithm {
	alg, _, err := plainKey(key)
	if err != nil {
		return AlgorithmReserved
	}
	return alg
}

// UnsupportedKeyError reports a key type that has no SSHFP algorithm
// number, such as a security key ("sk-ssh-ed25519@openssh.com").
type UnsupportedKeyError struct {
	Type string // the key's type name
}

func (e *UnsupportedKeyError) Error() string {
	return fmt.Sprintf("sshfp: no SSHFP algorithm for key type %q", e.Type)
}

// ForKey returns the SSHFP records of key for the owner name: SHA-1 then
// SHA-256, the order ssh-keygen -r prints them in. A host certificate is
// hashed as the key it certifies, which is what ssh compares with DNS.
// Key types without an SSHFP algorithm number give an
// [*UnsupportedKeyError].
func ForKey(name string, key ssh.PublicKey) ([]Record, error) {
	alg, blob, err := plainKey(key)
	if err != nil {
		return nil, err
	}
	recs := make([]Record, 0, len(sshfprr.FingerprintTypes))
	for _, t := range sshfprr.FingerprintTypes {
		recs = append(recs, Record{Name: name, Algorithm: alg, Type: FingerprintType(t),
			Fingerprint: sshfprr.Digest(blob, t)})
	}
	return recs, nil
}

// plainKey returns the SSHFP algorithm and the wire blob SSHFP digests are
// taken over: the key itself, or for a certificate the certified key.
func plainKey(key ssh.PublicKey) (Algorithm, []byte, error) {
	alg, blob, err := sshfprr.Plain(key)
	if err != nil {
		return 0, nil, fmt.Errorf("sshfp: %w", err)
	}
	if alg == 0 {
		return 0, nil, &UnsupportedKeyError{Type: key.Type()}
	}
	return Algorithm(alg), blob, nil
}
