package sshkeygen

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/sshkey"
	"golang.org/x/crypto/ssh"
)

// ListPrivate writes what `ssh-keygen -l -f path` prints when the first
// line of path mentions "PRIVATE KEY": the key from path.pub if there is
// one, else the public key in an OpenSSH private key's envelope; the
// comment from the .pub file, else from the private key when it can be read
// without a passphrase. It returns ssh-keygen's complaints for stderr and
// whether a key was printed.
func ListPrivate(w io.Writer, path string, opt ListOptions) (warnings []string, ok bool, err error) {
	h := opt.Hash
	if h == 0 {
		h = fingerprint.SHA256
	}
	pub, comment, hasComment := tryLoadPublic(path)
	if pub == nil {
		pub, comment, hasComment = tryLoadPublic(path + ".pub")
	}
	data, readErr := os.ReadFile(path)
	if readErr != nil {
		return nil, false, readErr
	}
	if pub == nil {
		if pf, err := sshkey.ParsePrivateFile(data); err == nil && pf.Public.Known {
			pub = pf.Public
		}
	}
	var priv *sshkey.Key
	if pub == nil || !hasComment || comment == "" {
		if why := permissionProblem(path); why != "" {
			warnings = append(warnings, why)
		} else if pf, err := sshkey.ParsePrivateFile(data); err == nil {
			if !pf.Encrypted && pf.HasComment && pf.Public.Known {
				priv, comment, hasComment = pf.Public, pf.Comment, true
			}
		} else if raw, err := ssh.ParseRawPrivateKey(data); err == nil {
			// PEM and PKCS#8 keys have no comment.
			if signer, err := ssh.NewSignerFromKey(raw); err == nil {
				if k, err := sshkey.Parse(signer.PublicKey().Marshal()); err == nil && k.Known {
					priv, comment, hasComment = k, "", false
				}
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
		esc = &Escaper{}
	}
	out := d.head + esc.Escape(text) + d.tail
	if opt.Visual {
		out += d.art
	}
	_, err = io.WriteString(w, out)
	return warnings, true, err
}

// tryLoadPublic is OpenSSH's sshkey_try_load_public: the first key line of
// a public key file, with its comment or, lacking one, the file's name.
func tryLoadPublic(path string) (*sshkey.Key, string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", false
	}
	defer f.Close()
	br := bufio.NewReader(f)
	for {
		line, err := br.ReadString('\n')
		if line == "" && err != nil {
			return nil, "", false
		}
		if i := strings.IndexByte(line, 0); i >= 0 {
			line = line[:i]
		}
		switch {
		case line == "" || line[0] == '#' || line[0] == '\n':
			continue
		case strings.HasPrefix(line, "-----BEGIN") || line == "SSH PRIVATE KEY FILE":
			return nil, "", false
		}
		cp := strings.TrimLeft(line, " \t")
		if cp == "" {
			continue
		}
		k, rest, perr := sshkey.ParseText(strings.TrimSuffix(cp, "\n"))
		if perr == nil && k.Known {
			if i := strings.IndexAny(rest, "\r\n"); i >= 0 {
				rest = rest[:i]
			}
			if rest == "" {
				rest = path
			}
			return k, rest, true
		}
		if err != nil {
			return nil, "", false
		}
	}
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
