package sshkey

import (
	"bytes"
	"errors"
	"strings"

	"github.com/hostkeys/hostkeys/internal/wire"
)

// OpenSSH's private key format ("openssh-key-v1").
const (
	privateBegin = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
	privateEnd   = "-----END OPENSSH PRIVATE KEY-----"
	privateMagic = "openssh-key-v1\x00"
)

// PrivateFile is what can be read of an OpenSSH private key file without a
// passphrase: the public key in its envelope, and, when the private part
// is not encrypted, the key's comment.
type PrivateFile struct {
	Public     *Key
	Encrypted  bool
	Comment    string
	HasComment bool // the private part was read and held a comment
}

// ParsePrivateFile reads an openssh-key-v1 private key file as OpenSSH's
// private2_uudecode and sshkey_parse_private2 do, without decrypting.
func ParsePrivateFile(data []byte) (*PrivateFile, error) {
	if !bytes.HasPrefix(data, []byte(privateBegin)) || len(data) < len(privateBegin)+len(privateEnd) {
		return nil, errors.New("not an OpenSSH private key")
	}
	// Collect the base64 up to the end marker, which must start a line.
	var enc []byte
	rest := data[len(privateBegin):]
	found := false
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c != '\n' && c != '\r' {
			enc = append(enc, c)
		}
		if c == '\n' && bytes.HasPrefix(rest[i+1:], []byte(privateEnd)) {
			found = true
			break
		}
	}
	if !found {
		return nil, errors.New("no end marker")
	}
	blob, err := decodeBase64Blob(string(enc))
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(blob, []byte(privateMagic)) {
		return nil, errors.New("bad magic")
	}
	r := wire.NewReader(blob[len(privateMagic):])
	cipher, err1 := r.CString()
	kdf, err2 := r.CString()
	_, err3 := r.String() // kdf options
	nkeys, err4 := r.Uint32()
	pub, err5 := r.String()
	if errors.Join(err1, err2, err3, err4, err5) != nil {
		return nil, errors.New("truncated private key envelope")
	}
	if nkeys != 1 {
		return nil, errors.New("private key files with several keys are not supported")
	}
	k, err := Parse(pub)
	if err != nil {
		return nil, err
	}
	pf := &PrivateFile{Public: k, Encrypted: cipher != "none" || kdf != "none"}
	if pf.Encrypted {
		return pf, nil
	}
	priv, err := r.String()
	if err != nil || r.Len() != 0 {
		return pf, nil
	}
	pr := wire.NewReader(priv)
	c1, e1 := pr.Uint32()
	c2, e2 := pr.Uint32()
	if e1 != nil || e2 != nil || c1 != c2 {
		return pf, nil
	}
	if comment, ok := privateComment(pr); ok {
		pf.Comment, pf.HasComment = comment, true
	}
	return pf, nil
}

// privateComment skips one serialised private key (sshkey_private_serialize)
// and reads the comment after it.
func privateComment(r *wire.Reader) (string, bool) {
	name, err := r.CString()
	if err != nil {
		return "", false
	}
	plain, cert, ok := lookupType(name)
	if !ok {
		return "", false
	}
	skip := func(n int) bool {
		for range n {
			if _, err := r.String(); err != nil {
				return false
			}
		}
		return true
	}
	var fields int
	switch {
	case cert:
		// The certificate blob, then the private scalars of the type.
		if !skip(1) {
			return "", false
		}
		fields = map[string]int{
			"ssh-rsa": 4, KeyAlgoDSA: 1, "ssh-ed25519": 2,
			"ecdsa-sha2-nistp256": 1, "ecdsa-sha2-nistp384": 1, "ecdsa-sha2-nistp521": 1,
		}[plain]
	case plain == "ssh-rsa":
		fields = 6
	case plain == KeyAlgoDSA:
		fields = 5
	case plain == "ssh-ed25519":
		fields = 2
	case strings.HasPrefix(plain, "ecdsa-sha2-"):
		fields = 3
	case plain == "sk-ecdsa-sha2-nistp256@openssh.com" || plain == "sk-ssh-ed25519@openssh.com":
		// Public fields and application, a flags byte, key handle, reserved.
		n := 2
		if plain == "sk-ssh-ed25519@openssh.com" {
			n = 1
		}
		if !skip(n + 1) {
			return "", false
		}
		if _, err := r.Byte(); err != nil {
			return "", false
		}
		fields = 2
	default:
		return "", false
	}
	if fields == 0 || !skip(fields) {
		return "", false
	}
	comment, err := r.CString()
	if err != nil {
		return "", false
	}
	return comment, true
}
