package fingerprint

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// ParseError reports a string that is not a fingerprint in any form
// [Parse] accepts.
type ParseError struct {
	Input  string // the text given to Parse
	Reason string // what was wrong with it
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("fingerprint: cannot parse %q: %s", e.Input, e.Reason)
}

const expectedForms = "want SHA256:<base64>, MD5:<hex pairs>, bare colon-separated MD5 hex, or a hex or base64 SHA-256 digest"

// Parse reads a fingerprint in any of the forms people publish and paste:
//
//	SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s     OpenSSH (6.8 and later)
//	MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48   OpenSSH -E md5
//	16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48       OpenSSH before 6.8, vendor pages
//	b8d895ce...                                           64 hex digits: SHA-256 (32: MD5, 40: SHA-1)
//	uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s=          base64, padded or not
//
// The prefix is case-insensitive and hex may be upper case. SHA1: works as
// SHA256: does. A trailing key type label in parentheses, as in
// "97:8c:...:40 (RSA)", is kept in [Fingerprint.KeyType]. A whole line of
// ssh-keygen -l output ("256 SHA256:... comment (ED25519)") is accepted too:
// the leading bit count and the comment are ignored.
func Parse(s string) (Fingerprint, error) {
	fail := func(reason string) (Fingerprint, error) {
		return Fingerprint{}, &ParseError{Input: s, Reason: reason}
	}
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return fail("empty; " + expectedForms)
	}
	var label string
	if last := fields[len(fields)-1]; strings.HasSuffix(last, ")") {
		open := strings.LastIndexByte(s, '(')
		if open < 0 {
			return fail("unbalanced parenthesis")
		}
		label = strings.ToUpper(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s[open+1:]), ")")))
		if !knownLabel(label) {
			return fail(fmt.Sprintf("unknown key type label %q", label))
		}
		fields = strings.Fields(s[:open])
		if len(fields) == 0 {
			return fail("no fingerprint before the key type label")
		}
	}
	tok := fields[0]
	if len(fields) > 1 && isDigits(tok) {
		// ssh-keygen -l form: bits, fingerprint, comment.
		tok = fields[1]
	} else if len(fields) > 1 && !strings.Contains(tok, ":") {
		return fail("unexpected text after the fingerprint; " + expectedForms)
	}
	fp, reason := parseToken(tok)
	if reason != "" {
		return fail(reason)
	}
	fp.KeyType = label
	return fp, nil
}

func parseToken(tok string) (Fingerprint, string) {
	if i := strings.IndexByte(tok, ':'); i > 0 {
		var h Hash
		switch strings.ToUpper(tok[:i]) {
		case "SHA256":
			h = SHA256
		case "MD5":
			h = MD5
		case "SHA1":
			h = SHA1
		}
		if h != 0 {
			body := tok[i+1:]
			sum, reason := decodeDigest(body, h)
			if reason != "" {
				return Fingerprint{}, h.String() + " fingerprint: " + reason
			}
			return Fingerprint{Hash: h, Sum: sum}, ""
		}
	}
	// No prefix: the length tells the hash.
	if strings.Contains(tok, ":") {
		sum, err := decodeColonHex(tok)
		if err != "" {
			return Fingerprint{}, err + "; " + expectedForms
		}
		h := hashForSize(len(sum))
		if h == 0 {
			return Fingerprint{}, fmt.Sprintf("%d colon-separated bytes fit no digest (MD5 has 16, SHA-1 20, SHA-256 32)", len(sum))
		}
		return Fingerprint{Hash: h, Sum: sum}, ""
	}
	if isHex(tok) {
		if h := hashForSize(len(tok) / 2); h != 0 && len(tok)%2 == 0 {
			sum, _ := hex.DecodeString(tok)
			return Fingerprint{Hash: h, Sum: sum}, ""
		}
	}
	for _, h := range []Hash{SHA256, SHA1} {
		if sum, ok := decodeBase64(tok, h.Size()); ok {
			return Fingerprint{Hash: h, Sum: sum}, ""
		}
	}
	return Fingerprint{}, "not a recognised digest; " + expectedForms
}

// decodeDigest reads the part after an explicit "SHA256:", "SHA1:" or "MD5:".
func decodeDigest(body string, h Hash) ([]byte, string) {
	if body == "" {
		return nil, "empty digest"
	}
	if strings.Contains(body, ":") {
		sum, reason := decodeColonHex(body)
		if reason != "" {
			return nil, reason
		}
		if len(sum) != h.Size() {
			return nil, fmt.Sprintf("%d bytes, want %d", len(sum), h.Size())
		}
		return sum, ""
	}
	if len(body) == 2*h.Size() && isHex(body) {
		sum, _ := hex.DecodeString(body)
		return sum, ""
	}
	if h == MD5 {
		return nil, fmt.Sprintf("want %d colon-separated hex pairs", h.Size())
	}
	if sum, ok := decodeBase64(body, h.Size()); ok {
		return sum, ""
	}
	return nil, fmt.Sprintf("want %d bytes of base64 (%d characters without padding)", h.Size(), base64.RawStdEncoding.EncodedLen(h.Size()))
}

func decodeColonHex(s string) ([]byte, string) {
	parts := strings.Split(s, ":")
	sum := make([]byte, 0, len(parts))
	for i, p := range parts {
		if len(p) != 2 || !isHex(p) {
			return nil, fmt.Sprintf("byte %d is %q, want two hex digits", i+1, p)
		}
		b, _ := hex.DecodeString(p)
		sum = append(sum, b[0])
	}
	return sum, ""
}

func decodeBase64(s string, size int) ([]byte, bool) {
	enc := base64.RawStdEncoding.Strict()
	if strings.HasSuffix(s, "=") {
		enc = base64.StdEncoding.Strict()
	}
	if len(s) != enc.EncodedLen(size) {
		return nil, false
	}
	sum, err := enc.DecodeString(s)
	if err != nil || len(sum) != size {
		return nil, false
	}
	return sum, true
}

func hashForSize(n int) Hash {
	switch n {
	case 16:
		return MD5
	case 20:
		return SHA1
	case 32:
		return SHA256
	}
	return 0
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func knownLabel(l string) bool {
	switch strings.TrimSuffix(l, "-CERT") {
	case "RSA", "DSA", "ECDSA", "ED25519", "ECDSA-SK", "ED25519-SK", "ED448":
		return true
	}
	return false
}
