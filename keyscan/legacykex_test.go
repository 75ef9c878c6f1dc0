package keyscan_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hostkeys/hostkeys/keyscan"
)

func TestNeedsLegacyKeyExchanges(t *testing.T) {
	for _, tc := range []struct {
		kex  []string
		want bool
	}{
		{[]string{"diffie-hellman-group14-sha1", "ext-info-s"}, true},
		{[]string{"diffie-hellman-group1-sha1"}, true},
		{[]string{"diffie-hellman-group14-sha1", "curve25519-sha256"}, false},
		{[]string{"curve25519-sha256"}, false},
		{[]string{"ecdh-sha2-nistp999", "kex-strict-s-v00@openssh.com"}, false},
		{nil, false},
	} {
		assert.Equal(t, tc.want, (&keyscan.KexInit{KeyExchanges: tc.kex}).NeedsLegacyKeyExchanges(), "%q", tc.kex)
	}
	var none *keyscan.KexInit
	assert.False(t, none.NeedsLegacyKeyExchanges())
}
