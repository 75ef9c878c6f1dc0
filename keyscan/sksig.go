package keyscan

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"

	"github.com/hostkeys/hostkeys/internal/wire"
	"golang.org/x/crypto/ssh"
)

// verifyHostSignature is key.Verify, except for security-key host keys,
// whose signatures are checked as OpenSSH's client checks a host's: whatever
// their flags. sshd drops the user-presence requirement of a security-key
// host key when it loads it (nobody is there to touch it), so its
// signatures normally lack the flag that x/crypto's Verify requires.
func verifyHostSignature(key ssh.PublicKey, data []byte, sig *ssh.Signature) error {
	plain := key
	if c, ok := key.(*ssh.Certificate); ok {
		plain = c.Key
	}
	switch plain.Type() {
	case ssh.KeyAlgoSKED25519, ssh.KeyAlgoSKECDSA256:
		return verifySK(plain, data, sig)
	}
	return key.Verify(data, sig)
}

var errSKSignature = errors.New("ssh: security-key signature did not verify")

// verifySK checks a security-key signature (OpenSSH's PROTOCOL.u2f): the
// authenticator signs SHA256(application) || flags || counter ||
// SHA256(data), and flags and counter follow the signature blob.
func verifySK(key ssh.PublicKey, data []byte, sig *ssh.Signature) error {
	if sig.Format != key.Type() {
		return errSKSignature
	}
	// The application is the key blob's last field, after the type and
	// the key (ed25519) or the curve and the point (ecdsa).
	kr := wire.NewReader(key.Marshal())
	fields := 3
	if key.Type() == ssh.KeyAlgoSKED25519 {
		fields = 2
	}
	for range fields {
		if _, err := kr.String(); err != nil {
			return err
		}
	}
	app, err := kr.String()
	if err != nil {
		return err
	}
	sr := wire.NewReader(sig.Rest)
	flags, err1 := sr.Byte()
	counter, err2 := sr.Uint32()
	if err1 != nil || err2 != nil || sr.Len() != 0 {
		return errors.New("ssh: malformed security-key signature")
	}
	appHash, dataHash := sha256.Sum256(app), sha256.Sum256(data)
	signed := append(appHash[:], flags)
	signed = binary.BigEndian.AppendUint32(signed, counter)
	signed = append(signed, dataHash[:]...)

	ck, ok := key.(ssh.CryptoPublicKey)
	if !ok {
		return errSKSignature
	}
	switch pub := ck.CryptoPublicKey().(type) {
	case ed25519.PublicKey:
		if len(sig.Blob) == ed25519.SignatureSize && ed25519.Verify(pub, signed, sig.Blob) {
			return nil
		}
	case *ecdsa.PublicKey:
		br := wire.NewReader(sig.Blob)
		r, err1 := br.MPInt()
		s, err2 := br.MPInt()
		if err1 != nil || err2 != nil || br.Len() != 0 || r.Sign() <= 0 || s.Sign() <= 0 {
			return errors.New("ssh: malformed security-key signature")
		}
		d := sha256.Sum256(signed)
		if ecdsa.Verify(pub, d[:], r, s) {
			return nil
		}
	}
	return errSKSignature
}
