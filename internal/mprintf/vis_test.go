package mprintf

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/internal/testpeer"
)

func TestVisSafe(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":             "plain text",
		`a\b`:                    `a\\b`,
		"tab\tcr\rnl\nbs\bbel\a": "tab\tcr\rnl\nbs\bbel\a",
		"\x01\x1b[31m\x7f":       `\001\033[31m\177`,
		"h\xc3\xa9":              `h\303\251`,
		"before\x00after":        "before",
		"":                       "",
	} {
		assert.Equal(t, want, VisSafe(in), "%q", in)
	}
}

// TestLogitLimits: OpenSSH's buffers bound a message; an escape that does
// not fit whole is left out.
func TestLogitLimits(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Logit(&b, strings.Repeat("a", 2000)))
	assert.Equal(t, strings.Repeat("a", 1021)+"\r\n", b.String())

	b.Reset()
	require.NoError(t, Logit(&b, strings.Repeat("a", 1020)+"\x01"))
	assert.Equal(t, strings.Repeat("a", 1020)+"\r\n", b.String())

	// Escaped within 1023 bytes, then cut to 1021: a backslash pair may
	// be split by the last cut, as in OpenSSH.
	b.Reset()
	require.NoError(t, Logit(&b, strings.Repeat(`\`, 600)))
	assert.Equal(t, strings.Repeat(`\`, 1021)+"\r\n", b.String())
}

// TestLogitSSHKeygen: ssh-keygen -R prints "Host %s not found in %s"
// with logit; Logit writes the same bytes for hosts with every kind of
// byte, at and beyond the buffers' limits.
func TestLogitSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	kh := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(kh, []byte("other ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"), 0o600))
	var all strings.Builder
	for c := 1; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	hosts := []string{
		"plain", `back\slash`, all.String(), "\x1b]0;title\a", "h\xc3\xa9",
		strings.Repeat("x", 2000),
		strings.Repeat("x", 1000) + `\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\`,
		strings.Repeat("x", 995) + strings.Repeat("\x01", 20),
		strings.Repeat("x", 1003) + "\x01\x01",
		strings.Repeat("\\", 1100),
	}
	for _, host := range hosts {
		cmd := exec.Command(keygen, "-R", host, "-f", kh)
		cmd.Env = []string{"LC_ALL=C.UTF-8"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Run(), "%q", host)
		var got bytes.Buffer
		require.NoError(t, Logit(&got, "Host "+host+" not found in "+kh))
		assert.Equal(t, stderr.String(), got.String(), "%q", host)
	}
}

// FuzzLogit: whatever the message, Logit writes one line of at most 1021
// bytes and "\r\n", with no byte VisSafe escapes, and a message that fits
// reads back from it.
func FuzzLogit(f *testing.F) {
	f.Add("Host h\x1b[2J not found in known_hosts")
	f.Add(strings.Repeat(`\`, 1100))
	f.Add("a\x00b")
	f.Fuzz(func(t *testing.T, msg string) {
		var b bytes.Buffer
		require.NoError(t, Logit(&b, msg))
		out, ok := strings.CutSuffix(b.String(), "\r\n")
		require.True(t, ok)
		require.LessOrEqual(t, len(out), logBufSize-3)
		for i := 0; i < len(out); i++ {
			if !visible(out[i]) {
				t.Fatalf("byte %#x left in %q", out[i], out)
			}
		}
		if len(VisSafe(msg)) <= logBufSize-3 {
			require.Equal(t, VisSafe(msg), out)
		}
	})
}
