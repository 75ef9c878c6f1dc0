package keygentest

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
)

var (
	hostFields = []string{
		"example.com", "a.example.org,192.0.2.10", "[git.example.net]:2222", "2001:db8::1",
		"*.example.org,!bad.example.org", "host?.example.com", "Example.COM", "0", "22", "00",
		"4294967296", "-5", "+7", "12abc", `"quoted host"`, `x"y z"w`, `a\"b`, "\"unterminated",
		"192.0.2.7,[192.0.2.7]:2222", "ssh-ed25519", "#", "@cert-authority",
	}
	options = []string{
		`command="echo hi there",no-pty`, `from="10.0.0.0/8"`, `environment="A=\"b c\""`,
		"no-agent-forwarding", `restrict,command="/bin/true"`, `cert-authority,principals="a b"`,
	}
	comments = []string{
		"", "", "", "user@host", "my trailing comment", "#notcomment", "h\xc3\xa9llo w\xc3\xb6rld",
		"ctl\x01x", "tab\tinside", "bad\xffbyte", "spaced  ", "quote\"x", "\xe2\x80\xa8sep", "emoji\xf0\x9f\x98\x80",
		"del\x7f", "# a hash comment",
	}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func blank(r *rand.Rand) string {
	return pick(r, []string{" ", " ", " ", "\t", "  ", " \t "})
}

func hashedHost(r *rand.Rand) string {
	salt := make([]byte, 20)
	mac := make([]byte, 20)
	for i := range salt {
		salt[i], mac[i] = byte(r.Uint32()), byte(r.Uint32())
	}
	return "|1|" + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(mac)
}

// File returns a known_hosts/authorized_keys-like file mixing every kind
// of line ssh-keygen -l meets.
func File(r *rand.Rand, c *Corpus, lines int) []byte {
	var b bytes.Buffer
	key := func() string {
		if r.IntN(6) == 0 {
			return pick(r, c.Invalid)
		}
		k := pick(r, c.Valid)
		if r.IntN(8) == 0 {
			k = strings.Replace(k, " ", "\t", 1)
		}
		return k
	}
	withComment := func(s string) string {
		if cm := pick(r, comments); cm != "" {
			s += blank(r) + cm
		}
		return s
	}
	for range lines {
		var line string
		lead := ""
		if r.IntN(8) == 0 {
			lead = blank(r)
		}
		switch r.IntN(13) {
		case 0, 1, 2:
			line = withComment(pick(r, hostFields) + blank(r) + key())
		case 3:
			line = withComment(hashedHost(r) + blank(r) + key())
		case 4:
			line = withComment(pick(r, []string{"@cert-authority", "@revoked", "@foo"}) + " " + pick(r, hostFields) + " " + key())
		case 5, 6:
			line = withComment(key())
		case 7:
			line = withComment(pick(r, options) + blank(r) + key())
		case 8:
			line = pick(r, []string{"", "# comment line", "   ", "\t", "#", "\r"})
		case 9:
			g := make([]byte, r.IntN(60))
			for i := range g {
				g[i] = byte(r.IntN(255) + 1)
				if g[i] == '\n' {
					g[i] = ' '
				}
			}
			if r.IntN(4) == 0 && len(g) > 0 {
				g[r.IntN(len(g))] = 0
			}
			line = string(g)
		case 10:
			line = pick(r, []string{"bad.example 2048 35 1234567890", "2048 35 1234567890 user", "bad.example", "@revoked", "bad.example ssh-ed25519"})
		case 11:
			// A key after a NUL that ends the host field: ssh-keygen -l
			// stops reading at the NUL, while hostfile.c (-F, -H, -R and
			// ssh itself) reads the key from the bytes after it.
			line = pick(r, hostFields) + "\x00 " + key()
		case 12:
			line = withComment(pick(r, hostFields) + blank(r) + key() + blank(r))
		}
		b.WriteString(lead + line)
		if r.IntN(5) == 0 {
			b.WriteString("\r\n")
		} else {
			b.WriteString("\n")
		}
	}
	if r.IntN(3) == 0 {
		// Drop the final newline.
		b.Truncate(b.Len() - 1)
	}
	return b.Bytes()
}

// HostFile is like File, but every key line has a host field or options in
// front, as in known_hosts files: with no bare keys, ssh-keygen -l never
// prints a stale comment.
func HostFile(r *rand.Rand, c *Corpus, lines int) []byte {
	var b bytes.Buffer
	for range lines {
		switch r.IntN(6) {
		case 0:
			b.WriteString(pick(r, []string{"# comment", "", "  ", "@revoked * " + pick(r, c.Valid)}))
		case 1:
			b.WriteString(hashedHost(r) + " " + pick(r, c.Valid))
		case 2:
			b.WriteString("bad.example " + pick(r, c.Invalid))
		default:
			b.WriteString(pick(r, []string{"example.com", "a.example.org,192.0.2.10", "[git.example.net]:2222", "h?.example"}) + blank(r) + pick(r, c.Valid))
			if cm := pick(r, comments); cm != "" {
				b.WriteString(blank(r) + cm)
			}
		}
		b.WriteString(pick(r, []string{"\n", "\n", "\r\n"}))
	}
	return b.Bytes()
}
