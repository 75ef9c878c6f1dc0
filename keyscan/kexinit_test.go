package keyscan

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKexInit(t *testing.T) {
	p := kexInitPayload("rsa-sha2-512,ssh-ed25519")
	k, err := parseKexInit(p)
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
		_, err := parseKexInit(bad)
		assert.Error(t, err, name)
	}
}

// FuzzParseKexInit: no panic; what parses has only valid names.
func FuzzParseKexInit(f *testing.F) {
	f.Add(kexInitPayload("rsa-sha2-512,ssh-ed25519"))
	f.Add(kexInitPayload(""))
	f.Add([]byte{20})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := parseKexInit(b)
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
