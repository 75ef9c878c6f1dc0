package keyscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// splitReader returns at most n bytes per Read.
type splitReader struct {
	b []byte
	n int
}

func (r *splitReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	m := copy(p[:min(len(p), r.n)], r.b)
	r.b = r.b[m:]
	return m, nil
}

// streamHandshake runs the client against a scripted server stream.
func streamHandshake(stream []byte, split int) (*handshake, error) {
	h := &handshake{
		rw: struct {
			io.Reader
			io.Writer
		}{&splitReader{b: stream, n: split}, io.Discard},
		clientVersion: "SSH-2.0-test",
		kexAlgos:      []string{"curve25519-sha256"},
		hostKeyAlgos:  []string{"ssh-ed25519"},
		maxBytes:      256 << 10,
	}
	return h, h.run()
}

func TestHandshakeStreamSplits(t *testing.T) {
	stream := []byte("hello\r\nthere\nSSH-2.0-OpenSSH_9.2p1 Debian\r\n")
	stream = append(stream, packet([]byte{msgIgnore, 0, 0, 0, 0})...)
	stream = append(stream, packet([]byte{msgDebug, 0, 0, 0, 0, 0, 0, 0, 0, 0})...)
	stream = append(stream, packet(kexInitPayload("ssh-ed25519"))...)
	// Reads falling anywhere give the same outcome: banner and KEXINIT
	// learned, then the stream ends where the reply was expected.
	for split := 1; split < 80; split += 3 {
		h, err := streamHandshake(stream, split)
		require.Error(t, err)
		assert.True(t, errors.Is(err, io.EOF), "split %d: %v", split, err)
		assert.Equal(t, "SSH-2.0-OpenSSH_9.2p1 Debian", h.banner)
		require.NotNil(t, h.kexInit, "split %d", split)
		assert.Equal(t, []string{"ssh-ed25519"}, h.kexInit.HostKeyAlgorithms)
		require.NotNil(t, h.negotiated)
		assert.Equal(t, "curve25519-sha256", h.negotiated.KeyExchange)
		assert.Equal(t, "aes128-ctr", h.negotiated.CipherClientServer)
		assert.Equal(t, "hmac-sha2-256", h.negotiated.MACServerClient)
	}
}

func TestHandshakeBadStreams(t *testing.T) {
	banner := []byte("SSH-2.0-x\r\n")
	for name, c := range map[string]struct {
		stream []byte
		kind   Kind
		msg    string
	}{
		"huge packet":      {binary.BigEndian.AppendUint32(bytes.Clone(banner), maxPacket+1), Protocol, "packet announces"},
		"tiny packet":      {append(bytes.Clone(banner), 0, 0, 0, 1, 0), Protocol, "packet announces 1 bytes"},
		"padding too long": {append(bytes.Clone(banner), 0, 0, 0, 8, 7, 20, 0, 0, 0, 0, 0, 0), Protocol, "padding"},
		"pre-banner flood": {bytes.Repeat([]byte("x"), maxPreBanner+1), Protocol, "without an identification line"},
		"SSH-1":            {[]byte("SSH-1.5-old\n"), Protocol, `protocol "1.5"`},
		"disconnect": {append(bytes.Clone(banner), packet(append([]byte{msgDisconnect, 0, 0, 0, 2, 0, 0, 0, 3},
			"bye"...))...), Closed, `reason 2: "bye"`},
		"not KEXINIT":    {append(bytes.Clone(banner), packet([]byte{21})...), Protocol, "where KEXINIT (20) was expected"},
		"no common host": {append(bytes.Clone(banner), packet(kexInitPayload("ssh-rsa"))...), NoCommonAlgorithm, "no common host key"},
		"unimplemented": {append(append(bytes.Clone(banner), packet(kexInitPayload("ssh-ed25519"))...),
			packet([]byte{msgUnimplemented, 0, 0, 0, 1})...), Protocol, "rejected our packet 1"},
		"ignore flood": {append(bytes.Clone(banner), bytes.Repeat(packet([]byte{msgIgnore}), maxSkipped+1)...), Protocol, "IGNORE"},
		"wrong reply": {append(append(bytes.Clone(banner), packet(kexInitPayload("ssh-ed25519"))...),
			packet([]byte{msgKexGexReply})...), Protocol, "where KEX_ECDH_REPLY (31) was expected"},
		"garbage reply": {append(append(bytes.Clone(banner), packet(kexInitPayload("ssh-ed25519"))...),
			packet([]byte{msgKexECDHReply, 1, 2})...), Protocol, "malformed KEX_ECDH_REPLY"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := streamHandshake(c.stream, 7)
			require.Error(t, err)
			assert.Equal(t, c.kind, classify(t.Context(), err), "%v", err)
			assert.ErrorContains(t, err, c.msg)
		})
	}
	// More than MaxBytes in all is cut short.
	h := &handshake{rw: struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(bytes.Repeat([]byte("junk\n"), 1000)), io.Discard},
		clientVersion: "SSH-2.0-test", kexAlgos: []string{"curve25519-sha256"}, hostKeyAlgos: []string{"ssh-ed25519"}, maxBytes: 1000}
	assert.ErrorContains(t, h.run(), "more than 1000 bytes")
}

// TestClientKexInit: what the client proposes parses back.
func TestClientKexInit(t *testing.T) {
	h := &handshake{kexAlgos: []string{"curve25519-sha256", "ecdh-sha2-nistp256"}, hostKeyAlgos: []string{"ssh-ed25519"}}
	k, err := parseKexInit(h.clientKexInit())
	require.NoError(t, err)
	assert.Equal(t, h.kexAlgos, k.KeyExchanges)
	assert.Equal(t, h.hostKeyAlgos, k.HostKeyAlgorithms)
	assert.Equal(t, proposedCiphers, k.CiphersServerClient)
	assert.Equal(t, proposedMACs, k.MACsClientServer)
	assert.Equal(t, proposedCompression, k.CompressionServerClient)
	assert.False(t, k.FirstKexFollows)
	for n := range 40 {
		p := appendPacket(nil, make([]byte, n))
		assert.Zero(t, len(p)%8, "packet of a %d-byte payload", n)
		assert.GreaterOrEqual(t, int(p[4]), 4)
	}
}

func TestSignatureFormat(t *testing.T) {
	for algo, want := range map[string][2]string{
		"rsa-sha2-512":                                {"ssh-rsa", "rsa-sha2-512"},
		"ssh-rsa":                                     {"ssh-rsa", "ssh-rsa"},
		"rsa-sha2-256-cert-v01@openssh.com":           {"ssh-rsa-cert-v01@openssh.com", "rsa-sha2-256"},
		"ssh-rsa-cert-v01@openssh.com":                {"ssh-rsa-cert-v01@openssh.com", "ssh-rsa"},
		"ssh-ed25519-cert-v01@openssh.com":            {"ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519"},
		"sk-ssh-ed25519-cert-v01@openssh.com":         {"sk-ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com"},
		"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com": {"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"},
		"ecdsa-sha2-nistp384":                         {"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384"},
		"ssh-dss-cert-v01@openssh.com":                {"ssh-dss-cert-v01@openssh.com", "ssh-dss"},
	} {
		assert.Equal(t, want[0], hostKeyType(algo), algo)
		assert.Equal(t, want[1], signatureFormat(algo), algo)
	}
}

// TestMODPGroups: the groups' constants are safe primes with the RFCs'
// leading and trailing digits and sizes.
func TestMODPGroups(t *testing.T) {
	const lead = "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1"
	groups := []struct {
		p    func() *big.Int
		bits int
		tail string // the last hex digits as printed in the RFCs
	}{
		{modp1024, 1024, "49286651ece65381ffffffffffffffff"},
		{modp2048, 2048, "15728e5a8aacaa68ffffffffffffffff"},
		{modp4096, 4096, "4df435c934063199ffffffffffffffff"},
		{modp8192, 8192, "60c980dd98edd3dfffffffffffffffff"},
	}
	for _, g := range groups {
		p := g.p()
		assert.Equal(t, g.bits, p.BitLen())
		hex := p.Text(16)
		assert.Equal(t, lead, hex[:len(lead)], "%d bits", g.bits)
		assert.Equal(t, g.tail, hex[len(hex)-len(g.tail):], "%d bits", g.bits)
		if g.bits <= 4096 || !testing.Short() {
			q := new(big.Int).Rsh(p, 1)
			assert.True(t, p.ProbablyPrime(2) && q.ProbablyPrime(2), "%d-bit group is not a safe prime", g.bits)
		}
	}
}

// FuzzHandshake: any server stream, read in any split, gives no panic, no
// key (nothing is signed), and the same outcome whatever the split.
func FuzzHandshake(f *testing.F) {
	ok := append([]byte("SSH-2.0-x\r\n"), packet(kexInitPayload("ssh-ed25519"))...)
	f.Add(ok, 3)
	f.Add(append(bytes.Clone(ok), packet([]byte{msgKexECDHReply, 0, 0, 0, 4, 1, 2, 3, 4})...), 1)
	f.Add([]byte("junk\nSSH-2.0-x\n\x00\x00\x00\x0c\x04\x14"), 1)
	f.Fuzz(func(t *testing.T, b []byte, split int) {
		if split <= 0 || split > len(b) {
			split = max(len(b), 1)
		}
		whole, errWhole := streamHandshake(b, max(len(b), 1))
		parts, errParts := streamHandshake(b, split)
		if errWhole == nil || errParts == nil {
			t.Fatal("a key was accepted from an unsigned stream")
		}
		if whole.banner != parts.banner || (whole.kexInit == nil) != (parts.kexInit == nil) ||
			classify(t.Context(), errWhole) != classify(t.Context(), errParts) {
			t.Fatalf("whole: %v %q; parts: %v %q", errWhole, whole.banner, errParts, parts.banner)
		}
	})
}

// TestSupportedKeyExchanges: what is advertised as supported is exactly
// what is implemented, and a proposal with anything else fails without a
// connection.
func TestSupportedKeyExchanges(t *testing.T) {
	var impl []string
	for k := range kexMethods {
		impl = append(impl, k)
	}
	assert.ElementsMatch(t, impl, SupportedKeyExchanges())
	r := (&Scanner{KeyExchanges: []string{"curve25519-sha256", "sntrup761x25519-sha512@openssh.com"}}).
		ScanTarget(t.Context(), Target{Hosts: []string{"127.0.0.1"}, Port: 1})
	require.Len(t, r.Errors, 1)
	assert.ErrorIs(t, r.Err(), NoCommonAlgorithm)
	assert.ErrorContains(t, r.Err(), `"sntrup761x25519-sha512@openssh.com" is not implemented`)
}
