package fingerprint

import (
	"bytes"
	"crypto/dsa" //lint:ignore SA1019 OpenSSH 9.x still accepts DSA keys and certificates signed by them; an auditor must read them.
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/hostkeys/hostkeys/internal/wire"
	"golang.org/x/crypto/ssh"
)

// Key type names that golang.org/x/crypto/ssh does not define or no longer parses.
const (
	KeyAlgoDSA        = "ssh-dss"
	CertAlgoDSAv01    = "ssh-dss-cert-v01@openssh.com"
	KeyAlgoED448      = "ssh-ed448"
	keyAlgoWebAuthnSK = "webauthn-sk-ecdsa-sha2-nistp256@openssh.com"
)

// ErrUnsupportedKey is returned by [OpaqueKey.Verify]: an opaque key can be
// listed and fingerprinted but not used to check signatures.
var ErrUnsupportedKey = errors.New("fingerprint: key type not supported for signature verification")

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

	dsa  *dsa.PublicKey   // ssh-dss and the key inside a DSA certificate
	cert *ssh.Certificate // when x/crypto can still represent the certificate
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

// Verify checks an ssh-dss signature. For any other key type it returns
// [ErrUnsupportedKey].
func (k *OpaqueKey) Verify(data []byte, sig *ssh.Signature) error {
	if k.dsa == nil || k.typ != KeyAlgoDSA {
		return ErrUnsupportedKey
	}
	return verifyDSA(k.dsa, data, sig)
}

func verifyDSA(pub *dsa.PublicKey, data []byte, sig *ssh.Signature) error {
	if sig.Format != KeyAlgoDSA {
		return fmt.Errorf("fingerprint: signature type %q for key type %q", sig.Format, KeyAlgoDSA)
	}
	if len(sig.Blob) != 40 {
		return errors.New("fingerprint: DSA signature is not 40 bytes")
	}
	if pub.Q.BitLen() != 160 {
		return errors.New("fingerprint: DSA key has a non-160-bit subgroup")
	}
	h := sha1.Sum(data)
	r := new(big.Int).SetBytes(sig.Blob[:20])
	s := new(big.Int).SetBytes(sig.Blob[20:])
	if !dsa.Verify(pub, h[:], r, s) { //lint:ignore SA1019 see import
		return errors.New("fingerprint: DSA signature verification failed")
	}
	return nil
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
	p, err := parseBlob(blob, true)
	if err != nil {
		return nil, err
	}
	return p.key()
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
	_, ok := canonicalType[key.Type()]
	return ok
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
	return typeLabel(key.Type())
}

func typeLabel(t string) string {
	cert := false
	if c, ok := certBase[t]; ok {
		t, cert = c, true
	}
	if c, ok := canonicalType[t]; ok {
		t = c
	}
	var l string
	switch t {
	case ssh.KeyAlgoRSA:
		l = "RSA"
	case KeyAlgoDSA:
		l = "DSA"
	case ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521:
		l = "ECDSA"
	case ssh.KeyAlgoED25519:
		l = "ED25519"
	case ssh.KeyAlgoSKECDSA256:
		l = "ECDSA-SK"
	case ssh.KeyAlgoSKED25519:
		l = "ED25519-SK"
	case KeyAlgoED448:
		l = "ED448"
	case ssh.KeyAlgoMLDSA44:
		l = "ML-DSA-44"
	case ssh.KeyAlgoMLDSA65:
		l = "ML-DSA-65"
	case ssh.KeyAlgoMLDSA87:
		l = "ML-DSA-87"
	default:
		return "unknown"
	}
	if cert {
		l += "-CERT"
	}
	return l
}

// canonicalType maps every name OpenSSH 9.x accepts at the start of a key
// blob to the canonical plain type. Short names ("RSA", "ED25519") are
// matched case-insensitively by lookupType.
var canonicalType = map[string]string{
	ssh.KeyAlgoRSA:        ssh.KeyAlgoRSA,
	ssh.KeyAlgoRSASHA256:  ssh.KeyAlgoRSA,
	ssh.KeyAlgoRSASHA512:  ssh.KeyAlgoRSA,
	KeyAlgoDSA:            KeyAlgoDSA,
	ssh.KeyAlgoECDSA256:   ssh.KeyAlgoECDSA256,
	ssh.KeyAlgoECDSA384:   ssh.KeyAlgoECDSA384,
	ssh.KeyAlgoECDSA521:   ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoED25519:    ssh.KeyAlgoED25519,
	ssh.KeyAlgoSKECDSA256: ssh.KeyAlgoSKECDSA256,
	keyAlgoWebAuthnSK:     ssh.KeyAlgoSKECDSA256,
	ssh.KeyAlgoSKED25519:  ssh.KeyAlgoSKED25519,
}

// certBase maps OpenSSH's certificate type names to the plain type.
var certBase = map[string]string{
	ssh.CertAlgoRSAv01:                  ssh.KeyAlgoRSA,
	"rsa-sha2-256-cert-v01@openssh.com": ssh.KeyAlgoRSA,
	"rsa-sha2-512-cert-v01@openssh.com": ssh.KeyAlgoRSA,
	CertAlgoDSAv01:                      KeyAlgoDSA,
	ssh.CertAlgoECDSA256v01:             ssh.KeyAlgoECDSA256,
	ssh.CertAlgoECDSA384v01:             ssh.KeyAlgoECDSA384,
	ssh.CertAlgoECDSA521v01:             ssh.KeyAlgoECDSA521,
	ssh.CertAlgoED25519v01:              ssh.KeyAlgoED25519,
	ssh.CertAlgoSKECDSA256v01:           ssh.KeyAlgoSKECDSA256,
	ssh.CertAlgoSKED25519v01:            ssh.KeyAlgoSKED25519,
}

// certName is the canonical certificate type for a plain type.
var certName = map[string]string{
	ssh.KeyAlgoRSA:        ssh.CertAlgoRSAv01,
	KeyAlgoDSA:            CertAlgoDSAv01,
	ssh.KeyAlgoECDSA256:   ssh.CertAlgoECDSA256v01,
	ssh.KeyAlgoECDSA384:   ssh.CertAlgoECDSA384v01,
	ssh.KeyAlgoECDSA521:   ssh.CertAlgoECDSA521v01,
	ssh.KeyAlgoED25519:    ssh.CertAlgoED25519v01,
	ssh.KeyAlgoSKECDSA256: ssh.CertAlgoSKECDSA256v01,
	ssh.KeyAlgoSKED25519:  ssh.CertAlgoSKED25519v01,
}

// lookupType resolves a type name as sshkey_type_from_name does. It returns
// the canonical plain type, whether it names a certificate, and whether
// OpenSSH knows it.
func lookupType(name string) (plain string, cert bool, ok bool) {
	if p, found := canonicalType[name]; found {
		return p, false, true
	}
	if p, found := certBase[name]; found {
		return p, true, true
	}
	// Short names, plain types only. ECDSA short names fail later in
	// OpenSSH (no curve can be derived from them), so they are not listed.
	switch strings.ToUpper(name) {
	case "RSA":
		return ssh.KeyAlgoRSA, false, true
	case "DSA":
		return KeyAlgoDSA, false, true
	case "ED25519":
		return ssh.KeyAlgoED25519, false, true
	case "ED25519-SK":
		return ssh.KeyAlgoSKED25519, false, true
	}
	return "", false, false
}

// KeyError reports a key blob that OpenSSH would reject.
type KeyError struct {
	Type   string // the type name at the start of the blob, if one was read
	Reason string
}

func (e *KeyError) Error() string {
	if e.Type == "" {
		return "fingerprint: invalid key blob: " + e.Reason
	}
	return fmt.Sprintf("fingerprint: invalid %s key: %s", e.Type, e.Reason)
}

// parsed is the OpenSSH view of a key blob.
type parsed struct {
	typ    string // canonical type name (certificate name for certificates)
	plain  string // canonical plain type
	known  bool
	cert   bool
	canon  []byte // canonical blob: re-encoded key, or the original certificate
	plainB []byte // for certificates, the certified key re-encoded
	bits   int
	dsaKey *dsa.PublicKey
	orig   []byte
}

func keyErr(t, format string, args ...any) error {
	return &KeyError{Type: t, Reason: fmt.Sprintf(format, args...)}
}

func parseBlob(blob []byte, allowCert bool) (*parsed, error) {
	r := wire.NewReader(blob)
	name, err := r.CString()
	if err != nil {
		return nil, keyErr("", "cannot read the key type: %v", err)
	}
	plain, isCert, ok := lookupType(name)
	if !ok {
		return parseForeign(name, blob)
	}
	if isCert && !allowCert {
		return nil, keyErr(name, "a certificate cannot sign a certificate")
	}
	p := &parsed{typ: plain, plain: plain, known: true, cert: isCert, orig: blob}
	if isCert {
		p.typ = certName[plain]
		if _, err := r.String(); err != nil { // nonce
			return nil, keyErr(name, "truncated nonce")
		}
	}
	start := r.Len()
	if err := p.readPublic(r, name); err != nil {
		return nil, err
	}
	keyPart := blob[len(blob)-start : len(blob)-r.Len()]
	if isCert {
		if err := parseCertTail(r, blob, name); err != nil {
			return nil, err
		}
		p.canon = blob
		p.plainB, err = canonicalPlain(plain, keyPart)
		if err != nil {
			return nil, keyErr(name, "%v", err)
		}
	} else {
		p.canon, err = canonicalPlain(plain, keyPart)
		if err != nil {
			return nil, keyErr(name, "%v", err)
		}
	}
	if r.Len() != 0 {
		return nil, keyErr(name, "%d bytes of trailing data", r.Len())
	}
	return p, nil
}

// readPublic reads the public part of a key of type p.plain.
func (p *parsed) readPublic(r *wire.Reader, name string) error {
	switch p.plain {
	case ssh.KeyAlgoRSA:
		e, err1 := r.MPInt()
		n, err2 := r.MPInt()
		if err := errors.Join(err1, err2); err != nil {
			return keyErr(name, "bad RSA integers: %v", err)
		}
		_ = e
		p.bits = n.BitLen()
		if p.bits < 1024 {
			return keyErr(name, "RSA modulus of %d bits is below OpenSSH's minimum of 1024", p.bits)
		}
		if p.bits > 16384 {
			return keyErr(name, "RSA modulus of %d bits is above OpenSSH's maximum of 16384", p.bits)
		}
	case KeyAlgoDSA:
		var ints [4]*big.Int
		for i := range ints {
			v, err := r.MPInt()
			if err != nil {
				return keyErr(name, "bad DSA integers: %v", err)
			}
			ints[i] = v
		}
		p.dsaKey = &dsa.PublicKey{Parameters: dsa.Parameters{P: ints[0], Q: ints[1], G: ints[2]}, Y: ints[3]}
		p.bits = ints[0].BitLen()
	case ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoSKECDSA256:
		curveName, err := r.CString()
		if err != nil {
			return keyErr(name, "truncated curve name")
		}
		want, curve := curveFor(p.plain)
		if curveName != want {
			return keyErr(name, "curve %q does not match the key type", curveName)
		}
		pt, err := r.String()
		if err != nil {
			return keyErr(name, "truncated EC point")
		}
		if err := validateECPoint(curve, pt); err != nil {
			return keyErr(name, "%v", err)
		}
		p.bits = curve.Params().BitSize
		if p.plain == ssh.KeyAlgoSKECDSA256 {
			if _, err := r.CString(); err != nil {
				return keyErr(name, "bad security key application: %v", err)
			}
		}
	case ssh.KeyAlgoED25519, ssh.KeyAlgoSKED25519:
		pk, err := r.String()
		if err != nil {
			return keyErr(name, "truncated Ed25519 key")
		}
		if len(pk) != 32 {
			return keyErr(name, "Ed25519 key of %d bytes, want 32", len(pk))
		}
		p.bits = 256
		if p.plain == ssh.KeyAlgoSKED25519 {
			if _, err := r.CString(); err != nil {
				return keyErr(name, "bad security key application: %v", err)
			}
		}
	}
	return nil
}

func curveFor(t string) (string, elliptic.Curve) {
	switch t {
	case ssh.KeyAlgoECDSA384:
		return "nistp384", elliptic.P384()
	case ssh.KeyAlgoECDSA521:
		return "nistp521", elliptic.P521()
	}
	return "nistp256", elliptic.P256()
}

// validateECPoint applies OpenSSH's checks: an uncompressed point on the
// curve, not the identity, with both coordinates longer than half the order.
// (The curves have cofactor 1, so a point on the curve has full order.)
func validateECPoint(curve elliptic.Curve, pt []byte) error {
	size := (curve.Params().BitSize + 7) / 8
	if len(pt) != 1+2*size || pt[0] != 4 {
		return errors.New("EC point is not an uncompressed point of the right size")
	}
	x := new(big.Int).SetBytes(pt[1 : 1+size])
	y := new(big.Int).SetBytes(pt[1+size:])
	if !curve.IsOnCurve(x, y) { //lint:ignore SA1019 a plain on-curve check of public data
		return errors.New("EC point is not on the curve")
	}
	half := curve.Params().N.BitLen() / 2
	if x.BitLen() <= half || y.BitLen() <= half {
		return errors.New("EC point has a coordinate too small to be a proper public key")
	}
	return nil
}

// canonicalPlain re-encodes a plain key as OpenSSH serialises it for
// fingerprinting: canonical type name and minimal integers.
func canonicalPlain(plain string, keyPart []byte) ([]byte, error) {
	out := wire.AppendString(nil, []byte(plain))
	r := wire.NewReader(keyPart)
	switch plain {
	case ssh.KeyAlgoRSA, KeyAlgoDSA:
		for r.Len() > 0 {
			v, err := r.MPInt()
			if err != nil {
				return nil, err
			}
			out = wire.AppendMPInt(out, v)
		}
		return out, nil
	}
	return append(out, keyPart...), nil
}

// parseCertTail reads the certificate fields after the public key and
// verifies the CA signature, as OpenSSH's cert_parse does.
func parseCertTail(r *wire.Reader, blob []byte, name string) error {
	bad := func(what string) error { return keyErr(name, "certificate: %s", what) }
	if _, err := r.Uint64(); err != nil {
		return bad("truncated serial")
	}
	ctype, err := r.Uint32()
	if err != nil {
		return bad("truncated type")
	}
	if _, err := r.CString(); err != nil {
		return bad("bad key id")
	}
	principals, err := r.String()
	if err != nil {
		return bad("truncated principals")
	}
	if _, err := r.Uint64(); err != nil {
		return bad("truncated valid-after")
	}
	if _, err := r.Uint64(); err != nil {
		return bad("truncated valid-before")
	}
	crit, err1 := r.String()
	exts, err2 := r.String()
	_, err3 := r.String() // reserved
	ca, err4 := r.String()
	if errors.Join(err1, err2, err3, err4) != nil {
		return bad("truncated options, extensions, reserved field or CA key")
	}
	signed := blob[:len(blob)-r.Len()]
	sigBlob, err := r.String()
	if err != nil {
		return bad("truncated signature")
	}
	if ctype != ssh.UserCert && ctype != ssh.HostCert {
		return bad(fmt.Sprintf("unknown certificate type %d", ctype))
	}
	pr := wire.NewReader(principals)
	for n := 0; pr.Len() > 0; n++ {
		if n >= 256 {
			return bad("more than 256 principals")
		}
		if _, err := pr.CString(); err != nil {
			return bad("bad principal")
		}
	}
	for _, sec := range [][]byte{crit, exts} {
		sr := wire.NewReader(sec)
		for sr.Len() > 0 {
			if _, err := sr.String(); err != nil {
				return bad("malformed options")
			}
			if _, err := sr.String(); err != nil {
				return bad("malformed options")
			}
		}
	}
	caParsed, err := parseBlob(ca, false)
	if err != nil {
		return bad("invalid CA key: " + err.Error())
	}
	if !caParsed.known {
		return bad("CA key of unknown type")
	}
	caKey, err := caParsed.key()
	if err != nil {
		return bad("unusable CA key: " + err.Error())
	}
	sig, err := parseSignature(sigBlob)
	if err != nil {
		return bad(err.Error())
	}
	if err := caKey.Verify(signed, sig); err != nil {
		return bad("CA signature does not verify")
	}
	return nil
}

func parseSignature(b []byte) (*ssh.Signature, error) {
	r := wire.NewReader(b)
	format, err := r.CString()
	if err != nil {
		return nil, errors.New("malformed signature")
	}
	blob, err := r.String()
	if err != nil {
		return nil, errors.New("malformed signature")
	}
	sig := &ssh.Signature{Format: format, Blob: blob}
	if strings.HasPrefix(format, "sk-") {
		if len(r.Rest()) < 5 {
			return nil, errors.New("malformed security key signature")
		}
		rest := r.Rest()
		sig.Rest = rest
		return sig, nil
	}
	if r.Len() != 0 {
		return nil, errors.New("trailing data after signature")
	}
	return sig, nil
}

// key turns the OpenSSH view into the ssh.PublicKey ParsePublicKey returns.
func (p *parsed) key() (ssh.PublicKey, error) {
	if !p.known {
		if k, err := ssh.ParsePublicKey(p.canon); err == nil && bytes.Equal(k.Marshal(), p.canon) {
			return k, nil // ML-DSA and other types only x/crypto knows
		}
		return &OpaqueKey{typ: p.typ, blob: p.canon, bits: p.bits}, nil
	}
	if p.plain == KeyAlgoDSA {
		return &OpaqueKey{typ: p.typ, blob: p.canon, plain: p.plainB, bits: p.bits, known: true, dsa: p.dsaKey}, nil
	}
	k, err := ssh.ParsePublicKey(p.canon)
	if err == nil && bytes.Equal(k.Marshal(), p.canon) {
		return k, nil
	}
	// Valid for OpenSSH, but x/crypto rejects it (an RSA exponent it
	// refuses) or would re-encode it differently (a certificate with
	// unsorted options): keep the exact blob.
	o := &OpaqueKey{typ: p.typ, blob: p.canon, plain: p.plainB, bits: p.bits, known: true}
	if c, ok := k.(*ssh.Certificate); ok && err == nil {
		o.cert = c
	}
	return o, nil
}

// parseForeign handles type names OpenSSH does not know. x/crypto may
// know them (ML-DSA); otherwise the key is opaque.
func parseForeign(name string, blob []byte) (*parsed, error) {
	if name == "" {
		return nil, keyErr("", "empty key type")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f {
			return nil, keyErr("", "key type %q contains a byte that is not printable ASCII", name)
		}
	}
	p := &parsed{typ: name, plain: name, canon: blob, orig: blob}
	if name == KeyAlgoED448 {
		r := wire.NewReader(blob)
		_, _ = r.String()
		pk, err := r.String()
		if err != nil || len(pk) != 57 || r.Len() != 0 {
			return nil, keyErr(name, "Ed448 key must be 57 bytes")
		}
		p.bits = 456
	}
	return p, nil
}
