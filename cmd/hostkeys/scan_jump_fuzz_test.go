package main

import (
	"strings"
	"testing"
)

// FuzzParseJumpHosts: any -J value gives hops or an error, never a panic;
// each hop has a host and a valid port, and a hop written back as
// [user@]host:port parses to itself.
func FuzzParseJumpHosts(f *testing.F) {
	for _, s := range []string{"jump", "u@jump:2222", "[::1]:22,a@b", "::1", "[fe80::1%eth0]", "a@b@c:1", "h:0", ",", "[x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hops, err := parseJumpHosts(s)
		if err != nil {
			return
		}
		for _, h := range hops {
			if h.Host == "" || h.Port < 1 || h.Port > 65535 {
				t.Fatalf("%q: bad hop %+v", s, h)
			}
			text := h.String()
			again, err := parseJumpHop(text)
			if err != nil || again != h {
				t.Fatalf("%q: hop %+v written as %q parses to %+v, %v", s, h, text, again, err)
			}
			if strings.ContainsAny(h.Host, "\x00\n ") {
				t.Fatalf("%q: host %q", s, h.Host)
			}
		}
	})
}
