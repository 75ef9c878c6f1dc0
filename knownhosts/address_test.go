package knownhosts

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHostPort(t *testing.T) {
	for _, tc := range []struct {
		host string
		port int
		want string
	}{
		{"example.com", 22, "example.com"},
		{"example.com", 0, "example.com"},
		{"example.com", 2222, "[example.com]:2222"},
		{"::1", 2222, "[::1]:2222"},
		{"[::1]", 2222, "[::1]:2222"},
		{"[::1]", 22, "::1"},
	} {
		assert.Equal(t, tc.want, HostPort(tc.host, tc.port), "%q %d", tc.host, tc.port)
	}
}

func TestSplitAddress(t *testing.T) {
	for _, tc := range []struct {
		addr string
		host string
		port int
	}{
		{"127.0.0.1:2222", "127.0.0.1", 2222},
		{"host:22", "host", 22},
		{"[::1]:2222", "::1", 2222},
		{"[host]:2222", "host", 2222},
		{"host", "host", 22},
		{"::1", "::1", 22},
		{"[::1]", "::1", 22},
		{"host:ssh", "host:ssh", 22},
	} {
		h, p := SplitAddress(tc.addr)
		assert.Equal(t, tc.host, h, tc.addr)
		assert.Equal(t, tc.port, p, tc.addr)
	}
}

func TestAddName(t *testing.T) {
	for in, want := range map[string]string{
		"Host.Example":      "host.example",
		"127.0.0.1:2222":    "[127.0.0.1]:2222",
		"host:22":           "host",
		"[host]:22":         "host",
		"[::1]:2222":        "[::1]:2222",
		"[Host]:2222":       "[host]:2222",
		"::1":               "::1",
		"[::1]":             "::1",
		"fe80::1":           "fe80::1",
		"*.example.com":     "*.example.com",
		"[*.example.com]:*": "[*.example.com]:*",
		"!bad.example":      "!bad.example",
		"192.0.2.1:65535":   "[192.0.2.1]:65535",
	} {
		got, err := addName(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, got, in)
		}
	}
	for _, bad := range []string{"", "a b", "a,b", "|1|x|y", "#c", "@revoked", "host:", "host:0", "host:65536", "host:ssh", "host:022",
		"[::1", "[host]x", "[]:22", ":22", "[a]b]:22"} {
		_, err := addName(bad)
		assert.Error(t, err, "%q", bad)
	}
}

// FuzzAddName: a name Add accepts is written in a form Add keeps as it
// is, that parses as the host field of an entry, and, for a name without
// patterns, that is the very name the callback looks the same address up
// by.
func FuzzAddName(f *testing.F) {
	for _, s := range []string{"Host.Example", "127.0.0.1:2222", "[::1]:2222", "::1", "[h]:22", "[*.x]:*", "h:", "[a]b", "!x", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		out, err := addName(name)
		if err != nil {
			return
		}
		again, err := addName(out)
		if err != nil || again != out {
			t.Fatalf("addName(%q) = %q, which gives %q, %v", name, out, again, err)
		}
		var e Entry
		if kind, reason := parseLine(out+" "+k1, &e); kind != EntryLine || e.Hosts != out {
			t.Fatalf("%q: line with %q is %v (%s), hosts %q", name, out, kind, reason, e.Hosts)
		}
		if hasWildcard(name) {
			return
		}
		h, p := SplitAddress(name)
		if got := lowerASCII(HostPort(h, p)); got != out {
			t.Fatalf("%q: Add writes %q, the callback looks up %q", name, out, got)
		}
	})
}
