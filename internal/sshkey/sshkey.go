// Package sshkey reads SSH public key blobs and their text form with the
// exact rules of OpenSSH 9.x (sshkey_from_blob, sshkey_read). It is the
// engine behind package fingerprint, kept internal so that hot paths such
// as ssh-keygen -l emulation can avoid building x/crypto key objects.
package sshkey

import (
	"crypto/dsa" //lint:ignore SA1019 OpenSSH 9.x still accepts DSA keys and certificates signed by them; an auditor must read them.
	"crypto/ecdh"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/hostkeys/hostkeys/internal/keyline"
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

// Key is the OpenSSH view of a key blob.
type Key struct {
	Type      string // canonical type name (the certificate name for certificates)
	Plain     string // canonical plain type
	Known     bool   // OpenSSH 9.x knows the type
	Cert      bool
	Blob      []byte // canonical blob: the re-encoded key, or the original certificate
	PlainBlob []byte // the blob fingerprints are made of: the key, or the certified key
	Bits      int
	DSA       *dsa.PublicKey // for ssh-dss keys and DSA certificates
}

// Label returns the key type as ssh-keygen prints it.
func (k *Key) Label() string { return Label(k.Type) }

// Label returns the ssh-keygen label of a type name.
func Label(t string) string {
	return typeLabel(t)
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

// Error reports a key blob or key text that OpenSSH would reject;
// package fingerprint returns it as its KeyError.
type Error struct {
	// Type is the key type name the blob or text starts with, if one
	// could be read.
	Type string
	// Reason says what is wrong, in words that stand alone ("invalid
	// ssh-ed25519 key: truncated Ed25519 key").
	Reason string
}

func (e *Error) Error() string { return e.Reason }

// keyErr reports a bad key blob of type t ("" if unknown).
func keyErr(t, format string, args ...any) error {
	what := "invalid key blob: "
	if t != "" {
		if len(t) > maxQuoted {
			t = t[:maxQuoted] + "..."
		}
		what = "invalid " + t + " key: "
	}
	return &Error{Type: t, Reason: what + fmt.Sprintf(format, args...)}
}

// maxQuoted is the most of a name from the input that a message shows.
const maxQuoted = 64

// quote quotes a name from the input for a message, clipped.
func quote(s string) string { return keyline.Quote(s, maxQuoted) }

// textErr reports a key text that holds no key.
func textErr(t, format string, args ...any) error {
	return &Error{Type: t, Reason: fmt.Sprintf(format, args...)}
}

// Parse reads a key blob as sshkey_from_blob does, certificates included.
func Parse(blob []byte) (*Key, error) { return parseBlob(blob, true) }

func parseBlob(blob []byte, allowCert bool) (*Key, error) {
	r := wire.NewReader(blob)
	name, err := r.CString()
	if err != nil {
		return nil, keyErr("", "cannot read the key type: %v", err)
	}
	plain, isCert, ok := lookupType(name)
	if !ok {
		switch strings.ToUpper(name) {
		case "ECDSA", "ECDSA-SK":
			// sshkey_type_from_name knows the short name, but no curve
			// follows from it: sshkey_from_blob fails.
			return nil, keyErr(name, "the short name %s names no curve", quote(name))
		}
		return parseForeign(name, blob)
	}
	if isCert && !allowCert {
		return nil, keyErr(name, "a certificate cannot sign a certificate")
	}
	p := &Key{Type: plain, Plain: plain, Known: true, Cert: isCert}
	if isCert {
		p.Type = certName[plain]
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
		p.Blob = blob
		p.PlainBlob, err = canonicalPlain(plain, "", keyPart, nil)
		if err != nil {
			return nil, keyErr(name, "%v", err)
		}
	} else {
		p.Blob, err = canonicalPlain(plain, name, keyPart, blob)
		p.PlainBlob = p.Blob
		if err != nil {
			return nil, keyErr(name, "%v", err)
		}
	}
	if r.Len() != 0 {
		return nil, keyErr(name, "%d bytes of trailing data", r.Len())
	}
	return p, nil
}

// readPublic reads the public part of a key of type p.Plain.
func (p *Key) readPublic(r *wire.Reader, name string) error {
	switch p.Plain {
	case ssh.KeyAlgoRSA:
		_, _, err1 := r.MPIntBytes()
		n, _, err2 := r.MPIntBytes()
		if err := errors.Join(err1, err2); err != nil {
			return keyErr(name, "bad RSA integers: %v", err)
		}
		p.Bits = bitLen(n)
		if p.Bits < 1024 {
			return keyErr(name, "RSA modulus of %d bits is below OpenSSH's minimum of 1024", p.Bits)
		}
		if p.Bits > 16384 {
			return keyErr(name, "RSA modulus of %d bits is above OpenSSH's maximum of 16384", p.Bits)
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
		p.DSA = &dsa.PublicKey{Parameters: dsa.Parameters{P: ints[0], Q: ints[1], G: ints[2]}, Y: ints[3]}
		p.Bits = ints[0].BitLen()
	case ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoSKECDSA256:
		curveName, err := r.CString()
		if err != nil {
			return keyErr(name, "truncated curve name")
		}
		c := curveFor(p.Plain)
		if curveName != c.name {
			return keyErr(name, "curve %s does not match the key type", quote(curveName))
		}
		pt, err := r.String()
		if err != nil {
			return keyErr(name, "truncated EC point")
		}
		if err := validateECPoint(c, pt); err != nil {
			return keyErr(name, "%v", err)
		}
		p.Bits = c.bits
		if p.Plain == ssh.KeyAlgoSKECDSA256 {
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
		p.Bits = 256
		if p.Plain == ssh.KeyAlgoSKED25519 {
			if _, err := r.CString(); err != nil {
				return keyErr(name, "bad security key application: %v", err)
			}
		}
	}
	return nil
}

type curve struct {
	name  string
	ecdh  ecdh.Curve
	bits  int // key size as ssh-keygen prints it
	order int // bit length of the group order
}

func curveFor(t string) curve {
	switch t {
	case ssh.KeyAlgoECDSA384:
		return curve{"nistp384", ecdh.P384(), 384, 384}
	case ssh.KeyAlgoECDSA521:
		return curve{"nistp521", ecdh.P521(), 521, 521}
	}
	return curve{"nistp256", ecdh.P256(), 256, 256}
}

// validateECPoint applies OpenSSH's checks: an uncompressed point on the
// curve, not the identity, with both coordinates longer than half the order.
// (The curves have cofactor 1, so a point on the curve has full order.)
func validateECPoint(c curve, pt []byte) error {
	size := (c.bits + 7) / 8
	if len(pt) != 1+2*size || pt[0] != 4 {
		return errors.New("EC point is not an uncompressed point of the right size")
	}
	if _, err := c.ecdh.NewPublicKey(pt); err != nil {
		return errors.New("EC point is not on the curve")
	}
	half := c.order / 2
	if bitLen(pt[1:1+size]) <= half || bitLen(pt[1+size:]) <= half {
		return errors.New("EC point has a coordinate too small to be a proper public key")
	}
	return nil
}

// bitLen is the bit length of a big-endian unsigned number.
func bitLen(b []byte) int {
	for i, c := range b {
		if c != 0 {
			n := 0
			for ; c != 0; c >>= 1 {
				n++
			}
			return (len(b)-i-1)*8 + n
		}
	}
	return 0
}

// canonicalPlain returns a plain key as OpenSSH serialises it for
// fingerprinting: canonical type name and minimal integers. orig is the
// whole blob of a plain key (nil for a certificate's key), returned as it
// is when it is already canonical.
func canonicalPlain(plain, name string, keyPart, orig []byte) ([]byte, error) {
	minimal := true
	if plain == ssh.KeyAlgoRSA || plain == KeyAlgoDSA {
		r := wire.NewReader(keyPart)
		for r.Len() > 0 {
			_, ok, err := r.MPIntBytes()
			if err != nil {
				return nil, err
			}
			minimal = minimal && ok
		}
	}
	if minimal && name == plain && orig != nil && len(orig) == 4+len(name)+len(keyPart) {
		return orig, nil
	}
	out := wire.AppendString(make([]byte, 0, 4+len(plain)+len(keyPart)), []byte(plain))
	if minimal {
		return append(out, keyPart...), nil
	}
	r := wire.NewReader(keyPart)
	for r.Len() > 0 {
		v, err := r.MPInt()
		if err != nil {
			return nil, err
		}
		out = wire.AppendMPInt(out, v)
	}
	return out, nil
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
	if !caParsed.Known {
		return bad("CA key of unknown type")
	}
	sig, err := parseSignature(sigBlob)
	if err != nil {
		return bad(err.Error())
	}
	if caParsed.DSA != nil {
		err = VerifyDSA(caParsed.DSA, signed, sig)
	} else {
		var caKey ssh.PublicKey
		caKey, err = ssh.ParsePublicKey(caParsed.Blob)
		if err != nil {
			return bad("CA key x/crypto cannot use: " + err.Error())
		}
		err = caKey.Verify(signed, sig)
	}
	if err != nil {
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

// VerifyDSA checks an ssh-dss signature.
func VerifyDSA(pub *dsa.PublicKey, data []byte, sig *ssh.Signature) error {
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
	if !dsa.Verify(pub, h[:], r, s) {
		return errors.New("fingerprint: DSA signature verification failed")
	}
	return nil
}

// parseForeign handles type names OpenSSH does not know. x/crypto may
// know them (ML-DSA); otherwise the key is opaque.
func parseForeign(name string, blob []byte) (*Key, error) {
	if name == "" {
		return nil, keyErr("", "empty key type")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f {
			return nil, keyErr("", "key type %s contains a byte that is not printable ASCII", quote(name))
		}
	}
	p := &Key{Type: name, Plain: name, Blob: blob, PlainBlob: blob}
	if name == KeyAlgoED448 {
		r := wire.NewReader(blob)
		_, _ = r.String()
		pk, err := r.String()
		if err != nil || len(pk) != 57 || r.Len() != 0 {
			return nil, keyErr(name, "Ed448 key must be 57 bytes")
		}
		p.Bits = 456
	}
	return p, nil
}

// textType resolves a type name at the start of a text key: full names
// only, as OpenSSH's peek_type_nid does.
func textType(name string) (plain string, cert bool, ok bool) {
	if p, found := canonicalType[name]; found {
		return p, false, true
	}
	if p, found := certBase[name]; found {
		return p, true, true
	}
	return "", false, false
}

func blobType(blob []byte) string {
	if len(blob) < 4 {
		return ""
	}
	n := int(blob[0])<<24 | int(blob[1])<<16 | int(blob[2])<<8 | int(blob[3])
	if n < 0 || n > len(blob)-4 {
		return ""
	}
	return string(blob[4 : 4+n])
}

// decodeBase64Blob decodes base64 as OpenSSH's b64_pton does: white space
// anywhere is skipped, padding is required and the unused bits must be 0.
var strictBase64 = base64.StdEncoding.Strict()

func decodeBase64Blob(s string) ([]byte, error) {
	if strings.IndexFunc(s, isCSpaceRune) < 0 {
		b := make([]byte, strictBase64.DecodedLen(len(s)))
		n, err := strictBase64.Decode(b, []byte(s))
		if err != nil {
			return nil, errors.New("invalid base64 key data")
		}
		return b[:n], nil
	}
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			return -1
		}
		return r
	}, s)
	b, err := strictBase64.DecodeString(clean)
	if err != nil {
		return nil, errors.New("invalid base64 key data")
	}
	return b, nil
}

// ParseText reads "TYPE BASE64" and what follows as sshkey_read does; see
// fingerprint.ParseKeyText.
func ParseText(text string) (key *Key, rest string, err error) {
	typ, b64, rest := keyline.Key(text)
	switch {
	case text == "":
		return nil, "", textErr("", "empty line")
	case typ == "":
		return nil, "", textErr("", "line starts with a blank")
	case b64 == "":
		return nil, "", textErr(typ, "no key after the type name %s", quote(typ))
	}
	tplain, tcert, tknown := textType(typ)
	blob, err := decodeBase64Blob(b64)
	if err != nil {
		if !tknown {
			return nil, "", textErr(typ, "unknown key type %s", quote(typ))
		}
		return nil, "", textErr(typ, "%s key: %v", typ, err)
	}

	p, err := parseBlob(blob, true)
	if err != nil {
		if !tknown {
			return nil, "", textErr(typ, "unknown key type %s", quote(typ))
		}
		return nil, "", err
	}
	if tknown {
		if !p.Known || tplain != p.Plain || tcert != p.Cert {
			return nil, "", textErr(typ, "key type mismatch: the line says %s, the key is %s", quote(typ), quote(blobType(blob)))
		}
	} else if blobType(blob) != typ || p.Known {
		return nil, "", textErr(typ, "unknown key type %s", quote(typ))
	}
	return p, rest, nil
}

// ParseTextBytes is ParseText for a text that holds just "TYPE BASE64"
// (what follows the blob is ignored), without copying it: the hot path of
// listing large files.
func ParseTextBytes(text []byte) (*Key, error) {
	typ, b64, _ := keyline.Key(text)
	if len(typ) == 0 || len(b64) == 0 {
		return nil, errors.New("not a key")
	}
	tplain, tcert, tknown := textType(string(typ))
	if !tknown {
		return nil, errors.New("not a key type OpenSSH knows")
	}
	blob, err := decodeBase64Bytes(b64)
	if err != nil {
		return nil, err
	}
	p, err := parseBlob(blob, true)
	if err != nil {
		return nil, err
	}
	if !p.Known || tplain != p.Plain || tcert != p.Cert {
		return nil, errors.New("key type mismatch")
	}
	return p, nil
}

// decodeBase64Bytes is decodeBase64Blob for bytes.
func decodeBase64Bytes(src []byte) ([]byte, error) {
	b := make([]byte, strictBase64.DecodedLen(len(src)))
	if n, err := strictBase64.Decode(b, src); err == nil {
		return b[:n], nil
	}
	// White space inside (other than CR and LF, which the decoder skips
	// as OpenSSH does), or not base64: the careful path decides.
	return decodeBase64Blob(string(src))
}

// KnownTextType reports whether OpenSSH 9.x reads a text key that starts
// with this type name.
func KnownTextType(name string) bool {
	if name == "" || !typeInitial(name[0]) {
		return false
	}
	_, _, ok := textType(name)
	return ok
}

// KnownTextTypeBytes is KnownTextType for a byte slice, without copying it
// (map look-ups with string(name) convert in place, however long name is:
// hashed host names, the first field of most known_hosts lines, are 59
// bytes).
func KnownTextTypeBytes(name []byte) bool {
	if len(name) == 0 || !typeInitial(name[0]) {
		return false
	}
	if _, ok := canonicalType[string(name)]; ok {
		return true
	}
	_, ok := certBase[string(name)]
	return ok
}

// typeInitial: every full type name starts with one of these letters, a
// quick no for host names and options.
func typeInitial(c byte) bool { return c == 's' || c == 'e' || c == 'r' || c == 'w' }

// KnownTypeName reports whether OpenSSH 9.x's sshkey_type_from_name knows
// name: full names (certificates included) and the short names of plain
// types in any case. hostfile.c classifies known_hosts lines with it. The
// short names "ECDSA" and "ECDSA-SK" are known there even though a key
// blob that uses them fails later, as no curve follows from them.
func KnownTypeName(name string) bool {
	if KnownType(name) {
		return true
	}
	switch strings.ToUpper(name) {
	case "ECDSA", "ECDSA-SK":
		return true
	}
	return false
}

// KnownType reports whether OpenSSH 9.x knows a key blob type name,
// certificates included.
func KnownType(name string) bool {
	_, _, ok := lookupType(name)
	return ok
}

func isCSpaceRune(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
}

// CertName returns the certificate type name for a plain key type, or ""
// if OpenSSH has none.
func CertName(plain string) string { return certName[plain] }
