package mprintf

import (
	"io"
	"strings"
)

// OpenSSH's log functions (logit, error, fatal) format a message into a
// buffer of logBufSize bytes, escape it into another of that size, and
// write it with "\r\n" in a third.
const logBufSize = 1024

// Logit writes msg to w as OpenSSH's logit and error write a message to
// standard error (log.c do_log): msg cut to 1023 bytes, escaped by
// [VisSafe] within 1023 bytes, cut to 1021 and ended with "\r\n".
func Logit(w io.Writer, msg string) error {
	if len(msg) > logBufSize-1 {
		msg = msg[:logBufSize-1]
	}
	s := visSafe(msg, logBufSize-1)
	if len(s) > logBufSize-3 {
		s = s[:logBufSize-3]
	}
	_, err := io.WriteString(w, s+"\r\n")
	return err
}

// VisSafe returns s as OpenSSH's log functions escape a message for
// standard error, strnvis(VIS_SAFE|VIS_OCTAL) of openbsd-compat/vis.c:
// printable ASCII, space, tab, newline, carriage return, backspace and
// bell are copied, a backslash is doubled, and every other byte becomes a
// backslash and three octal digits. The text ends at a NUL byte, as a C
// string does.
func VisSafe(s string) string {
	return visSafe(s, -1)
}

// visSafe is VisSafe within at most limit bytes (no limit when negative):
// as strnvis, it stops before the first encoding that does not fit whole.
func visSafe(s string, limit int) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if !visible(s[i]) || s[i] == '\\' {
			clean = false
			break
		}
	}
	if clean && (limit < 0 || len(s) <= limit) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s) && s[i] != 0; i++ {
		c := s[i]
		n := 1
		switch {
		case c == '\\':
			n = 2
		case !visible(c):
			n = 4
		}
		if limit >= 0 && b.Len()+n > limit {
			break
		}
		switch n {
		case 1:
			b.WriteByte(c)
		case 2:
			b.WriteString(`\\`)
		default:
			octal(&b, c)
		}
	}
	return b.String()
}

// visible reports whether strnvis(VIS_SAFE) copies c as it is.
func visible(c byte) bool {
	return c >= ' ' && c < 0x7f || c == '\t' || c == '\n' || c == '\r' || c == '\b' || c == '\a'
}
