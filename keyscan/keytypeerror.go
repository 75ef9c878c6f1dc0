package keyscan

import "fmt"

// KeyTypeError reports a key type name [ParseKeyTypes] does not know.
type KeyTypeError struct {
	Name string // the name as written, blanks included
}

func (e *KeyTypeError) Error() string {
	return fmt.Sprintf("keyscan: unknown key type %q (want rsa, ecdsa, ed25519, ecdsa-sk, ed25519-sk or dsa)", e.Name)
}
