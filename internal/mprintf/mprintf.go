// Package mprintf escapes text for the terminal as OpenSSH's mprintf
// (utf8.c) does in ssh-keygen's and ssh's output: what is printable in the
// locale is copied, every other byte becomes a backslash and three octal
// digits.
package mprintf

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escaper reproduces OpenSSH's mprintf: text for the terminal is copied
// when printable in the current locale and every other byte is written as
// a backslash and three octal digits. Tabs, carriage returns and newlines
// pass through.
type Escaper struct {
	// UTF8 is set when the locale's character set is UTF-8, so that
	// printable multi-byte characters are copied.
	UTF8 bool
}

// LocaleEscaper returns the Escaper that ssh-keygen would use with the
// given environment: OpenSSH's msetlocale picks the locale from LC_ALL,
// LC_CTYPE or LANG, falls back to C for Turkish locales, and a locale
// that is not installed leaves the C locale in force.
func LocaleEscaper(getenv func(string) string) *Escaper {
	name := ""
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if val := getenv(v); val != "" {
			name = val
			break
		}
	}
	utf := strings.Contains(strings.ToLower(name), "utf-8") || strings.Contains(strings.ToLower(name), "utf8")
	if !utf {
		return &Escaper{}
	}
	if strings.HasPrefix(strings.ToUpper(name), "TR") {
		return &Escaper{UTF8: true} // OpenSSH switches to C.UTF-8
	}
	return &Escaper{UTF8: localeInstalled(name)}
}

// localeInstalled reports whether glibc's setlocale would accept name.
func localeInstalled(name string) bool {
	if strings.HasPrefix(name, "C.") || strings.HasPrefix(name, "POSIX.") {
		return true
	}
	norm := name
	if i := strings.IndexByte(name, '.'); i >= 0 {
		cs := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(name[i+1:]))
		norm = name[:i] + "." + cs
	}
	for _, n := range []string{name, norm} {
		if fi, err := os.Stat(filepath.Join("/usr/lib/locale", n)); err == nil && fi.IsDir() {
			return true
		}
	}
	archive, err := os.ReadFile("/usr/lib/locale/locale-archive")
	if err != nil {
		return false
	}
	return strings.Contains(string(archive), norm+"\x00")
}

// WriteTo writes b to w as mprintf would print it, without a copy when b
// needs no escaping.
func (e *Escaper) WriteTo(w *bufio.Writer, b []byte) {
	for _, c := range b {
		if c >= 0x7f || (c < ' ' && c != '\t' && c != '\r' && c != '\n') {
			w.WriteString(e.Escape(string(b)))
			return
		}
	}
	w.Write(b)
}

// Escape returns s as mprintf would print it.
func (e *Escaper) Escape(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x7f || (c < ' ' && c != '\t' && c != '\r' && c != '\n') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != 0x7f || c == '\t' || c == '\r' || c == '\n' {
				b.WriteByte(c)
			} else {
				octal(&b, c)
			}
			i++
			continue
		}
		if !e.UTF8 {
			octal(&b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			octal(&b, c)
			i++
			continue
		}
		if printableWide(r) {
			b.WriteString(s[i : i+n])
		} else {
			for j := 0; j < n; j++ {
				octal(&b, s[i+j])
			}
		}
		i += n
	}
	return b.String()
}

// printableWide approximates glibc's wcwidth(r) != -1 for non-ASCII runes.
func printableWide(r rune) bool {
	if unicode.IsControl(r) || unicode.In(r, unicode.Cs, unicode.Co, unicode.Zl, unicode.Zp) {
		return false
	}
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cf)
}

func octal(b *strings.Builder, c byte) {
	b.WriteByte('\\')
	b.WriteByte('0' + c>>6)
	b.WriteByte('0' + c>>3&7)
	b.WriteByte('0' + c&7)
}
