package keyscan_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hostkeys/hostkeys/keyscan"
)

func TestParseKeyTypesError(t *testing.T) {
	_, err := keyscan.ParseKeyTypes("rsa, dss")
	var te *keyscan.KeyTypeError
	if assert.ErrorAs(t, err, &te) {
		assert.Equal(t, " dss", te.Name)
	}
	assert.EqualError(t, err, `keyscan: unknown key type " dss" (want rsa, ecdsa, ed25519, ecdsa-sk, ed25519-sk or dsa)`)
}
