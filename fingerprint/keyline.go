package fingerprint

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hostkeys/hostkeys/internal/sshkey"
	"golang.org/x/crypto/ssh"
)

// ParseKeyText parses the text form of a public key, "TYPE BASE64" followed
// by optional blanks and a comment, as OpenSSH's sshkey_read does: TYPE and
// BASE64 are separated by spaces or tabs, BASE64 must be padded, and TYPE
// must name the same key type as the blob (rsa-sha2-256 and rsa-sha2-512
// name RSA keys). It returns the key and the rest of the text after the
// blanks that follow the blob, which is the comment.
//
// Types OpenSSH does not know are accepted when the blob's own type name is
// exactly TYPE; they come back as [*OpaqueKey] (or x/crypto's type, for
// ML-DSA) and [OpenSSHKnows] reports false for them.
func ParseKeyText(text string) (key ssh.PublicKey, rest string, err error) {
	p, rest, err := sshkey.ParseText(text)
	if err != nil {
		return nil, "", err
	}
	return publicKey(p), rest, nil
}

// KnownKeyType reports whether OpenSSH 9.x reads a text key that starts
// with this type name ("ssh-ed25519", "rsa-sha2-512", certificate names).
func KnownKeyType(name string) bool { return sshkey.KnownTextType(name) }

// Marker is the @-keyword that starts a known_hosts line.
type Marker string

// Markers defined by OpenSSH.
const (
	CertAuthority Marker = "@cert-authority"
	Revoked       Marker = "@revoked"
)

// KeyLine is one public key found by [ReadKeys].
type KeyLine struct {
	Line int // 1-based line number
	Key  ssh.PublicKey
	// Marker is @cert-authority or @revoked on known_hosts lines that carry
	// one, and empty otherwise.
	Marker Marker
	// Prefix is what came before the key: the host list of a known_hosts
	// line or the options of an authorized_keys line. Empty for bare keys.
	Prefix string
	// Comment is the text after the key, with surrounding blanks removed.
	Comment string
}

// LineError describes a line that holds no usable key.
type LineError struct {
	File   string
	Line   int
	Reason string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("fingerprint: %s:%d: %s", e.File, e.Line, e.Reason)
}

// KeyFile is what [ReadKeys] found in a file.
type KeyFile struct {
	Keys    []KeyLine
	Invalid []*LineError // lines that are neither blank, comments, nor keys
}

// MaxLineLength is the longest line ReadKeys accepts; longer lines are
// reported as invalid and skipped. OpenSSH has no limit; 1 MiB holds any
// real key, including 16384-bit RSA certificates.
const MaxLineLength = 1 << 20

// ReadKeys reads every public key in a .pub file, an authorized_keys file
// or a known_hosts file, recognising lines as ssh-keygen -l does: a bare
// key, or a key after one field of host names or options (options may
// contain quoted blanks). Blank lines and # comments are skipped; every
// other line that holds no key is reported in [KeyFile.Invalid] with its
// line number and the reason. The name is used in messages only. The error
// is non-nil only if reading fails.
func ReadKeys(r io.Reader, name string) (*KeyFile, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	kf := &KeyFile{}
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br, MaxLineLength)
		if err == io.EOF && line == nil {
			return kf, nil
		}
		if err != nil && err != io.EOF {
			return kf, fmt.Errorf("fingerprint: %s:%d: %w", name, n, err)
		}
		if tooLong {
			kf.Invalid = append(kf.Invalid, &LineError{name, n, fmt.Sprintf("line longer than %d bytes", MaxLineLength)})
			continue
		}
		kl, reason := parseKeyLine(string(line))
		switch {
		case reason != "":
			kf.Invalid = append(kf.Invalid, &LineError{name, n, reason})
		case kl != nil:
			kl.Line = n
			kf.Keys = append(kf.Keys, *kl)
		}
		if err == io.EOF {
			return kf, nil
		}
	}
}

// readLine returns the next line without its newline. A line longer than
// max is consumed and reported with tooLong set.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > max+1 {
			tooLong = true
			line = line[:0]
		} else {
			line = append(line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if len(line) == 0 && !tooLong {
				return nil, false, err
			}
			return trimNewline(line), tooLong, err
		}
		return trimNewline(line), tooLong, nil
	}
}

func trimNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// ParseKeyLine reads one line of a key file as [ReadKeys] does. It returns
// nil and no error for blank and comment lines, and a *LineError (with no
// file name and line number) for a line that holds no key.
func ParseKeyLine(line string) (*KeyLine, error) {
	kl, reason := parseKeyLine(line)
	if reason != "" {
		return nil, &LineError{Reason: reason}
	}
	return kl, nil
}

// parseKeyLine reads one line. It returns (nil, "") for blank and comment
// lines, and a reason for lines that hold no key.
func parseKeyLine(line string) (*KeyLine, string) {
	line = strings.TrimSuffix(line, "\r")
	s := strings.TrimLeft(line, " \t")
	if s == "" || s[0] == '#' {
		return nil, ""
	}
	if strings.IndexByte(s, 0) >= 0 {
		return nil, "line contains a NUL byte"
	}
	kl := &KeyLine{}
	if s[0] == '@' {
		tok, rest := splitField(s)
		switch Marker(tok) {
		case CertAuthority, Revoked:
			kl.Marker = Marker(tok)
		default:
			return nil, fmt.Sprintf("unknown marker %q", tok)
		}
		s = rest
		if s == "" {
			return nil, "marker without hosts and key"
		}
	}
	key, rest, err := ParseKeyText(s)
	if err != nil || kl.Marker != "" {
		prefix, after := splitOptions(s)
		if after == "" {
			if err == nil {
				return nil, "marker without hosts"
			}
			return nil, reasonFor(s, err)
		}
		var err2 error
		key, rest, err2 = ParseKeyText(after)
		if err2 != nil {
			if first, _ := splitField(s); err != nil && isKeyType(first) {
				return nil, reasonOf(err)
			}
			return nil, reasonOf(err2)
		}
		kl.Prefix = prefix
	}
	kl.Key = key
	kl.Comment = strings.TrimRight(rest, " \t")
	return kl, ""
}

func isKeyType(tok string) bool { return sshkey.KnownTextType(tok) }

func reasonFor(s string, err error) string {
	if tok, _ := splitField(s); isKeyType(tok) {
		return reasonOf(err)
	}
	return "no public key on the line"
}

// reasonOf returns the reason of an error from ParseKeyText, which is
// always a *KeyError.
func reasonOf(err error) string {
	var ke *KeyError
	if errors.As(err, &ke) {
		return ke.Reason
	}
	return err.Error()
}

// splitField splits off the first blank-separated field.
func splitField(s string) (tok, rest string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// splitOptions splits off a field of host names or authorized_keys
// options, in which blanks inside double quotes do not end the field and
// \" does not end a quote.
func splitOptions(s string) (field, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && s[i+1] == '"':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ' ' || c == '\t'):
			return s[:i], strings.TrimLeft(s[i:], " \t")
		}
	}
	return s, ""
}
