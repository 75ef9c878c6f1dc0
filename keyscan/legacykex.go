package keyscan

import "slices"

// NeedsLegacyKeyExchanges reports whether the server offers a SHA-1
// Diffie-Hellman group of [LegacyKeyExchanges] and none of
// [DefaultKeyExchanges]: a Scanner gets its keys only with
// [Scanner.LegacyKeyExchanges] set, their proof then resting on SHA-1. It
// is false for a nil KexInit.
func (k *KexInit) NeedsLegacyKeyExchanges() bool {
	if k == nil {
		return false
	}
	legacy := false
	modern, old := DefaultKeyExchanges(), LegacyKeyExchanges()
	for _, m := range k.KeyExchanges {
		if slices.Contains(modern, m) {
			return false
		}
		legacy = legacy || slices.Contains(old, m)
	}
	return legacy
}
