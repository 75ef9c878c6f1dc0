package fingerprint

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadKeys(t *testing.T) {
	in := strings.Join([]string{
		"# comment line",
		"example.com,192.0.2.10 " + k1Text,
		"   ",
		"*.example.org,!bad.example.org " + k1Text + " my trailing comment",
		"@cert-authority *.corp.example " + kecText,
		"@revoked * " + k1Text + " old",
		k1Text + " user@host",
		`command="echo hi there",no-pty ` + kecText + " deploy",
		"\t " + k1Text + "\r",
		"bad.example foo-bar-v1 AAAA",
		"bad.example ssh-rsa " + strings.Fields(k1Text)[1],
		"bad.example ssh-ed25519 AAAA!!!notbase64",
		"bad.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5X",
		"@foo bad.example " + k1Text,
		"@revoked",
		"bad.example",
		"bad.example 2048 35 1234567890",
		"nul\x00 " + k1Text,
		"@revoked\t* " + k1Text,
		"@revoked @revoked * " + k1Text,
	}, "\n")
	kf, err := ReadKeys(strings.NewReader(in), "known_hosts")
	require.NoError(t, err)

	type row struct {
		line                    int
		marker, prefix, comment string
	}
	var got []row
	for _, k := range kf.Keys {
		got = append(got, row{k.Line, string(k.Marker), k.Prefix, k.Comment})
	}
	assert.Equal(t, []row{
		{2, "", "example.com,192.0.2.10", ""},
		{4, "", "*.example.org,!bad.example.org", "my trailing comment"},
		{5, "@cert-authority", "*.corp.example", ""},
		{6, "@revoked", "*", "old"},
		{7, "", "", "user@host"},
		{8, "", `command="echo hi there",no-pty`, "deploy"},
		{9, "", "", ""},
	}, got)

	var bad []string
	for _, e := range kf.Invalid {
		assert.Equal(t, "known_hosts", e.File)
		bad = append(bad, e.Error())
	}
	assert.Equal(t, []string{
		`fingerprint: known_hosts:10: unknown key type "foo-bar-v1"`,
		`fingerprint: known_hosts:11: key type mismatch: the line says "ssh-rsa", the key is "ssh-ed25519"`,
		`fingerprint: known_hosts:12: ssh-ed25519 key: invalid base64 key data`,
		`fingerprint: known_hosts:13: ssh-ed25519 key: invalid base64 key data`,
		`fingerprint: known_hosts:14: unknown marker "@foo"`,
		`fingerprint: known_hosts:15: marker without hosts and key`,
		`fingerprint: known_hosts:16: no public key on the line`,
		`fingerprint: known_hosts:17: unknown key type "2048"`,
		`fingerprint: known_hosts:18: no public key on the line (the line ends at a NUL byte)`,
		`fingerprint: known_hosts:19: marker @revoked not followed by a space, or twice`,
		`fingerprint: known_hosts:20: marker @revoked not followed by a space, or twice`,
	}, bad)
}

func TestReadKeysBadInput(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		kf, err := ReadKeys(strings.NewReader(""), "f")
		require.NoError(t, err)
		assert.Empty(t, kf.Keys)
		assert.Empty(t, kf.Invalid)
	})
	t.Run("long line", func(t *testing.T) {
		long := "h " + k1Text + " " + strings.Repeat("c", MaxLineLength+10)
		kf, err := ReadKeys(strings.NewReader(long+"\nok "+k1Text+"\n"), "f")
		require.NoError(t, err)
		require.Len(t, kf.Invalid, 1)
		assert.Equal(t, 1, kf.Invalid[0].Line)
		assert.Contains(t, kf.Invalid[0].Reason, "longer than")
		require.Len(t, kf.Keys, 1)
		assert.Equal(t, 2, kf.Keys[0].Line, "the line after a long one keeps its number")
	})
	t.Run("long comment under the limit", func(t *testing.T) {
		c := strings.Repeat("c", 900<<10)
		kf, err := ReadKeys(strings.NewReader("h "+k1Text+" "+c), "f")
		require.NoError(t, err)
		require.Len(t, kf.Keys, 1)
		assert.Equal(t, c, kf.Keys[0].Comment)
	})
	t.Run("binary garbage", func(t *testing.T) {
		g := make([]byte, 64<<10)
		_, _ = rand.Read(g)
		kf, err := ReadKeys(bytes.NewReader(g), "f")
		require.NoError(t, err)
		assert.Empty(t, kf.Keys)
		assert.Equal(t, bytes.Count(g, []byte("\n"))+1-blankOrComment(g), len(kf.Invalid))
	})
	t.Run("read error", func(t *testing.T) {
		_, err := ReadKeys(iotest.ErrReader(assert.AnError), "f")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "fingerprint: f:1:")
	})
	t.Run("truncated base64", func(t *testing.T) {
		kf, err := ReadKeys(strings.NewReader(k1Text[:40]), "f")
		require.NoError(t, err)
		require.Len(t, kf.Invalid, 1)
		assert.Contains(t, kf.Invalid[0].Error(), "f:1: invalid ssh-ed25519 key: truncated Ed25519 key")
	})
}

func blankOrComment(g []byte) int {
	n := 0
	for _, l := range bytes.Split(g, []byte("\n")) {
		l = bytes.TrimRight(l, "\r")
		l = bytes.TrimLeft(l, " \t")
		if len(l) == 0 || l[0] == '#' {
			n++
		}
	}
	return n
}

// TestReadKeysManyJunkLines: a file of millions of junk lines keeps the
// first MaxInvalid with their line and reason and counts the rest; keys
// among them are all kept.
func TestReadKeysManyJunkLines(t *testing.T) {
	const n = 1_200_000
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i%400_000 == 0 {
			b.WriteString(k1Text + "\n")
			continue
		}
		b.WriteString("a b\n")
	}
	kf, err := ReadKeys(strings.NewReader(b.String()), "junk")
	require.NoError(t, err)
	require.Len(t, kf.Invalid, MaxInvalid)
	assert.Equal(t, n-3-MaxInvalid, kf.MoreInvalid)
	assert.Equal(t, MaxInvalid, kf.Invalid[MaxInvalid-1].Line)
	require.Len(t, kf.Keys, 3)
	assert.Equal(t, n, kf.Keys[2].Line)
}

// TestReadKeysMaxFileSize: input over MaxFileSize is an error naming the
// file, with the keys of the lines before the limit.
func TestReadKeysMaxFileSize(t *testing.T) {
	// A key, then comment lines up to exactly MaxFileSize bytes.
	head := k1Text + "\n"
	comment := "#" + strings.Repeat("c", 64<<10-2) + "\n"
	body := strings.Repeat(comment, (MaxFileSize-len(head))/len(comment))
	tail := MaxFileSize - len(head) - len(body)
	exact := head + body + "#" + strings.Repeat("c", tail-2) + "\n"
	require.Len(t, exact, MaxFileSize)
	kf, err := ReadKeys(strings.NewReader(exact), "exact")
	require.NoError(t, err)
	assert.Len(t, kf.Keys, 1)

	kf, err = ReadKeys(strings.NewReader(exact+k1Text+"\n"), "big")
	require.Error(t, err)
	assert.Equal(t, "fingerprint: big: input is larger than the limit of 67108864 bytes", err.Error())
	var le *LineError
	require.ErrorAs(t, err, &le)
	assert.Len(t, kf.Keys, 1, "the keys before the limit")
	assert.Empty(t, kf.Invalid)
}
