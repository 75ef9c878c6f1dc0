package fingerprint

import (
	"bytes"

	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"github.com/hostkeys/hostkeys/internal/sshkey"
	"golang.org/x/crypto/ssh"
)

// Key type names that golang.org/x/crypto/ssh does not define or no longer parses.
const (
	KeyAlgoDSA     = "ssh-dss"
	CertAlgoDSAv01 = "ssh-dss-cert-v01@openssh.com"
	KeyAlgoED448   = "ssh-ed448"
)

// ErrUnsupportedKey is returned by [OpaqueKey.Verify]: an opaque key can be
// listed and fingerprinted but not used to check signatures.
var ErrUnsupportedKey = errors.New("fingerprint: key type not supported for signature verification")

// KeyError reports a key blob or key text that OpenSSH would reject.
// [ParsePublicKey] and [ParseKeyText] return it.
type KeyError struct {
	// Type is the type name at the start of the blob or text, if one
	// could be read.
	Type string
	// Reason says what is wrong in words that stand alone, as the message
	// prints it after the "fingerprint: " prefix ("invalid ssh-ed25519
	// key: truncated Ed25519 key"), for callers that put it in messages
	// of their own.
	Reason string
}

func (e *KeyError) Error() string { return "fingerprint: " + e.Reason }

// keyError turns the engine's errors into a *KeyError.
func keyError(err error) error {
	var e *sshkey.Error
	if errors.As(err, &e) {
		return &KeyError{Type: e.Type, Reason: e.Reason}
	}
	return &KeyError{Reason: err.Error()}
}

// OpaqueKey is a public key that golang.org/x/crypto/ssh cannot represent:
// ssh-dss keys and certificates, ssh-ed448, key types unknown to both
// OpenSSH and x/crypto, and the rare well-formed key whose re-encoding by
// x/crypto would change its fingerprint. It implements [ssh.PublicKey] so
// that lists of keys stay uniform; its Verify method only works for DSA.
type OpaqueKey struct {
	typ   string
	blob  []byte
	plain []byte // for certificates: the certified key's canonical blob
	bits  int
	known bool // OpenSSH 9.x parses this type

	parsed *sshkey.Key
	cert   *ssh.Certificate // when x/crypto can still represent the certificate
}

// Type returns the key type name, such as "ssh-dss".
func (k *OpaqueKey) Type() string { return k.typ }

// Marshal returns the key blob in OpenSSH's canonical wire form.
func (k *OpaqueKey) Marshal() []byte { return bytes.Clone(k.blob) }

// Bits returns the key size as ssh-keygen -l prints it, or 0 if unknown.
func (k *OpaqueKey) Bits() int { return k.bits }

// Certificate returns the certificate as x/crypto parsed it, if this key
// is a certificate that x/crypto can represent, or nil.
func (k *OpaqueKey) Certificate() *ssh.Certificate { return k.cert }

// Verify checks an ssh-dss signature, made by the key or, for a DSA
// certificate, by the certified key. For any other key type it returns
// [ErrUnsupportedKey].
func (k *OpaqueKey) Verify(data []byte, sig *ssh.Signature) error {
	if k.parsed == nil || k.parsed.DSA == nil {
		return ErrUnsupportedKey
	}
	return sshkey.VerifyDSA(k.parsed.DSA, data, sig)
}

// ParsePublicKey parses a wire-format public key blob with the rules of
// OpenSSH 9.x's sshkey_from_blob: RSA moduli of 1024 to 16384 bits, EC
// points on the curve and of full order, certificates whose CA signature
// verifies, no trailing data. It returns x/crypto's own types where x/crypto
// can represent the key exactly, so type assertions such as
// key.(*ssh.Certificate) keep working, and an [*OpaqueKey] otherwise
// (ssh-dss, ssh-ed448, unknown types). Unknown types are accepted as long as
// the blob starts with a type name; [OpenSSHKnows] tells them apart.
func ParsePublicKey(blob []byte) (ssh.PublicKey, error) {
	p, err := sshkey.Parse(blob)
	if err != nil {
		return nil, keyError(err)
	}
	return publicKey(p), nil
}

// OpenSSHKnows reports whether OpenSSH 9.x can use keys of this type
// (ssh-keygen -l lists them; ssh-keygen -l skips the others).
func OpenSSHKnows(key ssh.PublicKey) bool {
	switch k := key.(type) {
	case *OpaqueKey:
		return k.known
	case *ssh.Certificate:
		return OpenSSHKnows(k.Key)
	}
	return sshkey.KnownType(key.Type())
}

// Bits returns the key size in bits as ssh-keygen -l prints it: the modulus
// length for RSA and DSA, the curve size for ECDSA, 256 for Ed25519 and
// security keys, the signed key's size for a certificate, and 0 when the
// size is unknown.
func Bits(key ssh.PublicKey) int {
	switch k := key.(type) {
	case *OpaqueKey:
		return k.bits
	case *ssh.Certificate:
		return Bits(k.Key)
	}
	switch key.Type() {
	case ssh.KeyAlgoED25519, ssh.KeyAlgoSKED25519, ssh.KeyAlgoSKECDSA256:
		return 256
	}
	if ck, ok := key.(ssh.CryptoPublicKey); ok {
		switch pk := ck.CryptoPublicKey().(type) {
		case *rsa.PublicKey:
			return pk.N.BitLen()
		case *ecdsa.PublicKey:
			return pk.Curve.Params().BitSize
		}
	}
	return 0
}

// TypeLabel returns the key type as ssh-keygen prints it in parentheses:
// "RSA", "DSA", "ECDSA", "ED25519", "ECDSA-SK", "ED25519-SK", "ED448", the
// same with "-CERT" for certificates, and "unknown" for other types.
func TypeLabel(key ssh.PublicKey) string {
	return sshkey.Label(key.Type())
}

// publicKey turns the OpenSSH view into the ssh.PublicKey ParsePublicKey
// returns: x/crypto's own type where it represents the key exactly, an
// OpaqueKey otherwise.
func publicKey(p *sshkey.Key) ssh.PublicKey {
	opaque := &OpaqueKey{typ: p.Type, blob: p.Blob, bits: p.Bits, known: p.Known, parsed: p}
	if p.Cert {
		opaque.plain = p.PlainBlob
	}
	if p.Plain == KeyAlgoDSA {
		return opaque
	}
	k, err := ssh.ParsePublicKey(p.Blob)
	if err != nil {
		// ssh-ed448, unknown types, and keys valid for OpenSSH that
		// x/crypto rejects (an RSA exponent it refuses).
		return opaque
	}
	if !p.Cert {
		// x/crypto re-encodes plain keys canonically, as OpenSSH does,
		// and p.Blob is canonical already.
		return k
	}
	if bytes.Equal(k.Marshal(), p.Blob) {
		return k
	}
	// A certificate x/crypto would re-encode differently (unsorted
	// options, say): keep the exact blob, and x/crypto's reading of it.
	if c, ok := k.(*ssh.Certificate); ok {
		opaque.cert = c
	}
	return opaque
}
