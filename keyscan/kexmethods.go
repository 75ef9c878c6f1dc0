package keyscan

import (
	"crypto"
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"sync"

	// Hash implementations for crypto.Hash.New.
	_ "crypto/sha1"
	_ "crypto/sha512"

	"github.com/hostkeys/hostkeys/internal/wire"
)

// A kexMethod runs one key-exchange method from the client's side, after
// both KEXINITs, up to the server's reply. It returns the exchange hash H,
// the server's signature of it and the host key blob K_S.
type kexMethod interface {
	run(h *handshake, clientInit []byte) (hashed, sig, hostKey []byte, err error)
}

// kexMethods are the key exchanges implemented, by name.
var kexMethods = map[string]kexMethod{
	"mlkem768x25519-sha256":                hybridMLKEM{},
	"curve25519-sha256":                    ecdhKex{ecdh.X25519(), crypto.SHA256},
	"curve25519-sha256@libssh.org":         ecdhKex{ecdh.X25519(), crypto.SHA256},
	"ecdh-sha2-nistp256":                   ecdhKex{ecdh.P256(), crypto.SHA256},
	"ecdh-sha2-nistp384":                   ecdhKex{ecdh.P384(), crypto.SHA384},
	"ecdh-sha2-nistp521":                   ecdhKex{ecdh.P521(), crypto.SHA512},
	"diffie-hellman-group18-sha512":        dhKex{modp8192, crypto.SHA512},
	"diffie-hellman-group16-sha512":        dhKex{modp4096, crypto.SHA512},
	"diffie-hellman-group14-sha256":        dhKex{modp2048, crypto.SHA256},
	"diffie-hellman-group14-sha1":          dhKex{modp2048, crypto.SHA1},
	"diffie-hellman-group1-sha1":           dhKex{modp1024, crypto.SHA1},
	"diffie-hellman-group-exchange-sha256": gexKex{crypto.SHA256},
	"diffie-hellman-group-exchange-sha1":   gexKex{crypto.SHA1},
}

func sum(hash crypto.Hash, b []byte) []byte {
	d := hash.New()
	d.Write(b)
	return d.Sum(nil)
}

// replyEnd checks that a reply has nothing after its last field.
func replyEnd(r *wire.Reader, name string) error {
	if r.Len() != 0 {
		return protocolErrorf("%d bytes after the fields of %s", r.Len(), name)
	}
	return nil
}

// ecdhKex: RFC 5656 section 4 (NIST curves) and RFC 8731 (Curve25519).
type ecdhKex struct {
	curve ecdh.Curve
	hash  crypto.Hash
}

func (m ecdhKex) run(h *handshake, clientInit []byte) (hashed, sig, hostKey []byte, err error) {
	priv, err := m.curve.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	qc := priv.PublicKey().Bytes()
	if err := h.send(wire.AppendString([]byte{msgKexECDHInit}, qc)); err != nil {
		return nil, nil, nil, err
	}
	r, err := h.expect(msgKexECDHReply, "KEX_ECDH_REPLY")
	if err != nil {
		return nil, nil, nil, err
	}
	hostKey, err1 := r.String()
	qs, err2 := r.String()
	sig, err3 := r.String()
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, nil, nil, protocolErrorf("malformed KEX_ECDH_REPLY")
	}
	if err := replyEnd(r, "KEX_ECDH_REPLY"); err != nil {
		return nil, nil, nil, err
	}
	pub, err := m.curve.NewPublicKey(qs)
	if err != nil {
		return nil, nil, nil, protocolErrorf("server's ephemeral key: %v", err)
	}
	secret, err := priv.ECDH(pub)
	if err != nil {
		return nil, nil, nil, protocolErrorf("key agreement: %v", err)
	}
	b := h.exchangeHashPrefix(clientInit, hostKey)
	b = wire.AppendString(b, qc)
	b = wire.AppendString(b, qs)
	b = appendMPIntBytes(b, secret)
	return sum(m.hash, b), sig, hostKey, nil
}

// hybridMLKEM: mlkem768x25519-sha256 (draft-ietf-sshm-mlkem-hybrid-kex),
// ML-KEM-768 combined with X25519, OpenSSH 9.9's default.
type hybridMLKEM struct{}

func (hybridMLKEM) run(h *handshake, clientInit []byte) (hashed, sig, hostKey []byte, err error) {
	dk, err := mlkem.GenerateKey768()
	if err != nil {
		return nil, nil, nil, err
	}
	xpriv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	cInit := append(dk.EncapsulationKey().Bytes(), xpriv.PublicKey().Bytes()...)
	if err := h.send(wire.AppendString([]byte{msgKexECDHInit}, cInit)); err != nil {
		return nil, nil, nil, err
	}
	r, err := h.expect(msgKexECDHReply, "KEX_HYBRID_REPLY")
	if err != nil {
		return nil, nil, nil, err
	}
	hostKey, err1 := r.String()
	sReply, err2 := r.String()
	sig, err3 := r.String()
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, nil, nil, protocolErrorf("malformed KEX_HYBRID_REPLY")
	}
	if err := replyEnd(r, "KEX_HYBRID_REPLY"); err != nil {
		return nil, nil, nil, err
	}
	if len(sReply) != mlkem.CiphertextSize768+32 {
		return nil, nil, nil, protocolErrorf("server's hybrid reply is %d bytes, want %d", len(sReply), mlkem.CiphertextSize768+32)
	}
	kPQ, err := dk.Decapsulate(sReply[:mlkem.CiphertextSize768])
	if err != nil {
		return nil, nil, nil, protocolErrorf("ML-KEM decapsulation: %v", err)
	}
	xpub, err := ecdh.X25519().NewPublicKey(sReply[mlkem.CiphertextSize768:])
	if err != nil {
		return nil, nil, nil, protocolErrorf("server's X25519 key: %v", err)
	}
	kCL, err := xpriv.ECDH(xpub)
	if err != nil {
		return nil, nil, nil, protocolErrorf("X25519 agreement: %v", err)
	}
	k := sha256.Sum256(append(kPQ, kCL...))
	b := h.exchangeHashPrefix(clientInit, hostKey)
	b = wire.AppendString(b, cInit)
	b = wire.AppendString(b, sReply)
	b = wire.AppendString(b, k[:]) // the shared secret is a string here, not an mpint
	return sum(crypto.SHA256, b), sig, hostKey, nil
}

// dhKex: RFC 4253 section 8 with a fixed group (RFC 8268 for group14-sha256
// and groups 16 and 18).
type dhKex struct {
	group func() *big.Int
	hash  crypto.Hash
}

// dhExponentBits is the size of the client's secret exponent: OpenSSH's
// dh_gen_key takes twice the bits the negotiated cipher needs, at least
// 2 x 256; no cipher is ever used here, so the floor is enough.
const dhExponentBits = 512

// dhSecret returns a secret exponent x and e = g^x mod p.
func dhSecret(p, g *big.Int) (x, e *big.Int, err error) {
	limit := new(big.Int).Lsh(big.NewInt(1), dhExponentBits)
	if p.BitLen() <= dhExponentBits {
		limit.Rsh(p, 1)
	}
	x, err = rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, nil, err
	}
	x.Add(x, big.NewInt(2))
	return x, new(big.Int).Exp(g, x, p), nil
}

// dhCheck is OpenSSH's dh_pub_is_valid: 1 < f < p-1.
func dhCheck(f, p *big.Int) error {
	pm1 := new(big.Int).Sub(p, big.NewInt(1))
	if f.Sign() <= 0 || f.Cmp(big.NewInt(1)) == 0 || f.Cmp(pm1) >= 0 {
		return protocolErrorf("server's Diffie-Hellman value is out of range")
	}
	return nil
}

func (m dhKex) run(h *handshake, clientInit []byte) (hashed, sig, hostKey []byte, err error) {
	p := m.group()
	x, e, err := dhSecret(p, big.NewInt(2))
	if err != nil {
		return nil, nil, nil, err
	}
	if err := h.send(wire.AppendMPInt([]byte{msgKexECDHInit}, e)); err != nil {
		return nil, nil, nil, err
	}
	r, err := h.expect(msgKexECDHReply, "KEXDH_REPLY")
	if err != nil {
		return nil, nil, nil, err
	}
	hostKey, err1 := r.String()
	f, err2 := r.MPInt()
	sig, err3 := r.String()
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, nil, nil, protocolErrorf("malformed KEXDH_REPLY")
	}
	if err := replyEnd(r, "KEXDH_REPLY"); err != nil {
		return nil, nil, nil, err
	}
	if err := dhCheck(f, p); err != nil {
		return nil, nil, nil, err
	}
	k := new(big.Int).Exp(f, x, p)
	b := h.exchangeHashPrefix(clientInit, hostKey)
	b = wire.AppendMPInt(b, e)
	b = wire.AppendMPInt(b, f)
	b = wire.AppendMPInt(b, k)
	return sum(m.hash, b), sig, hostKey, nil
}

// gexKex: Diffie-Hellman group exchange, RFC 4419 (sizes of RFC 8270).
type gexKex struct{ hash crypto.Hash }

const (
	gexMin       = 2048
	gexPreferred = 3072
	gexMax       = 8192
)

func (m gexKex) run(h *handshake, clientInit []byte) (hashed, sig, hostKey []byte, err error) {
	req := []byte{msgKexGexRequest}
	req = binary.BigEndian.AppendUint32(req, gexMin)
	req = binary.BigEndian.AppendUint32(req, gexPreferred)
	req = binary.BigEndian.AppendUint32(req, gexMax)
	if err := h.send(req); err != nil {
		return nil, nil, nil, err
	}
	r, err := h.expect(msgKexECDHReply, "KEX_DH_GEX_GROUP")
	if err != nil {
		return nil, nil, nil, err
	}
	p, err1 := r.MPInt()
	g, err2 := r.MPInt()
	if err1 != nil || err2 != nil {
		return nil, nil, nil, protocolErrorf("malformed KEX_DH_GEX_GROUP")
	}
	if err := replyEnd(r, "KEX_DH_GEX_GROUP"); err != nil {
		return nil, nil, nil, err
	}
	if bits := p.BitLen(); bits < gexMin || bits > gexMax || p.Bit(0) == 0 {
		return nil, nil, nil, protocolErrorf("server's group has a %d-bit modulus (want an odd one of %d to %d bits)", bits, gexMin, gexMax)
	}
	if err := dhCheck(g, p); err != nil {
		return nil, nil, nil, protocolErrorf("server's group generator is out of range")
	}
	x, e, err := dhSecret(p, g)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := h.send(wire.AppendMPInt([]byte{msgKexGexInit}, e)); err != nil {
		return nil, nil, nil, err
	}
	r, err = h.expect(msgKexGexReply, "KEX_DH_GEX_REPLY")
	if err != nil {
		return nil, nil, nil, err
	}
	hostKey, err1 = r.String()
	f, err2 := r.MPInt()
	sig, err3 := r.String()
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, nil, nil, protocolErrorf("malformed KEX_DH_GEX_REPLY")
	}
	if err := replyEnd(r, "KEX_DH_GEX_REPLY"); err != nil {
		return nil, nil, nil, err
	}
	if err := dhCheck(f, p); err != nil {
		return nil, nil, nil, err
	}
	k := new(big.Int).Exp(f, x, p)
	b := h.exchangeHashPrefix(clientInit, hostKey)
	b = binary.BigEndian.AppendUint32(b, gexMin)
	b = binary.BigEndian.AppendUint32(b, gexPreferred)
	b = binary.BigEndian.AppendUint32(b, gexMax)
	b = wire.AppendMPInt(b, p)
	b = wire.AppendMPInt(b, g)
	b = wire.AppendMPInt(b, e)
	b = wire.AppendMPInt(b, f)
	b = wire.AppendMPInt(b, k)
	return sum(m.hash, b), sig, hostKey, nil
}

// The fixed groups, computed from their definition rather than pasted:
// p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) * pi) + k), the Oakley
// group 2 of RFC 2409 section 6.2 (1024 bits) and the MODP groups of RFC
// 3526 (2048, 4096 and 8192 bits). Their tests check that each is a safe
// prime with the RFCs' leading digits.
var (
	modp1024 = sync.OnceValue(func() *big.Int { return modpGroup(1024, 129093) })
	modp2048 = sync.OnceValue(func() *big.Int { return modpGroup(2048, 124476) })
	modp4096 = sync.OnceValue(func() *big.Int { return modpGroup(4096, 240904) })
	modp8192 = sync.OnceValue(func() *big.Int { return modpGroup(8192, 4743158) })
)

func modpGroup(n uint, k int64) *big.Int {
	p := new(big.Int).Lsh(big.NewInt(1), n)
	p.Sub(p, new(big.Int).Lsh(big.NewInt(1), n-64))
	p.Sub(p, big.NewInt(1))
	t := piBits(n - 130)
	t.Add(t, big.NewInt(k))
	return p.Add(p, t.Lsh(t, 64))
}

// piBits returns floor(pi * 2^bits), by Machin's formula
// pi = 16 atan(1/5) - 4 atan(1/239) in fixed point with 64 guard bits.
func piBits(bits uint) *big.Int {
	const guard = 64
	a := atanInverse(5, bits+guard)
	a.Lsh(a, 4)
	b := atanInverse(239, bits+guard)
	b.Lsh(b, 2)
	return a.Sub(a, b).Rsh(a, guard)
}

// atanInverse returns atan(1/x) * 2^prec, truncated, by its Taylor series.
func atanInverse(x int64, prec uint) *big.Int {
	term := new(big.Int).Lsh(big.NewInt(1), prec)
	term.Quo(term, big.NewInt(x))
	total := new(big.Int).Set(term)
	x2 := big.NewInt(x * x)
	t := new(big.Int)
	for n := int64(1); term.Sign() != 0; n++ {
		term.Quo(term, x2)
		t.Quo(term, big.NewInt(2*n+1))
		if n%2 == 1 {
			total.Sub(total, t)
		} else {
			total.Add(total, t)
		}
	}
	return total
}
