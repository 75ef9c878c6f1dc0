package fingerprint

import (
	"errors"

	"github.com/hostkeys/hostkeys/internal/sshkey"
	"golang.org/x/crypto/ssh"
)

// LoadError reports a key file from which [LoadPublicKey] could read no
// key.
type LoadError struct {
	Path   string // the file
	Reason string // what is wrong with it: "no public key found", ...
}

func (e *LoadError) Error() string { return "fingerprint: " + e.Path + ": " + e.Reason }

// LoadPublicKey reads a public key from a key file as OpenSSH's
// sshkey_load_public does (ssh-keygen -r and ssh -i use it): the first
// line of path that holds a key OpenSSH knows, else the first such line
// of path+".pub", else the public key an OpenSSH-format private key file
// carries in the clear (no passphrase is needed). comment is the text
// after the key on its line, or "" if there is none or the key came from a
// private key file.
//
// Lines longer than 1 MiB are passed over, and a private key file is read
// only if it is at most 1 MiB, as in OpenSSH. If neither path nor
// path+".pub" exists, the error is that of opening path (errors.Is
// os.ErrNotExist); if they hold no key, it is a [*LoadError].
func LoadPublicKey(path string) (key ssh.PublicKey, comment string, err error) {
	ld, err := sshkey.LoadPublic(path)
	var le *sshkey.LoadError
	if errors.As(err, &le) {
		return nil, "", &LoadError{Path: le.Path, Reason: le.Reason}
	}
	if err != nil {
		return nil, "", err
	}
	return publicKey(ld.Key), ld.Comment, nil
}
