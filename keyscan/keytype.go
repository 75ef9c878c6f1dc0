package keyscan

import (
	"slices"
	"strings"
)

// KeyType is a host key type as ssh-keyscan -t names it.
type KeyType string

const (
	RSA       KeyType = "rsa"
	ECDSA     KeyType = "ecdsa"
	Ed25519   KeyType = "ed25519"
	ECDSASK   KeyType = "ecdsa-sk"
	Ed25519SK KeyType = "ed25519-sk"
	DSA       KeyType = "dsa"
)

// DefaultKeyTypes returns the types scanned when [Scanner.KeyTypes] is nil,
// in a new slice: ssh-keyscan 9.x's default set. Only the types a server
// advertises in its KEXINIT cost a connection.
func DefaultKeyTypes() []KeyType { return slices.Clone(defaultKeyTypes) }

// defaultKeyTypes is never modified: the scanner reads it.
var defaultKeyTypes = []KeyType{RSA, ECDSA, Ed25519, ECDSASK, Ed25519SK}

// firstOrder is the preference for the first connection of a target, which
// accepts any requested type: the cheapest for the server to sign first.
var firstOrder = []KeyType{Ed25519, ECDSA, RSA, Ed25519SK, ECDSASK, DSA}

var keyAlgorithms = map[KeyType][2][]string{
	RSA: {
		{"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"},
		{"rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com"},
	},
	ECDSA: {
		{"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"},
		{"ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com"},
	},
	Ed25519: {
		{"ssh-ed25519"},
		{"ssh-ed25519-cert-v01@openssh.com"},
	},
	ECDSASK: {
		{"sk-ecdsa-sha2-nistp256@openssh.com"},
		{"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com"},
	},
	Ed25519SK: {
		{"sk-ssh-ed25519@openssh.com"},
		{"sk-ssh-ed25519-cert-v01@openssh.com"},
	},
	DSA: {
		{"ssh-dss"},
		{"ssh-dss-cert-v01@openssh.com"},
	},
}

// Algorithms returns the host-key algorithms that ask a server for a key
// of this type (cert false) or for a host certificate of it (cert true), in
// the order offered. It returns nil for an unknown type.
func (k KeyType) Algorithms(cert bool) []string {
	a, ok := keyAlgorithms[k]
	if !ok {
		return nil
	}
	if cert {
		return append([]string(nil), a[1]...)
	}
	return append([]string(nil), a[0]...)
}

// KeyTypeOf returns the key type a host-key algorithm (plain or
// certificate) belongs to: RSA for "rsa-sha2-512-cert-v01@openssh.com". It
// reports false for an algorithm it does not know.
func KeyTypeOf(algorithm string) (KeyType, bool) {
	for kt, a := range keyAlgorithms {
		for _, list := range a {
			for _, name := range list {
				if name == algorithm {
					return kt, true
				}
			}
		}
	}
	return "", false
}

// ParseKeyTypes parses ssh-keyscan's -t argument: a comma-separated list of
// rsa, ecdsa, ed25519, ecdsa-sk, ed25519-sk and dsa. Duplicates are dropped.
// An unknown name gives a *[KeyTypeError].
func ParseKeyTypes(s string) ([]KeyType, error) {
	var out []KeyType
	seen := map[KeyType]bool{}
	for _, name := range strings.Split(s, ",") {
		kt := KeyType(strings.TrimSpace(name))
		if _, ok := keyAlgorithms[kt]; !ok {
			return nil, &KeyTypeError{Name: name}
		}
		if !seen[kt] {
			seen[kt] = true
			out = append(out, kt)
		}
	}
	return out, nil
}
