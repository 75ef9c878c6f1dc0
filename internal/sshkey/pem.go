package sshkey

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/hostkeys/hostkeys/internal/wire"
	"golang.org/x/crypto/ssh"
)

// ReadPrivate reads the public half of a private key file as OpenSSH's
// sshkey_load_private does without a passphrase: an unencrypted
// openssh-key-v1 file (with its comment), or an unencrypted PEM file as
// OpenSSL reads it for OpenSSH 9.x: PKCS#1 RSA, "DSA PRIVATE KEY", SEC 1
// EC, and PKCS#8 of these three. PEM files carry no comment. Ed25519 in
// PKCS#8 is refused, as OpenSSH 9.x refuses it.
func ReadPrivate(data []byte) (key *Key, comment string, hasComment bool, err error) {
	if pf, err := ParsePrivateFile(data); err == nil {
		if pf.Encrypted {
			return nil, "", false, errors.New("the private key is encrypted")
		}
		if !pf.Public.Known {
			return nil, "", false, fmt.Errorf("key type %q is not supported by OpenSSH", pf.Public.Type)
		}
		return pf.Public, pf.Comment, pf.HasComment, nil
	}
	k, err := parsePEMPrivate(data)
	if err != nil {
		return nil, "", false, err
	}
	return k, "", false, nil
}

// OIDs of PKCS#8 algorithms.
var oidDSA = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}

// parsePEMPrivate reads the first PEM block of data as a private key and
// returns its public key.
func parsePEMPrivate(data []byte) (*Key, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("not a private key file")
	}
	if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, errors.New("the private key is encrypted")
	}
	var blob []byte
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM RSA private key: %v", err)
		}
		blob = publicBlob(&k.PublicKey)
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM EC private key: %v", err)
		}
		blob = publicBlob(&k.PublicKey)
	case "DSA PRIVATE KEY":
		var k struct {
			Version       int
			P, Q, G, Y, X *big.Int
		}
		if rest, err := asn1.Unmarshal(block.Bytes, &k); err != nil || len(rest) != 0 || k.Version != 0 {
			return nil, errors.New("PEM DSA private key: malformed")
		}
		blob = dsaBlob(k.P, k.Q, k.G, k.Y)
	case "PRIVATE KEY":
		b, err := pkcs8Public(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PKCS#8 private key: %v", err)
		}
		blob = b
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key OpenSSH reads", block.Type)
	}
	if blob == nil {
		return nil, errors.New("key type not supported by OpenSSH")
	}
	k, err := Parse(blob)
	if err != nil {
		return nil, err
	}
	if !k.Known {
		return nil, errors.New("key type not supported by OpenSSH")
	}
	return k, nil
}

// pkcs8Public returns the public key blob of a PKCS#8 PrivateKeyInfo.
// crypto/x509 does not read DSA keys: those are read here.
func pkcs8Public(der []byte) ([]byte, error) {
	var info struct {
		Version   int
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		PrivateKey []byte
	}
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return nil, errors.New("malformed")
	}
	if info.Algorithm.Algorithm.Equal(oidDSA) {
		var params struct{ P, Q, G *big.Int }
		if rest, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &params); err != nil || len(rest) != 0 {
			return nil, errors.New("malformed DSA parameters")
		}
		x := new(big.Int)
		if rest, err := asn1.Unmarshal(info.PrivateKey, &x); err != nil || len(rest) != 0 {
			return nil, errors.New("malformed DSA private key")
		}
		// Bounded work: OpenSSH's moduli stop at 10000 bits, and x is
		// below q, which has 160 or 256 bits in real keys.
		if params.P.Sign() <= 0 || params.G.Sign() <= 0 || x.Sign() <= 0 || params.Q.Sign() <= 0 ||
			params.P.BitLen() > 10000 || params.Q.BitLen() > 512 || x.Cmp(params.Q) >= 0 {
			return nil, errors.New("invalid DSA parameters")
		}
		y := new(big.Int).Exp(params.G, x, params.P)
		return dsaBlob(params.P, params.Q, params.G, y), nil
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return publicBlob(&k.PublicKey), nil
	case *ecdsa.PrivateKey:
		return publicBlob(&k.PublicKey), nil
	}
	return nil, fmt.Errorf("%T keys in PKCS#8 are not read by OpenSSH", k)
}

// publicBlob returns the SSH wire form of an RSA or ECDSA public key, or
// nil for a curve SSH does not define.
func publicBlob(pub any) []byte {
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil
	}
	return k.Marshal()
}

func dsaBlob(p, q, g, y *big.Int) []byte {
	b := wire.AppendString(nil, []byte(KeyAlgoDSA))
	for _, n := range []*big.Int{p, q, g, y} {
		b = wire.AppendMPInt(b, n)
	}
	return b
}
