package keyline

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFields(t *testing.T) {
	f, r := Field(" \tx")
	assert.Equal(t, "", f)
	assert.Equal(t, "x", r)
	f, r = Field("host\t \tssh-ed25519 AAAA c d ")
	assert.Equal(t, "host", f)
	assert.Equal(t, "ssh-ed25519 AAAA c d ", r)
	f, r = QuotedField(`command="a b",from="x" ssh-rsa AAAA`)
	assert.Equal(t, `command="a b",from="x"`, f)
	assert.Equal(t, "ssh-rsa AAAA", r)
	f, _ = QuotedField(`a\"b c`)
	assert.Equal(t, `a\"b`, f, `\" is not a quote`)
	f, r = QuotedField(`"unterminated x y`)
	assert.Equal(t, `"unterminated x y`, f)
	assert.Equal(t, "", r)
	typ, b64, c := Key("ssh-ed25519\tAAAA  my comment \t")
	assert.Equal(t, []string{"ssh-ed25519", "AAAA", "my comment \t"}, []string{typ, b64, c})
	bt, bb, bc := Key([]byte("ssh-ed25519 AAAA"))
	assert.Equal(t, []string{"ssh-ed25519", "AAAA", ""}, []string{string(bt), string(bb), string(bc)})
	assert.Equal(t, "a", TrimTrailingBlanks("a \t "))
}

func TestMarker(t *testing.T) {
	tests := []struct {
		in, marker, rest, bad string
		ok                    bool
	}{
		{"host key", "", "host key", "", true},
		{"@revoked * key", Revoked, "* key", "", true},
		{"@cert-authority\t*.example.com key", "", "@cert-authority\t*.example.com key", "@cert-authority", false}, // the first space decides
		{"@cert-authority\t*\tx", CertAuthority, "*\tx", "", true},                                                 // no space: the first tab
		{"@revoked @revoked * key", "", "@revoked * key", "@revoked", false},
		{"@foo * key", "", "@foo * key", "@foo", false},
		{"@revoked", "", "@revoked", "@revoked", false},
	}
	for _, tt := range tests {
		m, rest, bad, ok := Marker(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		if ok {
			assert.Equal(t, tt.marker, m, tt.in)
			assert.Equal(t, tt.rest, rest, tt.in)
		} else {
			assert.Equal(t, tt.bad, bad, tt.in)
		}
	}
}

func TestTooLongNamesTheLimit(t *testing.T) {
	assert.Equal(t, fmt.Sprintf("line longer than %d bytes", MaxLineLength), TooLong)
}

func TestQuote(t *testing.T) {
	assert.Equal(t, `"abc"`, Quote("abc", 3))
	assert.Equal(t, `"ab"... (3 bytes)`, Quote("abc", 2))
	assert.Equal(t, `"\x00"`, Quote([]byte{0}, 2))
}

// TestReadLineBounded reads a 64 MiB line without holding it, and the
// lines around it whole.
func TestReadLineBounded(t *testing.T) {
	r := io.MultiReader(strings.NewReader("first\n"), io.LimitReader(repeat('x'), 64<<20), strings.NewReader("\nlast"))
	br := bufio.NewReaderSize(r, 64<<10)
	line, long, err := ReadLine(br, 16)
	require.NoError(t, err)
	assert.Equal(t, "first", string(line))
	assert.False(t, long)
	line, long, err = ReadLine(br, 16)
	require.NoError(t, err)
	assert.True(t, long)
	assert.Empty(t, line)
	assert.LessOrEqual(t, cap(line), 64<<10)
	line, long, err = ReadLine(br, 16)
	assert.Equal(t, io.EOF, err)
	assert.Equal(t, "last", string(line))
	assert.False(t, long)
	line, _, err = ReadLine(br, 16)
	assert.Equal(t, io.EOF, err)
	assert.Nil(t, line)
}

type repeat byte

func (c repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// FuzzSplit: the string and byte forms agree, fields hold no blanks (a
// quoted field's blanks are inside quotes), and nothing is lost: the
// fields and the blanks between them make up the input.
func FuzzSplit(f *testing.F) {
	f.Add(`@revoked "a b",c ssh-ed25519 AAAA comment`)
	f.Add("\t x\\\"y z")
	f.Fuzz(func(t *testing.T, s string) {
		fs, rs := Field(s)
		fb, rb := Field([]byte(s))
		qs, qr := QuotedField(s)
		qb, qrb := QuotedField([]byte(s))
		if fs != string(fb) || rs != string(rb) || qs != string(qb) || qr != string(qrb) {
			t.Fatalf("string and []byte forms differ on %q", s)
		}
		if strings.ContainsAny(fs, " \t") || len(qs) < len(fs) {
			t.Fatalf("Field(%q) = %q, QuotedField %q", s, fs, qs)
		}
		if !strings.HasPrefix(s, fs) || !strings.HasSuffix(s, rs) || len(TrimBlanks(s[len(fs):])) != len(rs) {
			t.Fatalf("Field(%q) = %q, %q loses text", s, fs, rs)
		}
		typ, b64, c := Key(s)
		if typ != fs || !strings.HasSuffix(s, c) || strings.ContainsAny(b64, " \t") {
			t.Fatalf("Key(%q) = %q %q %q", s, typ, b64, c)
		}
		m, rest, bad, ok := Marker(s)
		if ok && !strings.HasSuffix(s, rest) || ok && m != "" && m != CertAuthority && m != Revoked || !ok && bad == "" && s[0] != '@' {
			t.Fatalf("Marker(%q) = %q %q %q %v", s, m, rest, bad, ok)
		}
		if q := Quote(s, 8); len(q) > 8*4+40 {
			t.Fatalf("Quote too long: %q", q)
		}
	})
}
