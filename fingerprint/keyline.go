package fingerprint

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hostkeys/hostkeys/internal/keyline"
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
		return nil, "", keyError(err)
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
	if e.Line == 0 {
		return fmt.Sprintf("fingerprint: %s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("fingerprint: %s:%d: %s", e.File, e.Line, e.Reason)
}

// KeyFile is what [ReadKeys] found in a file.
type KeyFile struct {
	Keys []KeyLine
	// Invalid are the first MaxInvalid lines that are neither blank,
	// comments, nor keys; MoreInvalid counts the invalid lines after them.
	Invalid     []*LineError
	MoreInvalid int
}

// Limits of [ReadKeys]. OpenSSH has none.
const (
	// MaxLineLength is the longest line ReadKeys accepts; longer lines are
	// reported as invalid (without being held in memory) and skipped. 1 MiB
	// holds any real key, including 16384-bit RSA certificates.
	MaxLineLength = 1 << 20
	// MaxFileSize is the most ReadKeys reads: 64 MiB, some 600,000 keys.
	// A larger input is an error, with the keys read before the limit.
	MaxFileSize = 64 << 20
	// MaxInvalid is the number of invalid lines ReadKeys keeps with their
	// line number and reason; the rest are only counted, so that memory
	// does not grow with a file of junk.
	MaxInvalid = 1000
)

// errTooLarge is why ReadKeys stops at MaxFileSize.
var errTooLarge = fmt.Errorf("input is larger than the limit of %d bytes", MaxFileSize)

// ReadKeys reads every public key in a .pub file, an authorized_keys file
// or a known_hosts file, recognising lines as ssh-keygen -l does: a bare
// key, or a key after one field of host names or options (options may
// contain quoted blanks), after a known_hosts marker if there is one. As
// for ssh-keygen, a line ends at its first NUL byte.
// Blank lines and # comments are skipped; every other line that holds no
// key is reported in [KeyFile.Invalid] with its line number and the reason,
// which quotes at most a short part of the line (up to [MaxInvalid] lines,
// then counted in [KeyFile.MoreInvalid]). Lines longer than
// [MaxLineLength] are reported too. The name is used in messages only. The
// error is non-nil if reading fails or the input is larger than
// [MaxFileSize]; the KeyFile then holds what was read before.
func ReadKeys(r io.Reader, name string) (*KeyFile, error) {
	br := bufio.NewReaderSize(&limitReader{r: r, n: MaxFileSize}, 64<<10)
	kf := &KeyFile{}
	invalid := func(n int, reason string) {
		if len(kf.Invalid) < MaxInvalid {
			kf.Invalid = append(kf.Invalid, &LineError{name, n, reason})
		} else {
			kf.MoreInvalid++
		}
	}
	for n := 1; ; n++ {
		line, tooLong, err := keyline.ReadLine(br, MaxLineLength)
		if err == io.EOF && line == nil {
			return kf, nil
		}
		if err == errTooLarge {
			return kf, &LineError{File: name, Reason: errTooLarge.Error()}
		}
		if err != nil && err != io.EOF {
			return kf, fmt.Errorf("fingerprint: %s:%d: %w", name, n, err)
		}
		if tooLong {
			invalid(n, keyline.TooLong)
			continue
		}
		kl, reason := parseKeyLine(string(line))
		switch {
		case reason != "":
			invalid(n, reason)
		case kl != nil:
			kl.Line = n
			kf.Keys = append(kf.Keys, *kl)
		}
		if err == io.EOF {
			return kf, nil
		}
	}
}

// limitReader reads at most n bytes from r, then fails with errTooLarge
// if r has more.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		// One byte over: the input is too large. The bytes before the
		// limit are still handed out.
		return n - 1, errTooLarge
	}
	return n, err
}

// ParseKeyLine reads one line of a key file as [ReadKeys] does. It returns
// nil and no error for blank and comment lines, and a *LineError (with no
// file name and line number) for a line that holds no key.
func ParseKeyLine(line string) (*KeyLine, error) {
	if len(line) > MaxLineLength {
		return nil, &LineError{Reason: keyline.TooLong}
	}
	kl, reason := parseKeyLine(line)
	if reason != "" {
		return nil, &LineError{Reason: reason}
	}
	return kl, nil
}

// parseKeyLine reads one line. It returns (nil, "") for blank and comment
// lines, and a reason for lines that hold no key.
func parseKeyLine(line string) (*KeyLine, string) {
	// ssh-keygen reads a line as a C string: it ends at a NUL.
	nul := false
	if i := strings.IndexByte(line, 0); i >= 0 {
		line, nul = line[:i], true
	}
	line = strings.TrimSuffix(line, "\r")
	s := keyline.TrimBlanks(line)
	if s == "" && nul {
		return nil, nulStart
	}
	if s == "" || s[0] == '#' {
		return nil, ""
	}
	kl, reason := parseKeyText(s)
	if reason != "" && nul {
		reason += " (the line ends at a NUL byte)"
	}
	return kl, reason
}

// parseKeyText reads a line that is not blank, a comment, or cut at a NUL
// byte, with its leading blanks removed.
func parseKeyText(s string) (*KeyLine, string) {
	kl := &KeyLine{}
	if s[0] == '@' {
		m, rest, bad, ok := keyline.Marker(s)
		switch {
		case !ok && (bad == keyline.CertAuthority || bad == keyline.Revoked):
			if _, after := keyline.Field(s); after == "" {
				return nil, "marker without hosts and key"
			}
			// "@revoked\thost key" or two markers: OpenSSH ends a marker
			// at the line's first space and allows one.
			return nil, "marker " + bad + " not followed by a space, or twice"
		case !ok:
			return nil, "unknown marker " + keyline.Quote(bad, 32)
		case rest == "":
			return nil, "marker without hosts and key"
		}
		kl.Marker, s = Marker(m), rest
	}
	key, rest, err := ParseKeyText(s)
	if err != nil || kl.Marker != "" {
		prefix, after := keyline.QuotedField(s)
		if after == "" {
			if err == nil {
				return nil, "marker without hosts"
			}
			return nil, reasonFor(s, err)
		}
		var err2 error
		key, rest, err2 = ParseKeyText(after)
		if err2 != nil {
			if first, _ := keyline.Field(s); err != nil && isKeyType(first) {
				return nil, reasonOf(err)
			}
			return nil, reasonOf(err2)
		}
		kl.Prefix = prefix
	}
	kl.Key = key
	kl.Comment = keyline.TrimTrailingBlanks(rest)
	return kl, ""
}

// nulStart is the reason for a line that is blank up to a NUL byte, which
// ssh-keygen skips as it skips blank lines, but is not blank.
const nulStart = "line starts with a NUL byte"

func isKeyType(tok string) bool { return sshkey.KnownTextType(tok) }

func reasonFor(s string, err error) string {
	if tok, _ := keyline.Field(s); isKeyType(tok) {
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
