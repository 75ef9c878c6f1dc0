package hostkeys

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/knownhosts"
)

// GitHub's Ed25519 host key and its published fingerprints
// (research/crosscheck.md, checked with ssh-keygen -l).
const (
	ghKeyText = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
	ghSHA256  = "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"
	ghMD5     = "65:96:2d:fc:e8:d5:a9:11:64:0c:0f:ea:00:6e:5b:bd"
)

func ghKey(t testing.TB) ssh.PublicKey {
	k, _, err := fingerprint.ParseKeyText(ghKeyText)
	require.NoError(t, err)
	return k
}

func otherKey(t testing.TB) ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	k, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	return k
}

func parsePinsText(t testing.TB, text string) *Pins {
	t.Helper()
	p, err := ParsePins(strings.NewReader(text), filepath.Join("testdata", "pins", "pins.txt"))
	require.NoError(t, err)
	return p
}

func TestPinsVendorForms(t *testing.T) {
	hashed := knownhosts.HashHost("github.com")
	forms := map[string]string{
		"sha256 with GitHub's label":   "Host github.com\n" + ghSHA256 + " (Ed25519)\n",
		"sha256 without label":         "Host github.com\n" + ghSHA256 + "\n",
		"bare base64 (GitHub meta)":    "Host github.com\n+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU\n",
		"vendor MD5 colon-hex":         "Host github.com\n" + ghMD5 + " (ED25519)\n",
		"OpenSSH MD5":                  "Host github.com\nMD5:" + ghMD5 + "\n",
		"ssh-keygen -l line":           "Host github.com\n256 " + ghSHA256 + " no comment (ED25519)\n",
		"bare key":                     "Host github.com\n" + ghKeyText + " comment\n",
		"known_hosts line":             "github.com " + ghKeyText + "\n",
		"hashed known_hosts line":      hashed + " " + ghKeyText + "\n",
		"known_hosts in a section":     "Host example.com\nSHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\ngithub.com " + ghKeyText + "\n",
		"Include GitHub meta JSON":     "Host github.com\nInclude github-meta.json\n",
		"section with several names":   "Host  gitlab.com, github.com\tbitbucket.org\n" + ghSHA256 + "\n",
		"wildcard section":             "Host *.com\n" + ghSHA256 + "\n",
		"host keyword case, CRLF":      "host github.com\r\n" + ghSHA256 + " (ED25519)\r\n",
		"negation does not exclude it": "Host *.com,!gitlab.com\n" + ghSHA256 + "\n",
	}
	key := ghKey(t)
	for name, text := range forms {
		t.Run(name, func(t *testing.T) {
			p := parsePinsText(t, text)
			pins := p.Lookup("github.com", 22)
			require.NotEmpty(t, pins)
			var ok bool
			for _, pin := range pins {
				ok = ok || (pin.Marker == "" && pin.Matches(key))
			}
			assert.True(t, ok, "no pin matches GitHub's key")
			assert.Equal(t, text, string(p.Bytes()), "lossless")
			for _, pin := range pins {
				assert.NotZero(t, pin.Line)
				assert.Equal(t, strings.Contains(name, "MD5"), pin.Weak(), pin.String())
			}
		})
	}
}

func TestPinsHostNamesBind(t *testing.T) {
	// examples/vendorcheck's old bug: a pin under another host name must
	// not vouch for this one.
	p := parsePinsText(t, "Host evil.example.com\n"+ghSHA256+"\n\nevil2.example.com "+ghKeyText+"\n")
	assert.Empty(t, p.Lookup("github.com", 22))
	assert.Len(t, p.Lookup("evil.example.com", 22), 1)
	assert.Len(t, p.Lookup("EVIL2.example.com", 22), 1, "names are case-insensitive")

	p = parsePinsText(t, "Host *.com,!github.com\n"+ghSHA256+"\n")
	assert.Empty(t, p.Lookup("github.com", 22), "negated")
	assert.Len(t, p.Lookup("gitlab.com", 22), 1)
}

func TestPinsPorts(t *testing.T) {
	p := parsePinsText(t, "Host bitbucket.org,[altssh.bitbucket.org]:443\n"+
		"SHA256:46OSHA1Rmj8E8ERTC6xkNcmGOw9oFxYr0WF6zWW8l1E (RSA)\n"+
		"97:8c:1b:f2:6f:14:6b:5c:3b:ec:aa:46:46:74:7c:40 (RSA)\n")
	assert.Len(t, p.Lookup("bitbucket.org", 22), 2)
	assert.Len(t, p.Lookup("bitbucket.org", 0), 2, "port 0 is 22")
	assert.Empty(t, p.Lookup("bitbucket.org", 2222), "plain names pin port 22 only")
	assert.Len(t, p.Lookup("altssh.bitbucket.org", 443), 2)
	assert.Empty(t, p.Lookup("altssh.bitbucket.org", 22))
	pins := p.Lookup("bitbucket.org", 22)
	assert.Equal(t, "RSA", pins[0].Fingerprint.KeyType)
	assert.False(t, pins[0].Weak())
	assert.True(t, pins[1].Weak())
	assert.Equal(t, "bitbucket.org,[altssh.bitbucket.org]:443", pins[0].Hosts)
	assert.Equal(t, "testdata/pins/pins.txt:2", pins[0].Location())
}

func TestPinsLabelMustAgree(t *testing.T) {
	p := parsePinsText(t, "Host github.com\n"+ghSHA256+" (RSA)\n")
	pins := p.Lookup("github.com", 22)
	require.Len(t, pins, 1)
	assert.False(t, pins[0].Matches(ghKey(t)), "an Ed25519 key is not the RSA key the label names")
}

func TestPinsMarkers(t *testing.T) {
	ca := otherKey(t)
	caText := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(ca)))
	p := parsePinsText(t, "Host github.com\n@revoked "+ghSHA256+"\n@cert-authority "+caText+"\n"+
		"@revoked *.example.com "+ghKeyText+"\n")
	pins := p.Lookup("github.com", 22)
	require.Len(t, pins, 2)
	assert.Equal(t, fingerprint.Revoked, pins[0].Marker)
	assert.Equal(t, fingerprint.CertAuthority, pins[1].Marker)
	cert := &ssh.Certificate{Key: ghKey(t), CertType: ssh.HostCert, SignatureKey: ca}
	assert.True(t, pins[1].Signs(cert))
	assert.False(t, pins[1].Signs(ghKey(t)))
	assert.True(t, pins[0].Matches(cert), "a certificate matches through its key")
	pins = p.Lookup("a.example.com", 22)
	require.Len(t, pins, 1)
	assert.Equal(t, fingerprint.Revoked, pins[0].Marker)
	assert.Equal(t, 4, pins[0].Line)
}

func TestPinsInclude(t *testing.T) {
	p := parsePinsText(t, "# GitHub\nHost github.com\nInclude github-meta.json\n")
	pins := p.Lookup("github.com", 22)
	require.Len(t, pins, 4)
	for _, pin := range pins {
		assert.Equal(t, 3, pin.Line)
		assert.Contains(t, pin.Included, "github-meta.json: ssh_")
	}
	assert.Equal(t, "ED25519", pins[2].Fingerprint.KeyType)
	assert.True(t, pins[2].Matches(ghKey(t)))
	assert.True(t, pins[0].Matches(ghKey(t)))
	assert.Equal(t, "testdata/pins/pins.txt:3 (github-meta.json: ssh_keys[0])", pins[0].Location())
}

func TestPinsErrors(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"ssh_keys": ["ssh-ed25519 AAAA"]}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty.json"), []byte(`{}`), 0o644))
	tests := []struct{ text, reason string }{
		{"SHA256:" + ghSHA256[7:] + "\n", "neither a known_hosts line nor a pin"},
		{"Include github-meta.json\n", "Include outside a Host section"},
		{"Host\n", "Host without patterns"},
		{"Host a\nSHA256:notbase64!\n", "neither a fingerprint nor a public key"},
		{"Host a\nssh-ed25519 AAAAC3Nza\n", "bad public key"},
		{"Host a\n@bogus " + ghSHA256 + "\n", "unknown marker"},
		{"Host a\n@revoked\n", "@revoked without"},
		{"Host a\nInclude missing.json\n", `Include "missing.json"`},
		{"Host a\nInclude bad.json\n", "ssh_keys[0]"},
		{"Host a\nInclude empty.json\n", "no ssh_key_fingerprints"},
		{"Host a\nInclude\n", "Include without a file name"},
		{"github.com ssh-foo AAAA\n", "neither a known_hosts line nor a pin"},
		{"github.com ssh-ed25519 AAAAC3Nza\n", "known_hosts line"},
		{"Host a\n" + strings.Repeat("x", MaxPinLineLength+1) + "\n", "line longer than"},
		{"Host a\nInclude " + strings.Repeat("z", 50000) + "\n", `Include "zzz`},
		{"Host a\nSHA256:" + strings.Repeat("x", 50000) + "\n", "neither a fingerprint"},
		{"Host a\n@revoked " + strings.Repeat("y", 50000) + "\n", "neither a fingerprint"},
		{"a ssh-ed25519 " + strings.Repeat("A", 50000) + "\n", "neither a known_hosts line nor a pin"},
	}
	for _, tt := range tests {
		name := filepath.Join(dir, "pins")
		text := "# ok\n" + tt.text
		p, err := ParsePins(strings.NewReader(text), name)
		var ie *InvalidPinsError
		require.ErrorAs(t, err, &ie, tt.text)
		require.NotNil(t, p)
		require.Len(t, ie.Lines, 1, tt.text)
		le := ie.Lines[0]
		assert.Equal(t, name, le.File)
		assert.Equal(t, strings.Count(text, "\n"), le.Line, tt.text)
		assert.Contains(t, le.Reason, tt.reason)
		assert.Less(t, len(le.Reason), 600, "a long line is not echoed")
		assert.Contains(t, err.Error(), fmt.Sprintf("hostkeys: %s: 1 invalid line; line %d: ", name, le.Line))
		assert.Equal(t, text, string(p.Bytes()), "lossless with invalid lines")
	}
}

func TestPinsAllErrorsReported(t *testing.T) {
	_, err := ParsePins(strings.NewReader("bad1\nbad2\ngithub.com "+ghKeyText+"\nbad3\n"), "f")
	var ie *InvalidPinsError
	require.ErrorAs(t, err, &ie)
	require.Len(t, ie.Lines, 3)
	assert.Equal(t, []int{1, 2, 4}, []int{ie.Lines[0].Line, ie.Lines[1].Line, ie.Lines[2].Line})
}

func TestPinsTooLarge(t *testing.T) {
	_, err := ParsePins(strings.NewReader(strings.Repeat("#\n", MaxPinsSize/2+1)), "big")
	var pe *PinError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, pe.Error(), "hostkeys: big: larger than")
}

func TestPinsNoFinalNewline(t *testing.T) {
	text := "Host github.com\n" + ghSHA256
	p := parsePinsText(t, text)
	assert.True(t, p.NoFinalNewline)
	assert.Equal(t, text, string(p.Bytes()))
	assert.Len(t, p.Lookup("github.com", 22), 1)
}

func TestPinsIncludeNotRegular(t *testing.T) {
	_, err := ParsePins(strings.NewReader("Host a\nInclude /dev/zero\n"), "f")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a regular file")
}

// pinList10k makes a pin list of n hosts, one known_hosts line and one Host
// section each.
func pinList(tb testing.TB, n int) string {
	var b strings.Builder
	for i := range n {
		if i%2 == 0 {
			fmt.Fprintf(&b, "host%d.example.com %s\n", i, ghKeyText)
		} else {
			fmt.Fprintf(&b, "Host host%d.example.com\n%s (ED25519)\n", i, ghSHA256)
		}
	}
	b.WriteString("Host *.wild.example.com\n" + ghSHA256 + "\n")
	return b.String()
}

func TestPins10kLoadAndLookup(t *testing.T) {
	text := pinList(t, 10000)
	start := time.Now()
	cpu0 := processCPU()
	p := parsePinsText(t, text)
	load := time.Since(start)
	cpu := processCPU() - cpu0
	// The figures are logged, not asserted: timed assertions fail on a
	// busy machine. BenchmarkPinsLoad10k and bench/verify.sh measure them.
	t.Logf("load of 10,000 hosts (%d bytes): %v wall, %v CPU", len(text), load, cpu)
	start = time.Now()
	for i := range 1000 {
		require.Len(t, p.Lookup(fmt.Sprintf("host%d.example.com", i*7), 22), 1)
	}
	per := time.Since(start) / 1000
	t.Logf("lookup of a plain name: %v", per)
	assert.Len(t, p.Lookup("host4242.example.com", 22), 1)
	assert.Len(t, p.Lookup("host4243.example.com", 22), 1)
	assert.Len(t, p.Lookup("x.wild.example.com", 22), 1)
}

// BenchmarkPinsLoad10k reports the process CPU per load (cpu-ms/op)
// besides wall time, which a busy machine inflates.
func BenchmarkPinsLoad10k(b *testing.B) {
	text := pinList(b, 10000)
	b.SetBytes(int64(len(text)))
	cpu0 := processCPU()
	for b.Loop() {
		if _, err := ParsePins(strings.NewReader(text), "pins"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkPinsLookup10k(b *testing.B) {
	p := parsePinsText(b, pinList(b, 10000))
	for b.Loop() {
		if len(p.Lookup("host4243.example.com", 22)) != 1 {
			b.Fatal("not found")
		}
	}
}

// TestREADMEPinList: the pin list the README shows parses (its Include
// read from testdata/pins) and means what the README says.
func TestREADMEPinList(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, sec, ok := strings.Cut(string(readme), "\n## Pins and verify\n")
	require.True(t, ok)
	_, block, ok := strings.Cut(sec, "\n```\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "\n```\n")
	require.True(t, ok)
	p, err := ParsePins(strings.NewReader(block+"\n"), filepath.Join("testdata", "pins", "readme.txt"))
	require.NoError(t, err)
	gh := p.Lookup("github.com", 22)
	require.NotEmpty(t, gh)
	assert.True(t, gh[0].Matches(ghKey(t)))
	assert.Len(t, p.Lookup("altssh.bitbucket.org", 443), 2)
	assert.Len(t, p.Lookup("a.corp.example.com", 22), 2)
	assert.Len(t, p.Lookup("git.example.com", 22), 1)
}

// TestPinsInvalidHostEndsSection: the pins after a broken Host line do not
// fall into the section before it.
func TestPinsInvalidHostEndsSection(t *testing.T) {
	for _, broken := range []string{"Host", "Host " + strings.Repeat("x", MaxPinLineLength), "Host |1|bad|hash"} {
		p, err := ParsePins(strings.NewReader("Host a.example\n"+ghSHA256+"\n"+broken+"\n"+ghMD5+"\n"), "f")
		var ie *InvalidPinsError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, 3, ie.Lines[0].Line)
		pins := p.Lookup("a.example", 22)
		require.Len(t, pins, 1, "%q", broken)
		assert.Equal(t, 2, pins[0].Line)
	}
}

// TestPinsManyInvalidLines: past MaxPinProblems invalid lines a pin list
// is given up on (no Pins), the first MaxPinProblems are listed in line
// order, whatever found them (the line's shape or the knownhosts
// package), and the rest are counted. A 20 MB list of junk took 1.38 GB.
func TestPinsManyInvalidLines(t *testing.T) {
	const n = 300_000
	var b strings.Builder
	for i := 1; i <= n; i++ {
		switch i % 3 {
		case 0:
			b.WriteString("Include x\n") // outside a section
		case 1:
			b.WriteString("junk a b\n") // not a known_hosts line
		case 2:
			b.WriteString("github.com " + ghKeyText + "\n")
		}
	}
	p, err := ParsePins(strings.NewReader(b.String()), "junk")
	assert.Nil(t, p)
	var ie *InvalidPinsError
	require.ErrorAs(t, err, &ie)
	require.Len(t, ie.Lines, MaxPinProblems)
	invalid := n / 3 * 2
	assert.Equal(t, invalid-MaxPinProblems, ie.More)
	for i, l := range ie.Lines {
		want := i/2*3 + 1 + i%2*2
		require.Equal(t, want, l.Line, "problem %d", i)
	}
	assert.Equal(t, "Include outside a Host section", ie.Lines[1].Reason)
	assert.Contains(t, ie.Lines[0].Reason, "neither a known_hosts line nor a pin: ")
	assert.Contains(t, err.Error(), fmt.Sprintf("hostkeys: junk: %d invalid lines; line 1: ", invalid))

	// Up to MaxPinProblems invalid lines, the valid ones are usable.
	text := strings.Repeat("junk a b\ngithub.com "+ghKeyText+"\n", MaxPinProblems)
	p, err = ParsePins(strings.NewReader(text), "some")
	require.ErrorAs(t, err, &ie)
	assert.Len(t, ie.Lines, MaxPinProblems)
	assert.Zero(t, ie.More)
	require.NotNil(t, p)
	assert.Len(t, p.Lookup("github.com", 22), MaxPinProblems)
	assert.Equal(t, text, string(p.Bytes()))
}

// TestPinsMaxLines: a list of more than MaxPinLines lines is refused
// before its lines are kept; one of MaxPinLines lines is read.
func TestPinsMaxLines(t *testing.T) {
	_, err := ParsePins(strings.NewReader(strings.Repeat("\n", MaxPinLines)+"#"), "many")
	var pe *PinError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "hostkeys: many: more than 524288 lines", err.Error())

	text := strings.Repeat("#\n", MaxPinLines-2) + "Host h\n" + ghKeyText
	p, err := ParsePins(strings.NewReader(text), "exact")
	require.NoError(t, err)
	require.Len(t, p.Lines, MaxPinLines)
	pins := p.Lookup("h", 22)
	require.Len(t, pins, 1)
	assert.Equal(t, MaxPinLines, pins[0].Line)
}

// TestPinsSectionAcrossBlocks: a Host section spans the blocks in which
// ParsePins checks lines, and a bad Host line still takes its pins with
// it.
func TestPinsSectionAcrossBlocks(t *testing.T) {
	gap := strings.Repeat("# c\n", 3*pinBlockLines)
	text := "Host h\n" + gap + ghKeyText + "\nHost |1|bad|hash\n" + gap + ghKeyText + "\n" + gap + "g " + ghKeyText + "\n"
	p, err := ParsePins(strings.NewReader(text), "f")
	var ie *InvalidPinsError
	require.ErrorAs(t, err, &ie)
	require.Len(t, ie.Lines, 1)
	assert.Equal(t, 3*pinBlockLines+3, ie.Lines[0].Line)
	assert.Contains(t, ie.Lines[0].Reason, "bad host patterns: ")
	pins := p.Lookup("h", 22)
	require.Len(t, pins, 1)
	assert.Equal(t, 3*pinBlockLines+2, pins[0].Line)
	pins = p.Lookup("g", 22)
	require.Len(t, pins, 1)
	assert.Equal(t, 9*pinBlockLines+5, pins[0].Line)
	assert.Equal(t, text, string(p.Bytes()))
}
