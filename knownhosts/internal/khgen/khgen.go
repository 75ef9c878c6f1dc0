// Package khgen generates known_hosts files and host-name queries that
// exercise OpenSSH's matching rules, for differential tests against
// ssh-keygen and for benchmarks.
package khgen

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Keys are public keys in text form, "TYPE BASE64".
type Keys struct {
	Valid []string
}

// NewKeys makes a few keys of each common type from r.
func NewKeys(r *rand.Rand) *Keys {
	src := &randReader{r}
	k := &Keys{}
	add := func(pub any) {
		p, err := ssh.NewPublicKey(pub)
		if err != nil {
			panic(err)
		}
		k.Valid = append(k.Valid, p.Type()+" "+base64.StdEncoding.EncodeToString(p.Marshal()))
	}
	for i := 0; i < 4; i++ {
		pub, _, err := ed25519.GenerateKey(src)
		if err != nil {
			panic(err)
		}
		add(pub)
	}
	for i := 0; i < 2; i++ {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), src)
		if err != nil {
			panic(err)
		}
		add(&priv.PublicKey)
	}
	priv, err := rsa.GenerateKey(src, 1024)
	if err != nil {
		panic(err)
	}
	add(&priv.PublicKey)
	return k
}

type randReader struct{ r *rand.Rand }

func (rr *randReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(rr.r.Uint32())
	}
	return len(p), nil
}

// Names is the pool of host names files and queries are made of.
var Names = []string{
	"host1.example.com", "host2.example.com", "host12.example.com", "a.example.org",
	"bad.example.org", "example.org", ".example.org", "git.example.net", "x.corp.example",
	"192.0.2.10", "192.0.2.7", "192.0.2.77", "2001:db8::1", "2001:db8::10", "localhost",
	"h", "ht", "host", "example.com",
}

var ports = []string{"2222", "22", "8022"}

// Patterns are host list elements with wildcards.
var Patterns = []string{
	"*", "*.example.com", "host?.example.com", "*.example.org", "192.0.2.*", "h*t",
	"host*", "[*.example.net]:2222", "[192.0.2.?]:2222", "*:*", "?", "*.*.*", "2001:db8::*",
	"[*]:8022", "*example*",
}

// Gen produces files and queries.
type Gen struct {
	R    *rand.Rand
	Keys *Keys
}

func (g *Gen) pick(s []string) string { return s[g.R.IntN(len(s))] }

func (g *Gen) randCase(s string) string {
	if g.R.IntN(4) != 0 {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' && g.R.IntN(2) == 0 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// Name returns a host name as ssh would look it up, sometimes with a
// port, sometimes in odd case.
func (g *Gen) Name() string {
	n := g.randCase(g.pick(Names))
	if g.R.IntN(4) == 0 {
		n = "[" + n + "]:" + g.pick(ports)
	}
	return n
}

func (g *Gen) hashed(name string) string {
	salt := make([]byte, 20)
	for i := range salt {
		salt[i] = byte(g.R.Uint32())
	}
	m := hmac.New(sha1.New, salt)
	m.Write([]byte(name))
	return "|1|" + base64.StdEncoding.EncodeToString(salt) + "|" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// HostField returns a host field: a comma list of names and patterns,
// some negated, or a hashed name.
func (g *Gen) HostField() string {
	switch g.R.IntN(6) {
	case 0:
		return g.hashed(g.Name())
	case 1:
		// A hashed name in a list, or an odd hashed form.
		switch g.R.IntN(4) {
		case 0:
			return g.hashed(g.Name()) + "," + g.Name()
		case 1:
			return g.Name() + "," + g.hashed(g.Name())
		case 2:
			h := g.hashed(g.Name())
			return strings.TrimSuffix(h, "=")
		default:
			return "|2|" + g.hashed(g.Name())[3:]
		}
	}
	n := 1 + g.R.IntN(3)
	var el []string
	for i := 0; i < n; i++ {
		var e string
		if g.R.IntN(3) == 0 {
			e = g.randCase(g.pick(Patterns))
		} else {
			e = g.Name()
		}
		if g.R.IntN(6) == 0 {
			e = "!" + e
		}
		el = append(el, e)
	}
	if g.R.IntN(30) == 0 {
		el = append(el, "")
	}
	return strings.Join(el, ",")
}

// Line returns one known_hosts line.
func (g *Gen) Line() string {
	key := g.pick(g.Keys.Valid)
	sep := " "
	if g.R.IntN(10) == 0 {
		sep = "\t"
	}
	lead := ""
	if g.R.IntN(15) == 0 {
		lead = "  "
	}
	comment := ""
	if g.R.IntN(4) == 0 {
		comment = " " + g.pick([]string{"a comment", "user@host", "#not a comment", "x"})
	}
	marker := ""
	switch g.R.IntN(12) {
	case 0:
		marker = "@cert-authority "
	case 1:
		marker = "@revoked "
	}
	switch g.R.IntN(40) {
	case 0:
		return "# a comment line"
	case 1:
		return ""
	case 2:
		return "   "
	case 3:
		return g.HostField() + " foo-bar-v1 AAAA"
	case 4:
		return g.HostField()
	case 5:
		return g.HostField() + " ssh-ed25519"
	case 6:
		return "@foo " + g.HostField() + " " + key
	case 7:
		return "@revoked @cert-authority " + g.HostField() + " " + key
	case 8:
		return g.HostField() + " 2048 35 1234567890"
	case 9:
		return g.HostField() + " # hi"
	case 10:
		return g.HostField() + " ssh-ed25519 AAAA!!!notbase64"
	case 11:
		f := strings.Fields(key)
		return g.HostField() + " ssh-rsa " + f[1]
	case 12:
		return "@revoked\t" + g.HostField() + " " + key
	case 13:
		return g.HostField() + " " + key + "\r"
	case 14:
		return g.HostField() + " RSA " + strings.Fields(key)[1]
	case 15:
		return g.HostField() + " " + key + " a comment  \r"
	case 16:
		return g.HostField() + " " + key + "   caf\xc3\xa9\tx"
	}
	return lead + marker + g.HostField() + sep + key + comment
}

// File returns a known_hosts file of n lines.
func (g *Gen) File(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(g.Line())
		b.WriteByte('\n')
	}
	return b.String()
}

// Big returns a large file for benchmarks: n lines, about half hashed,
// with "[host]:port" names, comma lists, wildcards and markers, for
// distinct hosts hostN.bench.example. All lines are valid.
func (g *Gen) Big(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		key := g.Keys.Valid[i%len(g.Keys.Valid)]
		name := fmt.Sprintf("host%d.bench.example", i)
		switch {
		case i%2 == 1:
			if i%10 == 1 {
				name = "[" + name + "]:2222"
			}
			b.WriteString(g.hashed(name))
		case i%50 == 0:
			fmt.Fprintf(&b, "*.zone%d.bench.example,!bad.zone%d.bench.example", i, i)
		case i%100 == 2:
			fmt.Fprintf(&b, "@cert-authority *.ca%d.bench.example", i)
		case i%10 == 4:
			fmt.Fprintf(&b, "[%s]:2222", name)
		default:
			fmt.Fprintf(&b, "%s,10.%d.%d.%d", name, i>>16&255, i>>8&255, i&255)
		}
		b.WriteByte(' ')
		b.WriteString(key)
		b.WriteByte('\n')
	}
	return b.String()
}
