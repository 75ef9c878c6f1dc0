package keyscan

import (
	"crypto"
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"strings"
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

// The fixed groups' primes, as RFC 2409 and RFC 3526 print them (the
// generator is 2). TestMODPGroups checks that each is a safe prime of its
// size; x/crypto/ssh has the same constants for groups 1, 14 and 16.
var (
	// modp1024: the Oakley group 2 of RFC 2409 section 6.2 (diffie-hellman-group1).
	modp1024 = group(`
		FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74
		020BBEA6 3B139B22 514A0879 8E3404DD EF9519B3 CD3A431B 302B0A6D F25F1437
		4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED
		EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE65381 FFFFFFFF FFFFFFFF
	`)
	// modp2048: the 2048-bit MODP group of RFC 3526 section 3 (group14).
	modp2048 = group(`
		FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74
		020BBEA6 3B139B22 514A0879 8E3404DD EF9519B3 CD3A431B 302B0A6D F25F1437
		4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED
		EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D C2007CB8 A163BF05
		98DA4836 1C55D39A 69163FA8 FD24CF5F 83655D23 DCA3AD96 1C62F356 208552BB
		9ED52907 7096966D 670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B
		E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9 DE2BCBF6 95581718
		3995497C EA956AE5 15D22618 98FA0510 15728E5A 8AACAA68 FFFFFFFF FFFFFFFF
	`)
	// modp4096: the 4096-bit MODP group of RFC 3526 section 5 (group16).
	modp4096 = group(`
		FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74
		020BBEA6 3B139B22 514A0879 8E3404DD EF9519B3 CD3A431B 302B0A6D F25F1437
		4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED
		EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D C2007CB8 A163BF05
		98DA4836 1C55D39A 69163FA8 FD24CF5F 83655D23 DCA3AD96 1C62F356 208552BB
		9ED52907 7096966D 670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B
		E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9 DE2BCBF6 95581718
		3995497C EA956AE5 15D22618 98FA0510 15728E5A 8AAAC42D AD33170D 04507A33
		A85521AB DF1CBA64 ECFB8504 58DBEF0A 8AEA7157 5D060C7D B3970F85 A6E1E4C7
		ABF5AE8C DB0933D7 1E8C94E0 4A25619D CEE3D226 1AD2EE6B F12FFA06 D98A0864
		D8760273 3EC86A64 521F2B18 177B200C BBE11757 7A615D6C 770988C0 BAD946E2
		08E24FA0 74E5AB31 43DB5BFC E0FD108E 4B82D120 A9210801 1A723C12 A787E6D7
		88719A10 BDBA5B26 99C32718 6AF4E23C 1A946834 B6150BDA 2583E9CA 2AD44CE8
		DBBBC2DB 04DE8EF9 2E8EFC14 1FBECAA6 287C5947 4E6BC05D 99B2964F A090C3A2
		233BA186 515BE7ED 1F612970 CEE2D7AF B81BDD76 2170481C D0069127 D5B05AA9
		93B4EA98 8D8FDDC1 86FFB7DC 90A6C08F 4DF435C9 34063199 FFFFFFFF FFFFFFFF
	`)
	// modp8192: the 8192-bit MODP group of RFC 3526 section 7 (group18).
	modp8192 = group(`
		FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74
		020BBEA6 3B139B22 514A0879 8E3404DD EF9519B3 CD3A431B 302B0A6D F25F1437
		4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED
		EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE45B3D C2007CB8 A163BF05
		98DA4836 1C55D39A 69163FA8 FD24CF5F 83655D23 DCA3AD96 1C62F356 208552BB
		9ED52907 7096966D 670C354E 4ABC9804 F1746C08 CA18217C 32905E46 2E36CE3B
		E39E772C 180E8603 9B2783A2 EC07A28F B5C55DF0 6F4C52C9 DE2BCBF6 95581718
		3995497C EA956AE5 15D22618 98FA0510 15728E5A 8AAAC42D AD33170D 04507A33
		A85521AB DF1CBA64 ECFB8504 58DBEF0A 8AEA7157 5D060C7D B3970F85 A6E1E4C7
		ABF5AE8C DB0933D7 1E8C94E0 4A25619D CEE3D226 1AD2EE6B F12FFA06 D98A0864
		D8760273 3EC86A64 521F2B18 177B200C BBE11757 7A615D6C 770988C0 BAD946E2
		08E24FA0 74E5AB31 43DB5BFC E0FD108E 4B82D120 A9210801 1A723C12 A787E6D7
		88719A10 BDBA5B26 99C32718 6AF4E23C 1A946834 B6150BDA 2583E9CA 2AD44CE8
		DBBBC2DB 04DE8EF9 2E8EFC14 1FBECAA6 287C5947 4E6BC05D 99B2964F A090C3A2
		233BA186 515BE7ED 1F612970 CEE2D7AF B81BDD76 2170481C D0069127 D5B05AA9
		93B4EA98 8D8FDDC1 86FFB7DC 90A6C08F 4DF435C9 34028492 36C3FAB4 D27C7026
		C1D4DCB2 602646DE C9751E76 3DBA37BD F8FF9406 AD9E530E E5DB382F 413001AE
		B06A53ED 9027D831 179727B0 865A8918 DA3EDBEB CF9B14ED 44CE6CBA CED4BB1B
		DB7F1447 E6CC254B 33205151 2BD7AF42 6FB8F401 378CD2BF 5983CA01 C64B92EC
		F032EA15 D1721D03 F482D7CE 6E74FEF6 D55E702F 46980C82 B5A84031 900B1C9E
		59E7C97F BEC7E8F3 23A97A7E 36CC88BE 0F1D45B7 FF585AC5 4BD407B2 2B4154AA
		CC8F6D7E BF48E1D8 14CC5ED2 0F8037E0 A79715EE F29BE328 06A1D58B B7C5DA76
		F550AA3D 8A1FBFF0 EB19CCB1 A313D55C DA56C9EC 2EF29632 387FE8D7 6E3C0468
		043E8F66 3F4860EE 12BF2D5B 0B7474D6 E694F91E 6DBE1159 74A3926F 12FEE5E4
		38777CB6 A932DF8C D8BEC4D0 73B931BA 3BC832B6 8D9DD300 741FA7BF 8AFC47ED
		2576F693 6BA42466 3AAB639C 5AE4F568 3423B474 2BF1C978 238F16CB E39D652D
		E3FDB8BE FC848AD9 22222E04 A4037C07 13EB57A8 1A23F0C7 3473FC64 6CEA306B
		4BCBC886 2F8385DD FA9D4B7F A2C087E8 79683303 ED5BDD3A 062B3CF5 B3A278A6
		6D2A13F8 3F44F82D DF310EE0 74AB6A36 4597E899 A0255DC1 64F31CC5 0846851D
		F9AB4819 5DED7EA1 B1D510BD 7EE74D73 FAF36BC3 1ECFA268 359046F4 EB879F92
		4009438B 481C6CD7 889A002E D5EE382B C9190DA6 FC026E47 9558E447 5677E9AA
		9E3050E2 765694DF C81F56E8 80B96E71 60C980DD 98EDD3DF FFFFFFFF FFFFFFFF
	`)
)

// group returns the prime written in the RFCs' layout (hex digits in
// groups), parsed on first use.
func group(hex string) func() *big.Int {
	return sync.OnceValue(func() *big.Int {
		p, ok := new(big.Int).SetString(strings.Join(strings.Fields(hex), ""), 16)
		if !ok {
			panic("keyscan: bad MODP group constant")
		}
		return p
	})
}
