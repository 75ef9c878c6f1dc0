package sshkeygen

import (
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/mprintf"
	"github.com/hostkeys/hostkeys/internal/sshkey"
)

// ListPrivate writes what `ssh-keygen -l -f path` prints when the first
// line of path mentions "PRIVATE KEY" (ssh-keygen's fingerprint_private):
// the key sshkey_load_public finds (path, path.pub, or the public key in
// an OpenSSH private key's envelope) with the comment of its line, the
// file's name when the line has none; lacking a comment, the key and
// comment sshkey_load_private reads without a passphrase (OpenSSH format,
// or PEM and PKCS#8 RSA, DSA and ECDSA keys, which have no comment). It
// returns ssh-keygen's complaints for stderr and whether a key was
// printed.
func ListPrivate(w io.Writer, path string, opt ListOptions) (warnings []string, ok bool, err error) {
	h := opt.Hash
	if h == 0 {
		h = fingerprint.SHA256
	}
	if _, err := os.Stat(path); err != nil {
		return nil, false, err
	}
	var pub *sshkey.Key
	var comment string
	hasComment := false
	if ld, err := sshkey.LoadPublic(path); err == nil {
		pub = ld.Key
		if ld.FromLine {
			comment, hasComment = ld.Comment, true
			if comment == "" {
				comment = ld.File
			}
		}
	}
	var priv *sshkey.Key
	if pub == nil || !hasComment {
		if why := permissionProblem(path); why != "" {
			warnings = append(warnings, why)
		} else if data, err := sshkey.ReadKeyFile(path); err == nil {
			if k, c, hasC, err := sshkey.ReadPrivate(data); err == nil {
				priv, comment, hasComment = k, c, hasC
			}
		}
	}
	key := pub
	if key == nil {
		key = priv
	}
	if key == nil {
		return warnings, false, nil
	}
	text := "no comment"
	if hasComment {
		text = comment
	}
	d := (&cachedKey{key: key}).describe(h, opt.Visual)
	esc := opt.Escaper
	if esc == nil {
		esc = &mprintf.Escaper{}
	}
	out := d.head + esc.Escape(text) + d.tail
	if opt.Visual {
		out += d.art
	}
	_, err = io.WriteString(w, out)
	return warnings, true, err
}

// permissionProblem is OpenSSH's sshkey_perm_ok: a private key file of
// ours that others may read is refused.
func permissionProblem(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) != os.Getuid() || fi.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("permissions %04o for %q are too open: ssh-keygen ignores the private key", fi.Mode().Perm(), path)
}
