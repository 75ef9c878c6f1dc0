package fingerprint

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hostkeys/hostkeys/internal/keyline"
)

// ParseError reports a string that is not a fingerprint in any form
// [Parse] accepts.
type ParseError struct {
	Input string // the text given to Parse
	// Part is the part of Input the problem is in: the trailing text, the
	// digest, the label; empty when the problem is Input as a whole.
	Part string
	// Reason says what is wrong, as Error prints it after the input.
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("fingerprint: cannot parse %s: %s", keyline.Quote(e.Input, 120), e.Reason)
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
// SHA256: does. A key type label in parentheses after the digest, as in
// "97:8c:...:40 (RSA)", is kept in [Fingerprint.KeyType].
//
// Whole lines that OpenSSH prints are accepted too, and their key type
// kept:
//
//	256 SHA256:... comment (ED25519)                              ssh-keygen -l
//	ED25519 key fingerprint is SHA256:....                        ssh, unknown host
//	The fingerprint for the ED25519 key sent by the remote host is
//	SHA256:....                                                   ssh, changed host key
//	Host key fingerprint is SHA256:...                            ssh -o VisualHostKey=yes
//
// Anything after the fingerprint other than these is an error naming it:
// Parse never drops text silently. Errors are [*ParseError].
func Parse(s string) (Fingerprint, error) {
	fp, part, reason := parseFields(s, strings.Fields(s))
	if reason != "" {
		return Fingerprint{}, &ParseError{Input: s, Part: part, Reason: reason}
	}
	return fp, nil
}

// The words of ssh's messages around a fingerprint (sshconnect.c).
var (
	changedWords = []string{"The", "fingerprint", "for", "the", "", "key", "sent", "by", "the", "remote", "host", "is"}
	unknownWords = []string{"", "key", "fingerprint", "is"}
)

// hasWords reports whether fields start with words, "" matching any one
// field.
func hasWords(fields, words []string) bool {
	if len(fields) < len(words) {
		return false
	}
	for i, w := range words {
		if w != "" && fields[i] != w {
			return false
		}
	}
	return true
}

// parseFields parses the blank-separated fields of Parse's input. On
// failure it returns the part at fault and the reason.
func parseFields(s string, fields []string) (Fingerprint, string, string) {
	// rest returns s from field i on, as written.
	rest := func(i int) string {
		if i >= len(fields) {
			return ""
		}
		off := 0
		for j := 0; j < i; j++ {
			off += strings.Index(s[off:], fields[j]) + len(fields[j])
		}
		return strings.TrimSpace(s[off:])
	}
	switch {
	case len(fields) == 0:
		return Fingerprint{}, "", "empty; " + expectedForms
	case hasWords(fields, changedWords):
		return parseSentence(fields[len(changedWords):], rest(len(changedWords)+1), fields[4])
	case hasWords(fields, unknownWords) && fields[0] == "Host":
		return parseSentence(fields[len(unknownWords):], rest(len(unknownWords)+1), "")
	case hasWords(fields, unknownWords):
		return parseSentence(fields[len(unknownWords):], rest(len(unknownWords)+1), fields[0])
	case len(fields) >= 2 && isDigits(fields[0]) && digestLike(fields[1]):
		// ssh-keygen -l: bits, fingerprint, comment (any words, even
		// none), and the key type label.
		fp, part, reason := parseDigest(fields[1])
		if reason != "" {
			return fp, part, reason
		}
		last := fields[len(fields)-1]
		if len(fields) == 2 {
			return Fingerprint{}, "", "an ssh-keygen -l line ends with a key type label such as (ED25519)"
		}
		label, reason := parseLabel(last)
		if reason != "" {
			return Fingerprint{}, last, "an ssh-keygen -l line ends with a key type label such as (ED25519); " + reason
		}
		fp.KeyType = label
		return fp, "", ""
	}
	if _, reason := parseLabel(fields[0]); reason == "" {
		return Fingerprint{}, fields[0], "no fingerprint before the key type label"
	}
	tok := fields[0]
	if len(fields) == 1 {
		// ssh ends its sentence with a period after the fingerprint; the
		// second line of the changed-key warning is just that.
		tok = trimPeriod(tok)
	}
	fp, part, reason := parseDigest(tok)
	if reason != "" {
		return fp, part, reason
	}
	if len(fields) == 1 {
		return fp, "", ""
	}
	label, reason := parseLabel(fields[1])
	if reason != "" {
		if strings.HasPrefix(fields[1], "(") || strings.HasSuffix(fields[1], ")") {
			return Fingerprint{}, fields[1], reason
		}
		tail := rest(1)
		return Fingerprint{}, tail, fmt.Sprintf("unexpected text %s after the fingerprint", keyline.Quote(tail, 60))
	}
	if len(fields) > 2 {
		tail := rest(2)
		return Fingerprint{}, tail, fmt.Sprintf("unexpected text %s after the key type label", keyline.Quote(tail, 60))
	}
	fp.KeyType = label
	return fp, "", ""
}

// parseSentence parses what follows "... is" in ssh's messages: the
// fingerprint and the period that ends the sentence. label is the key type
// the sentence named, or "".
// tail is the input after the fingerprint.
func parseSentence(rest []string, tail, label string) (Fingerprint, string, string) {
	if len(rest) == 0 {
		return Fingerprint{}, "", "no fingerprint after \"is\""
	}
	if len(rest) > 1 {
		return Fingerprint{}, tail, fmt.Sprintf("unexpected text %s after the fingerprint", keyline.Quote(tail, 60))
	}
	fp, part, reason := parseDigest(trimPeriod(rest[0]))
	if reason != "" {
		return fp, part, reason
	}
	if label != "" {
		l, reason := parseLabel("(" + label + ")")
		if reason != "" {
			return Fingerprint{}, label, reason
		}
		fp.KeyType = l
	}
	return fp, "", ""
}

func trimPeriod(s string) string {
	if len(s) > 1 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}

// parseLabel reads "(LABEL)". The reason is empty if tok is a label
// ssh-keygen prints.
func parseLabel(tok string) (string, string) {
	if len(tok) < 2 || tok[0] != '(' || tok[len(tok)-1] != ')' {
		if strings.HasPrefix(tok, "(") || strings.HasSuffix(tok, ")") {
			return "", fmt.Sprintf("unbalanced parenthesis in %s", keyline.Quote(tok, 40))
		}
		return "", fmt.Sprintf("%s is not a key type label in parentheses", keyline.Quote(tok, 40))
	}
	label := strings.ToUpper(tok[1 : len(tok)-1])
	if !knownLabel(label) {
		return "", fmt.Sprintf("unknown key type label %s", keyline.Quote(label, 40))
	}
	return label, ""
}

// digestLike reports whether tok is meant as a digest: it has a hash
// prefix or is long enough to be one, unlike a plain number.
func digestLike(tok string) bool {
	return strings.Contains(tok, ":") || len(tok) >= 22
}

// parseDigest reads one digest token.
func parseDigest(tok string) (Fingerprint, string, string) {
	fp, reason := parseToken(tok)
	if reason != "" {
		return Fingerprint{}, tok, reason
	}
	return fp, "", ""
}

func parseToken(tok string) (Fingerprint, string) {
	if i := strings.IndexByte(tok, ':'); i > 2 {
		name := strings.ToUpper(tok[:i])
		h, err := ParseHash(name)
		if err != nil {
			if isDigestName(name) {
				return Fingerprint{}, fmt.Sprintf("unsupported digest %s (OpenSSH prints SHA256, MD5 and SHA1)", name)
			}
			return Fingerprint{}, fmt.Sprintf("unknown prefix %s; %s", keyline.Quote(tok[:i+1], 40), expectedForms)
		}
		sum, reason := decodeDigest(tok[i+1:], h)
		if reason != "" {
			return Fingerprint{}, h.String() + " digest: " + reason
		}
		return Fingerprint{Hash: h, Sum: sum}, ""
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
	return Fingerprint{}, fmt.Sprintf("%s is not a recognised digest; %s", keyline.Quote(tok, 60), expectedForms)
}

// isDigestName reports whether s (upper case) names a digest family
// ("SHA512", "SHA3-256", "BLAKE2B"): a family's name, then at most a few
// letters, digits and dashes.
func isDigestName(s string) bool {
	if len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	for _, family := range []string{"SHA", "MD", "BLAKE", "RIPEMD", "SM3", "WHIRLPOOL"} {
		if strings.HasPrefix(s, family) {
			return true
		}
	}
	return false
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
		return nil, fmt.Sprintf("want %d colon-separated hex pairs, got %s", h.Size(), keyline.Quote(body, 60))
	}
	if sum, ok := decodeBase64(body, h.Size()); ok {
		return sum, ""
	}
	return nil, fmt.Sprintf("want %d bytes of base64 (%d characters without padding), got %s", h.Size(), base64.RawStdEncoding.EncodedLen(h.Size()), keyline.Quote(body, 60))
}

func decodeColonHex(s string) ([]byte, string) {
	parts := strings.Split(s, ":")
	sum := make([]byte, 0, len(parts))
	for i, p := range parts {
		if len(p) != 2 || !isHex(p) {
			return nil, fmt.Sprintf("byte %d is %s, want two hex digits", i+1, keyline.Quote(p, 16))
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
