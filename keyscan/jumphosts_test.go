package keyscan_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/keyscan"
)

func TestParseJumpHosts(t *testing.T) {
	hops, err := keyscan.ParseJumpHosts("bastion,me@[::1]:2222,you@10.0.0.1:2200,fe80::1,[2001:db8::2]")
	require.NoError(t, err)
	assert.Equal(t, []keyscan.JumpHost{
		{Host: "bastion", Port: 22},
		{User: "me", Host: "::1", Port: 2222},
		{User: "you", Host: "10.0.0.1", Port: 2200},
		{Host: "fe80::1", Port: 22},
		{Host: "2001:db8::2", Port: 22},
	}, hops)

	for in, want := range map[string]keyscan.JumpHostError{
		"a,,b":              {Text: "", Reason: "no host"},
		"@host":             {Text: "@host", Reason: "empty user name"},
		"host:0":            {Text: "host:0", Reason: `bad port "0"`},
		"[::1":              {Text: "[::1", Reason: "missing ']'"},
		"[::1]x":            {Text: "[::1]x", Reason: "want [host]:port"},
		"a:b:c":             {Text: "a:b:c", Reason: "want host, host:port or [host]:port"},
		"ok,-oProxyCommand": {Text: "-oProxyCommand", Reason: "invalid character"},
		"me@ho st":          {Text: "me@ho st", Reason: "invalid character"},
	} {
		_, err := keyscan.ParseJumpHosts(in)
		var he *keyscan.JumpHostError
		require.True(t, errors.As(err, &he), "%q: %v", in, err)
		assert.Equal(t, want, *he, in)
	}
	_, err = keyscan.ParseJumpHosts("h:99999")
	assert.EqualError(t, err, `keyscan: bad jump host "h:99999": bad port "99999"`)
}

// FuzzParseJumpHosts: any value gives hops or an error, never a panic;
// each hop has a host and a valid port, and a hop written back with
// JumpHost.String parses to itself.
func FuzzParseJumpHosts(f *testing.F) {
	for _, s := range []string{"jump", "u@jump:2222", "[::1]:22,a@b", "::1", "[fe80::1%eth0]", "a@b@c:1", "h:0", ",", "[x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hops, err := keyscan.ParseJumpHosts(s)
		if err != nil {
			var he *keyscan.JumpHostError
			if !errors.As(err, &he) || he.Reason == "" {
				t.Fatalf("%q: error %v", s, err)
			}
			return
		}
		for _, h := range hops {
			if h.Host == "" || h.Port < 1 || h.Port > 65535 {
				t.Fatalf("%q: bad hop %+v", s, h)
			}
			text := h.String()
			again, err := keyscan.ParseJumpHosts(text)
			if err != nil || len(again) != 1 || again[0] != h {
				t.Fatalf("%q: hop %+v written as %q parses to %+v, %v", s, h, text, again, err)
			}
			if strings.ContainsAny(h.Host, "\x00\n ") {
				t.Fatalf("%q: host %q", s, h.Host)
			}
		}
	})
}
