package keyscan

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/wire"
	"golang.org/x/crypto/ssh"
)

// The client side of the SSH transport up to the server's signed key
// exchange reply (RFC 4253 sections 4 to 8), which is all a key scan needs:
// the connection ends once the signature over the exchange hash has been
// verified, before NEWKEYS, so no cipher or MAC is ever used and the
// transport never leaves clear text. Owning this part, rather than running
// x/crypto's whole client handshake, saves two goroutines per connection and
// most of the allocations, and lets a scan report exactly what was
// negotiated and why a server was refused.

// SSH message numbers used here (RFC 4250 section 4.1).
const (
	msgDisconnect    = 1
	msgIgnore        = 2
	msgUnimplemented = 3
	msgDebug         = 4
	msgKexECDHInit   = 30 // also KEXDH_INIT
	msgKexECDHReply  = 31 // also KEXDH_REPLY and KEX_DH_GEX_GROUP
	msgKexGexInit    = 32
	msgKexGexReply   = 33
	msgKexGexRequest = 34
)

// maxPacket bounds a packet before NEWKEYS. The largest expected is the key
// exchange reply of an RSA-16384 host certificate, about 6 KB.
const maxPacket = 64 << 10

// maxPreBanner bounds what a server may send before its identification
// line (RFC 4253 allows other lines first).
const maxPreBanner = 64 << 10

// maxSkipped bounds the IGNORE and DEBUG messages a server may send between
// the ones the exchange waits for.
const maxSkipped = 64

// Ciphers, MACs and compression the client proposes. They are never used
// (the connection ends before NEWKEYS); the lists are wide so that a
// server's choice of them never stands in the way of its host key.
var (
	proposedCiphers = []string{
		"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
		"aes128-ctr", "aes192-ctr", "aes256-ctr",
		"aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc",
		"arcfour256", "arcfour128", "arcfour",
	}
	proposedMACs = []string{
		"hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
		"hmac-sha2-256", "hmac-sha2-512",
		"umac-128-etm@openssh.com", "umac-64-etm@openssh.com", "umac-128@openssh.com", "umac-64@openssh.com",
		"hmac-sha1-etm@openssh.com", "hmac-sha1", "hmac-sha1-96", "hmac-md5",
	}
	proposedCompression = []string{"none", "zlib@openssh.com", "zlib"}
)

// aeadCiphers carry their own integrity: no MAC is negotiated with them
// (OpenSSH's kex_choose_conf).
func aeadCipher(name string) bool {
	switch name {
	case "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com":
		return true
	}
	return false
}

// negotiationError: the two proposals share no algorithm of one kind.
type negotiationError struct {
	what         string // "key exchange", "host key", "cipher", ...
	ours, theirs []string
}

func (e *negotiationError) Error() string {
	return fmt.Sprintf("ssh: no common %s algorithm; we offered %v, the server offers %v", e.what, e.ours, e.theirs)
}

// kindError is an error that knows its Kind.
type kindError struct {
	kind Kind
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

func protocolErrorf(format string, args ...any) error {
	return &kindError{Protocol, fmt.Errorf("ssh: "+format, args...)}
}

// handshake is one connection's client side, up to the verified host key.
type handshake struct {
	rw io.ReadWriter

	clientVersion string
	kexAlgos      []string
	hostKeyAlgos  []string
	maxBytes      int

	// Reading: data[off:] is unread; read counts bytes taken from rw.
	data []byte
	off  int
	read int

	// What was learned, also on failure.
	banner     string // the identification line, at most 255 bytes, for reports
	version    []byte // the whole identification line, for the exchange hash
	serverInit []byte // the server's KEXINIT payload
	kexInit    *KexInit
	negotiated *Negotiated

	// The outcome: the host key, of the algorithm negotiated.HostKey.
	key ssh.PublicKey
}

// run performs the exchange. On error, banner, kexInit and negotiated hold
// what was learned before it.
func (h *handshake) run() error {
	// OpenSSH's order: the identification line, then KEXINIT once the
	// server's line has come, without waiting for its KEXINIT. RFC 4253
	// would allow both at once, but a server that reads the client's line
	// through a buffer it then drops would lose the KEXINIT; the server's
	// KEXINIT is on its way meanwhile, so this costs no round trip.
	if _, err := h.rw.Write([]byte(h.clientVersion + "\r\n")); err != nil {
		return err
	}
	if err := h.readBanner(); err != nil {
		return err
	}
	clientInit := h.clientKexInit()
	if err := h.send(clientInit); err != nil {
		return err
	}
	payload, err := h.readMessage()
	if err != nil {
		return err
	}
	if payload[0] != msgKexInit {
		return protocolErrorf("message %d where KEXINIT (20) was expected", payload[0])
	}
	k, err := parseKexInit(payload)
	if err != nil {
		return &kindError{Protocol, fmt.Errorf("ssh: %w", err)}
	}
	h.serverInit = bytes.Clone(payload) // the read buffer is reused
	h.kexInit = k
	n, err := h.negotiate(k)
	if err != nil {
		return err
	}
	h.negotiated = n
	if k.FirstKexFollows && (k.KeyExchanges[0] != h.kexAlgos[0] || k.HostKeyAlgorithms[0] != h.hostKeyAlgos[0]) {
		// RFC 4253 section 7: the server guessed wrong; its guessed
		// packet is ignored.
		if _, err := h.readMessage(); err != nil {
			return err
		}
	}
	m, ok := kexMethods[n.KeyExchange]
	if !ok {
		return protocolErrorf("negotiated key exchange %q is not implemented", n.KeyExchange)
	}
	hashed, sigBlob, hostKey, err := m.run(h, clientInit)
	if err != nil {
		return err
	}
	return h.verify(hostKey, sigBlob, hashed)
}

func (h *handshake) clientKexInit() []byte {
	b := make([]byte, 0, 1024)
	b = append(b, msgKexInit)
	var cookie [16]byte
	rand.Read(cookie[:]) // never fails (Go 1.24)
	b = append(b, cookie[:]...)
	for _, l := range [][]string{
		h.kexAlgos, h.hostKeyAlgos,
		proposedCiphers, proposedCiphers, proposedMACs, proposedMACs,
		proposedCompression, proposedCompression, nil, nil,
	} {
		b = binary.BigEndian.AppendUint32(b, 0)
		start := len(b)
		for i, n := range l {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, n...)
		}
		binary.BigEndian.PutUint32(b[start-4:], uint32(len(b)-start))
	}
	return append(b, 0, 0, 0, 0, 0) // first_kex_packet_follows, reserved
}

// appendPacket frames payload as a clear-text binary packet (RFC 4253
// section 6): block size 8, at least 4 bytes of padding.
func appendPacket(b, payload []byte) []byte {
	pad := 8 - (5+len(payload))%8
	if pad < 4 {
		pad += 8
	}
	b = binary.BigEndian.AppendUint32(b, uint32(1+len(payload)+pad))
	b = append(b, byte(pad))
	b = append(b, payload...)
	return append(b, make([]byte, pad)...)
}

func (h *handshake) send(payload []byte) error {
	_, err := h.rw.Write(appendPacket(nil, payload))
	return err
}

// fill makes at least n unread bytes available.
func (h *handshake) fill(n int) error {
	for len(h.data)-h.off < n {
		if h.off > 0 {
			h.data = h.data[:copy(h.data, h.data[h.off:])]
			h.off = 0
		}
		if cap(h.data)-len(h.data) < 2048 || cap(h.data) < n {
			nd := make([]byte, len(h.data), max(2*cap(h.data), n+4096, 8192))
			copy(nd, h.data)
			h.data = nd
		}
		m, err := h.rw.Read(h.data[len(h.data):cap(h.data)])
		h.data = h.data[:len(h.data)+m]
		h.read += m
		if h.read > h.maxBytes {
			return protocolErrorf("server sent more than %d bytes", h.maxBytes)
		}
		if len(h.data)-h.off >= n {
			return nil
		}
		if err != nil {
			if err == io.EOF && len(h.data) > h.off {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// readBanner reads lines up to the server's identification line. RFC 4253
// section 4.2 lets a server send other lines first; they are skipped, up to
// maxPreBanner bytes in all.
func (h *handshake) readBanner() error {
	seen := 0 // bytes of the lines before the current one
	for {
		i := bytes.IndexByte(h.data[h.off:], '\n')
		if i < 0 {
			if seen+len(h.data)-h.off > maxPreBanner {
				return protocolErrorf("%d bytes without an identification line", seen+len(h.data)-h.off)
			}
			if err := h.fill(len(h.data) - h.off + 1); err != nil {
				return err
			}
			continue
		}
		line := h.data[h.off : h.off+i]
		h.off += i + 1
		seen += i + 1
		if !bytes.HasPrefix(line, []byte("SSH-")) {
			continue
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		h.version = bytes.Clone(line)
		if len(line) > 255 { // RFC 4253's limit, which some servers pass
			line = line[:255]
		}
		h.banner = string(line)
		if !strings.HasPrefix(h.banner, "SSH-2.0-") && !strings.HasPrefix(h.banner, "SSH-1.99-") {
			proto, _, _ := strings.Cut(strings.TrimPrefix(h.banner, "SSH-"), "-")
			return protocolErrorf("server speaks SSH protocol %q, not 2.0", proto)
		}
		return nil
	}
}

// readPacket returns the next packet's payload, which stays valid until
// the next read.
func (h *handshake) readPacket() ([]byte, error) {
	if err := h.fill(4); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h.data[h.off:])
	if n > maxPacket {
		return nil, protocolErrorf("packet announces %d bytes (at most %d expected before NEWKEYS)", n, maxPacket)
	}
	if n < 5 {
		return nil, protocolErrorf("packet announces %d bytes", n)
	}
	if err := h.fill(4 + int(n)); err != nil {
		return nil, err
	}
	p := h.data[h.off+4 : h.off+4+int(n)]
	h.off += 4 + int(n)
	pad := int(p[0])
	if pad+1 >= len(p) {
		return nil, protocolErrorf("packet padding %d leaves no payload in %d bytes", pad, n)
	}
	return p[1 : len(p)-pad], nil
}

// readMessage returns the next message that is not IGNORE or DEBUG; a
// DISCONNECT or an UNIMPLEMENTED (the server rejects what was sent) becomes
// an error.
func (h *handshake) readMessage() ([]byte, error) {
	for range maxSkipped {
		p, err := h.readPacket()
		if err != nil {
			return nil, err
		}
		switch p[0] {
		case msgIgnore, msgDebug:
			continue
		case msgUnimplemented:
			seq, _ := wire.NewReader(p[1:]).Uint32()
			return nil, protocolErrorf("server rejected our packet %d as unimplemented", seq)
		case msgDisconnect:
			r := wire.NewReader(p[1:])
			code, _ := r.Uint32()
			desc, _ := r.String()
			return nil, &kindError{Closed, fmt.Errorf("ssh: server disconnected with reason %d: %q", code, desc)}
		}
		return p, nil
	}
	return nil, protocolErrorf("more than %d IGNORE or DEBUG messages in a row", maxSkipped)
}

// expect reads the next message and checks its number.
func (h *handshake) expect(msg byte, name string) (*wire.Reader, error) {
	p, err := h.readMessage()
	if err != nil {
		return nil, err
	}
	if p[0] != msg {
		return nil, protocolErrorf("message %d where %s (%d) was expected", p[0], name, msg)
	}
	return wire.NewReader(p[1:]), nil
}

// negotiate applies RFC 4253 section 7.1: for each list, the first of the
// client's names that the server also offers.
func (h *handshake) negotiate(k *KexInit) (*Negotiated, error) {
	pick := func(what string, ours, theirs []string) (string, error) {
		if a := firstCommon(ours, theirs); a != "" {
			return a, nil
		}
		return "", &negotiationError{what: what, ours: ours, theirs: theirs}
	}
	n := &Negotiated{}
	var err error
	if n.KeyExchange, err = pick("key exchange", h.kexAlgos, k.KeyExchanges); err != nil {
		return nil, err
	}
	if n.HostKey, err = pick("host key", h.hostKeyAlgos, k.HostKeyAlgorithms); err != nil {
		return nil, err
	}
	if n.CipherClientServer, err = pick("client to server cipher", proposedCiphers, k.CiphersClientServer); err != nil {
		return nil, err
	}
	if n.CipherServerClient, err = pick("server to client cipher", proposedCiphers, k.CiphersServerClient); err != nil {
		return nil, err
	}
	if !aeadCipher(n.CipherClientServer) {
		if n.MACClientServer, err = pick("client to server MAC", proposedMACs, k.MACsClientServer); err != nil {
			return nil, err
		}
	}
	if !aeadCipher(n.CipherServerClient) {
		if n.MACServerClient, err = pick("server to client MAC", proposedMACs, k.MACsServerClient); err != nil {
			return nil, err
		}
	}
	if n.CompressionCS, err = pick("client to server compression", proposedCompression, k.CompressionClientServer); err != nil {
		return nil, err
	}
	if n.CompressionSC, err = pick("server to client compression", proposedCompression, k.CompressionServerClient); err != nil {
		return nil, err
	}
	return n, nil
}

// exchangeHashPrefix starts the exchange hash input common to every method:
// V_C, V_S, I_C, I_S and K_S (RFC 4253 section 8).
func (h *handshake) exchangeHashPrefix(clientInit, hostKey []byte) []byte {
	b := make([]byte, 0, 2048+len(hostKey))
	b = wire.AppendString(b, []byte(h.clientVersion))
	b = wire.AppendString(b, h.version)
	b = wire.AppendString(b, clientInit)
	b = wire.AppendString(b, h.serverInit)
	return wire.AppendString(b, hostKey)
}

// verify checks that the host key is of the negotiated algorithm and that
// its signature of the exchange hash is good.
func (h *handshake) verify(hostKey, sigBlob, hashed []byte) error {
	algo := h.negotiated.HostKey
	// OpenSSH's rules (sshkey_from_blob: a certificate's CA signature
	// must verify), and every type it knows, ssh-dss included. The parsed
	// key may keep slices of its blob: copy it out of the read buffer.
	key, err := fingerprint.ParsePublicKey(bytes.Clone(hostKey))
	if err != nil {
		return protocolErrorf("host key: %v", err)
	}
	if want := hostKeyType(algo); key.Type() != want {
		return protocolErrorf("host key is %s where %s was negotiated", key.Type(), algo)
	}
	r := wire.NewReader(sigBlob)
	format, err1 := r.String()
	blob, err2 := r.String()
	if err1 != nil || err2 != nil {
		return protocolErrorf("malformed host key signature")
	}
	sig := &ssh.Signature{Format: string(format), Blob: blob}
	if r.Len() > 0 {
		sig.Rest = r.Rest()
	}
	if want := signatureFormat(algo); sig.Format != want {
		return protocolErrorf("host key signature is %q where %q was negotiated", sig.Format, want)
	}
	if err := verifyHostSignature(key, hashed, sig); err != nil {
		return protocolErrorf("host key signature does not verify: %v", err)
	}
	h.key = key
	return nil
}

const certSuffix = "-cert-v01@openssh.com"

// hostKeyType is the key type name a host-key algorithm's key carries:
// ssh-rsa for rsa-sha2-512.
func hostKeyType(algo string) string {
	switch algo {
	case "rsa-sha2-256", "rsa-sha2-512":
		return "ssh-rsa"
	case "rsa-sha2-256" + certSuffix, "rsa-sha2-512" + certSuffix:
		return "ssh-rsa" + certSuffix
	}
	return algo
}

// signatureFormat is the signature algorithm a host-key algorithm signs
// with: that of the certified key for certificates.
func signatureFormat(algo string) string {
	base, ok := strings.CutSuffix(algo, certSuffix)
	if !ok {
		return algo
	}
	if strings.HasPrefix(base, "sk-") {
		return base + "@openssh.com"
	}
	return base
}

// appendMPIntBytes appends the unsigned big-endian integer mag as an mpint.
func appendMPIntBytes(b, mag []byte) []byte {
	for len(mag) > 0 && mag[0] == 0 {
		mag = mag[1:]
	}
	if len(mag) > 0 && mag[0]&0x80 != 0 {
		b = binary.BigEndian.AppendUint32(b, uint32(len(mag)+1))
		b = append(b, 0)
		return append(b, mag...)
	}
	return wire.AppendString(b, mag)
}
