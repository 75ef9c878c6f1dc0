package fingerprint

import (
	"strings"

	"github.com/hostkeys/hostkeys/internal/keyline"
)

// ParseHash returns the Hash a digest name names, as ssh-keygen -E and
// ssh-keyscan -O hashalg= read it (OpenSSH's ssh_digest_alg_by_name): "sha256",
// "md5" or "sha1", in any case. Names of other digests, including the
// SHA384 and SHA512 that ssh-keygen -E also takes, give a *[HashError].
func ParseHash(name string) (Hash, error) {
	switch strings.ToLower(name) {
	case "sha256":
		return SHA256, nil
	case "md5":
		return MD5, nil
	case "sha1":
		return SHA1, nil
	case "sha384", "sha512":
		return 0, &HashError{Name: name, OpenSSH: true}
	}
	return 0, &HashError{Name: name}
}

// HashError reports a digest name [ParseHash] does not accept.
type HashError struct {
	Name string // the name as given
	// OpenSSH is true for a digest OpenSSH knows but fingerprints of this
	// package are not made with (SHA384, SHA512).
	OpenSSH bool
}

func (e *HashError) Error() string {
	what := "unknown"
	if e.OpenSSH {
		what = "unsupported"
	}
	return "fingerprint: " + what + " hash algorithm " + keyline.Quote(e.Name, 40) + " (want sha256, md5 or sha1)"
}
