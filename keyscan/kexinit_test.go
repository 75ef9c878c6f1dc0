package keyscan

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKexInit(t *testing.T) {
	p := kexInitPayload("rsa-sha2-512,ssh-ed25519")
	k, err := ParseKexInit(p)
	require.NoError(t, err)
	assert.Equal(t, []string{"curve25519-sha256"}, k.KeyExchanges)
	assert.Equal(t, []string{"rsa-sha2-512", "ssh-ed25519"}, k.HostKeyAlgorithms)
	assert.Equal(t, []string{}, k.LanguagesClientServer)
	assert.False(t, k.FirstKexFollows)

	for name, bad := range map[string][]byte{
		"empty":          {},
		"not KEXINIT":    {21},
		"short cookie":   {20, 1, 2},
		"truncated list": p[:30],
		"no reserved":    p[:len(p)-3],
		"empty name":     kexInitPayload("a,,b"),
		"control byte":   kexInitPayload("a\x01b"),
		"space":          kexInitPayload("a b"),
		"high byte":      kexInitPayload("a\xffb"),
	} {
		_, err := ParseKexInit(bad)
		assert.Error(t, err, name)
	}
}

func TestObserver(t *testing.T) {
	stream := []byte("hello\r\nthere\nSSH-2.0-OpenSSH_9.2p1 Debian\r\n")
	stream = append(stream, packet([]byte{2, 0, 0, 0, 0})...) // SSH_MSG_IGNORE first
	stream = append(stream, packet(kexInitPayload("ssh-ed25519"))...)
	// Feed in every split: the result must not depend on how reads fall.
	for split := 1; split < 64; split += 7 {
		var o observer
		for b := stream; len(b) > 0; {
			n := min(split, len(b))
			require.NoError(t, o.feed(b[:n]))
			b = b[n:]
		}
		assert.Equal(t, "SSH-2.0-OpenSSH_9.2p1 Debian", o.banner)
		require.NotNil(t, o.kexInit)
		assert.Equal(t, []string{"ssh-ed25519"}, o.kexInit.HostKeyAlgorithms)
	}

	var o observer
	big := binary.BigEndian.AppendUint32([]byte("SSH-2.0-x\r\n"), maxFirstPacket+1)
	assert.ErrorContains(t, o.feed(big), "first packet announces")
	o = observer{}
	assert.ErrorContains(t, o.feed(bytes.Repeat([]byte("x"), maxPreBanner+1)), "without an identification line")
}

// FuzzParseKexInit: no panic; what parses has only valid names.
func FuzzParseKexInit(f *testing.F) {
	f.Add(kexInitPayload("rsa-sha2-512,ssh-ed25519"))
	f.Add(kexInitPayload(""))
	f.Add([]byte{20})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKexInit(b)
		if err != nil {
			return
		}
		for _, l := range [][]string{k.KeyExchanges, k.HostKeyAlgorithms, k.CiphersClientServer, k.MACsServerClient} {
			for _, n := range l {
				if n == "" || bytes.ContainsAny([]byte(n), ", \x00") {
					t.Fatalf("bad name %q", n)
				}
			}
		}
	})
}

// FuzzObserver: any byte stream, in any split, gives no panic and the same
// outcome whether fed at once or byte by byte.
func FuzzObserver(f *testing.F) {
	f.Add(append([]byte("SSH-2.0-x\r\n"), packet(kexInitPayload("ssh-ed25519"))...), 3)
	f.Add([]byte("junk\nSSH-2.0-x\n\x00\x00\x00\x0c\x04\x14"), 1)
	f.Fuzz(func(t *testing.T, b []byte, split int) {
		if split <= 0 {
			split = 1
		}
		var whole, parts observer
		errWhole := whole.feed(b)
		var errParts error
		for rest := b; len(rest) > 0 && errParts == nil; {
			n := min(split, len(rest))
			errParts = parts.feed(rest[:n])
			rest = rest[n:]
		}
		if (errWhole == nil) != (errParts == nil) || whole.banner != parts.banner || (whole.kexInit == nil) != (parts.kexInit == nil) {
			t.Fatalf("whole: %v %q %v; parts: %v %q %v", errWhole, whole.banner, whole.kexInit != nil, errParts, parts.banner, parts.kexInit != nil)
		}
	})
}
