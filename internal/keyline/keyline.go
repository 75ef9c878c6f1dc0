// Package keyline splits the lines of OpenSSH's key files (known_hosts,
// authorized_keys, .pub) into their fields with OpenSSH's rules, and reads
// such files line by line within a fixed bound. It is the one splitter
// behind package fingerprint's key-file reader, knownhosts and the
// ssh-keygen emulation.
//
// A line is
//
//	[MARKER] [HOSTS-OR-OPTIONS] TYPE BASE64 [COMMENT]
//
// with fields separated by runs of spaces and tabs (OpenSSH's blanks; no
// other white space separates fields). The functions work on strings and
// byte slices alike, so that hot paths need not convert.
package keyline

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// MaxLineLength is the longest line the readers of key files accept:
// longer lines are reported, without being held in memory or echoed. 1
// MiB holds any real key line, including a 16384-bit RSA certificate;
// OpenSSH itself has no limit.
const MaxLineLength = 1 << 20

// TooLong is the reason given for a line longer than MaxLineLength.
const TooLong = "line longer than 1048576 bytes"

// Blank reports whether c separates fields: a space or a tab.
func Blank(c byte) bool { return c == ' ' || c == '\t' }

// TrimBlanks returns s without its leading spaces and tabs.
func TrimBlanks[S ~string | ~[]byte](s S) S {
	i := 0
	for i < len(s) && Blank(s[i]) {
		i++
	}
	return s[i:]
}

// TrimTrailingBlanks returns s without its trailing spaces and tabs.
func TrimTrailingBlanks[S ~string | ~[]byte](s S) S {
	i := len(s)
	for i > 0 && Blank(s[i-1]) {
		i--
	}
	return s[:i]
}

// FieldEnd returns the index of the first blank in s, or len(s).
func FieldEnd[S ~string | ~[]byte](s S) int {
	for i := 0; i < len(s); i++ {
		if Blank(s[i]) {
			return i
		}
	}
	return len(s)
}

// QuotedFieldEnd is FieldEnd for a field of host names or authorized_keys
// options, as ssh-keygen -l and sshd read it: blanks inside double quotes
// do not end the field, and \" inside or outside quotes is not a quote.
func QuotedFieldEnd[S ~string | ~[]byte](s S) int {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && s[i+1] == '"':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && Blank(c):
			return i
		}
	}
	return len(s)
}

// Field splits s at its first blank: field is what comes before, rest
// what follows the run of blanks after it.
func Field[S ~string | ~[]byte](s S) (field, rest S) {
	i := FieldEnd(s)
	return s[:i], TrimBlanks(s[i:])
}

// QuotedField is Field with the quoting rules of QuotedFieldEnd.
func QuotedField[S ~string | ~[]byte](s S) (field, rest S) {
	i := QuotedFieldEnd(s)
	return s[:i], TrimBlanks(s[i:])
}

// The markers of known_hosts lines.
const (
	CertAuthority = "@cert-authority"
	Revoked       = "@revoked"
)

// Marker splits off the marker that may start a known_hosts line (s
// without leading blanks), as OpenSSH's check_markers does, quirks
// included: a marker ends at the first space of the line (or, if there is
// none, the first tab), and only one is allowed. It returns "" and s when
// s does not start with '@', and ok false when the marker is not one of
// CertAuthority and Revoked (bad is then the offending word).
func Marker(s string) (marker, rest, bad string, ok bool) {
	for len(s) > 0 && s[0] == '@' {
		sp := strings.IndexByte(s, ' ')
		if sp < 0 {
			sp = strings.IndexByte(s, '\t')
		}
		word := s
		if sp >= 0 {
			word = s[:sp]
		}
		if marker != "" || sp <= 1 || sp >= 32 || (word != CertAuthority && word != Revoked) {
			w, _ := Field(s)
			return "", s, w, false
		}
		marker, s = word, TrimBlanks(s[sp:])
	}
	return marker, s, "", true
}

// Key splits the text of a key, "TYPE BASE64 [COMMENT]", into its fields:
// the type, the base64 blob, and the comment after the blanks that follow
// the blob (trailing blanks kept, as sshkey_read leaves them).
func Key[S ~string | ~[]byte](s S) (typ, b64, comment S) {
	typ, s = Field(s)
	b64, comment = Field(s)
	return typ, b64, comment
}

// Quote quotes text from a user's file for a message, as %q does, but at
// most n bytes of it, followed by "..." and the full length when it was
// cut, so that no message echoes a long line whole.
func Quote[S ~string | ~[]byte](s S, n int) string {
	if len(s) <= n {
		return strconv.Quote(string(s))
	}
	return fmt.Sprintf("%q... (%d bytes)", s[:n], len(s))
}

// ReadLine returns the next line of br without its newline. A line longer
// than max bytes is consumed without being kept and reported with tooLong
// set (line is then empty, not nil). At the end of the input it returns
// nil and io.EOF; a last line without a newline comes with io.EOF.
func ReadLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
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
		if err != nil && len(line) == 0 && !tooLong {
			return nil, false, err
		}
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		if line == nil {
			line = []byte{}
		}
		return line, tooLong, err
	}
}
