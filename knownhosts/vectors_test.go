package knownhosts

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// Keys and the base file of the research note (§7).
const (
	k1  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"
	k2  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINnfSlU05sM7V+HDaawHusZiFV4UG1NBzxs8jHFJyPMV"
	kCA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBrFhnjf1jZXXypfRQvk7hes38SCXNCAOpJu88ZPAHGE"
	kEC = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNL/mRy7vPfv4Pk7DkKZb1EgGzFb5ME3wiGkaUMZnTHa6AouXLPhC3NEitH7+xk6hp7agM7BAsH06R6t2M/gweo="
)

var baseFile = "# comment line\n" +
	"example.com,192.0.2.10 " + k1 + "\n" +
	"   \n" +
	"*.example.org,!bad.example.org " + k2 + " my trailing comment\n" +
	"[git.example.net]:2222 " + kEC + "\n" +
	"@cert-authority *.corp.example " + kCA + "\n" +
	"host?.example.com " + k1 + "\n"

func parseString(t testing.TB, s string) *File {
	t.Helper()
	f, err := Parse(strings.NewReader(s), "known_hosts")
	require.NoError(t, err)
	return f
}

func mustKey(t testing.TB, s string) ssh.PublicKey {
	t.Helper()
	k, _, err := fingerprint.ParseKeyText(s)
	require.NoError(t, err)
	return k
}

func lines(es []*Entry) []int {
	out := []int{}
	for _, e := range es {
		out = append(out, e.Line)
	}
	return out
}

func TestV1Find(t *testing.T) {
	f := parseString(t, baseFile)
	assert.Equal(t, baseFile, string(f.Bytes()))
	db := New(Options{}, f)
	for _, tc := range []struct {
		q    string
		want []int
	}{
		{"example.com", []int{2}},
		{"192.0.2.10", []int{2}},
		{"EXAMPLE.COM", []int{2}},
		{"a.example.org", []int{4}},
		{".example.org", []int{4}},
		{"bad.example.org", nil},
		{"git.example.net", nil},
		{"host12.example.com", nil},
		{"nohost.example", nil},
		{"[git.example.net]:2222", []int{5}},
		{"x.corp.example", []int{6}},
		{"host1.example.com", []int{7}},
	} {
		got := lines(db.Lookup(tc.q))
		if tc.want == nil {
			tc.want = []int{}
		}
		assert.Equal(t, tc.want, got, tc.q)
	}
	assert.Equal(t, fingerprint.CertAuthority, db.Lookup("x.corp.example")[0].Marker)
}

func TestV5Hashed(t *testing.T) {
	salt := make([]byte, 20)
	for i := range salt {
		salt[i] = byte(i)
	}
	for name, want := range map[string]string{
		"example.com":            "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|nnUK16ANsXd3hL31YfAkGOluSjU=",
		"[git.example.net]:2222": "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|VfQtkcq94aXG5j/BXTSTDxs+SUs=",
		"192.0.2.10":             "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|TTB3WJSKiWPCN9rvqYmXex4Tsl4=",
		"EXAMPLE.COM":            "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|7+Ph+TBYDu1WvIP6Yb4BcRi1+d4=",
	} {
		assert.Equal(t, want, hashWithSalt(name, salt), name)
		h, err := parseHashed(want)
		require.NoError(t, err)
		var c sha1Blocks
		st := newHMACState(h.salt[:])
		assert.Equal(t, h.sum, st.sum(&c, prepareTail(name)), name)
		assert.True(t, h.canonical)
	}
	f := parseString(t, "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|nnUK16ANsXd3hL31YfAkGOluSjU= "+k1+"\n"+
		"|1|AAECAwQFBgcICQoLDA0ODxAREhM=|VfQtkcq94aXG5j/BXTSTDxs+SUs= "+kEC+"\n")
	db := New(Options{}, f)
	assert.Equal(t, []int{1}, lines(db.Lookup("example.com")))
	assert.Empty(t, db.Lookup("EXAMPLE.COM"))
	assert.Equal(t, []int{2}, lines(db.Lookup("[git.example.net]:2222")))
	assert.Empty(t, db.Lookup("git.example.net"))
	// ssh lowercases names before hashing them, so the callback finds it.
	assert.NoError(t, db.Check("EXAMPLE.COM", mustKey(t, k1)))

	// -R example.com removes only the hashed example.com line.
	f = parseString(t, "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|nnUK16ANsXd3hL31YfAkGOluSjU= "+k1+"\n"+
		"|1|AAECAwQFBgcICQoLDA0ODxAREhM=|TTB3WJSKiWPCN9rvqYmXex4Tsl4= "+k1+"\n")
	removed, err := f.Remove("example.com", nil)
	require.NoError(t, err)
	assert.Equal(t, []int{1}, removed)
	assert.Equal(t, []int{1}, lines(f.Lookup("192.0.2.10")))
}

func TestV7Patterns(t *testing.T) {
	exHash := "|1|AAECAwQFBgcICQoLDA0ODxAREhM=|nnUK16ANsXd3hL31YfAkGOluSjU="
	for _, tc := range []struct {
		pattern string
		found   map[string]bool
	}{
		{"!bad.example.org", map[string]bool{"bad.example.org": false, "good.example.org": false}},
		{"!bad.example.org,*.example.org", map[string]bool{"bad.example.org": false, "good.example.org": true, "example.org": false, ".example.org": true}},
		{"*.example.org,!*.internal.example.org", map[string]bool{"a.internal.example.org": false, "a.example.org": true}},
		{exHash + ",example.net", map[string]bool{"example.com": false, "example.net": false}},
		{"example.net," + exHash, map[string]bool{"example.com": false, "example.net": true}},
		{"[*.example.net]:2222", map[string]bool{"[git.example.net]:2222": true, "[git.example.net]:22": false, "git.example.net": false}},
		{"[host.example]:22", map[string]bool{"host.example": false, "[host.example]:22": true}},
		{"Example.COM", map[string]bool{"example.com": true, "EXAMPLE.com": true}},
		{"2001:db8::1,[2001:db8::1]:2222", map[string]bool{"2001:db8::1": true, "[2001:db8::1]:2222": true, "2001:DB8::1": true}},
		{"h?.example", map[string]bool{"h1.example": true, "h12.example": false, "h.example": false}},
		{"192.0.2.*", map[string]bool{"192.0.2.7": true, "[192.0.2.7]:2222": false}},
		{"*", map[string]bool{"[x]:2222": true}},
		{"192.0.2.0/24", map[string]bool{"192.0.2.7": false}},
		{"host*", map[string]bool{"host": true}},
		{"h*t", map[string]bool{"ht": true}},
	} {
		db := New(Options{}, parseString(t, tc.pattern+" "+k1+"\n"))
		for q, want := range tc.found {
			assert.Equal(t, want, len(db.Lookup(q)) == 1, "%s vs %s", tc.pattern, q)
		}
	}
}

func TestV8Malformed(t *testing.T) {
	k1blob := strings.Fields(k1)[1]
	for _, tc := range []struct {
		line    string
		invalid bool // for ssh-keygen -F, -H, -R
		found   bool // by -F bad.example
		usable  bool // by ssh
	}{
		{"bad.example foo-bar-v1 " + k1blob, true, false, false},
		{"bad.example", true, false, false},
		{"bad.example ssh-ed25519", true, false, false},
		{"@foo bad.example " + k1, true, false, false},
		{"@revoked @cert-authority bad.example " + k1, true, false, false},
		{"@revoked", true, false, false},
		{"bad.example 2048 35 1234567890", true, false, false},
		{"bad.example # hi", true, false, false},
		{"bad.example ssh-ed25519 AAAA!!!notbase64", false, true, false},
		{"bad.example ssh-rsa " + k1blob, false, true, false},
		{"  bad.example " + k1, false, true, true},
		{"bad.example\t" + strings.Replace(k1, " ", "\t", 1), false, true, true},
		{"bad.example " + k1 + "\r", false, true, true},
	} {
		f := parseString(t, tc.line+"\n")
		assert.Equal(t, tc.invalid, f.Lines[0].Kind == InvalidLine, "invalid: %q", tc.line)
		db := New(Options{}, f)
		assert.Equal(t, tc.found, len(db.Lookup("bad.example")) == 1, "found: %q", tc.line)
		assert.Equal(t, tc.usable, len(db.HostKeys("bad.example")) == 1, "usable: %q", tc.line)
		assert.Equal(t, tc.line+"\n", string(f.Bytes()))
	}
	// A bad hashed name is fine for -H but invalid for -R and for ssh.
	f := parseString(t, "|2|AAECAwQFBgcICQoLDA0ODxAREhM=|nnUK16ANsXd3hL31YfAkGOluSjU= "+k1+"\n")
	_, err := f.Hash(nil)
	assert.NoError(t, err)
	_, err = f.Remove("example.com", nil)
	var ife *InvalidFileError
	assert.ErrorAs(t, err, &ife)
	assert.Len(t, f.Problems(), 1)
}

func TestLongLine(t *testing.T) {
	long := strings.Repeat("a", 70000)
	f := parseString(t, long+".example "+k1+" "+long+"\nok.example "+k1)
	require.Len(t, f.Lines, 2)
	assert.True(t, f.NoFinalNewline)
	db := New(Options{}, f)
	assert.Len(t, db.Lookup(long+".example"), 0, "an element of 1023 bytes or more never matches")
	assert.Len(t, db.Lookup("ok.example"), 1)
	e := f.Lines[0].Entry
	assert.Equal(t, long, e.Comment())
}

// TestPathologicalPattern: OpenSSH 9.2 takes 38 s and x/crypto 54 s on
// this pattern; the matcher answers in microseconds.
func TestPathologicalPattern(t *testing.T) {
	pat := strings.Repeat("*a", 12) + "*b"
	name := strings.Repeat("a", 40)
	db := New(Options{}, parseString(t, pat+" "+k1+"\n"))
	assert.Empty(t, db.Lookup(name))
	const n = 1000
	start := time.Now()
	for i := 0; i < n; i++ {
		if matchList(name, pat) != noMatch {
			t.Fatal("matched")
		}
	}
	per := time.Since(start) / n
	t.Logf("%v per match", per)
	assert.Less(t, per, time.Millisecond, "the matcher must not backtrack exponentially")
}

// TestHashedScan checks hashed lookups for names of one and several SHA-1
// blocks, in DBs of odd and even sizes, large enough to be scanned in
// parallel.
func TestHashedScan(t *testing.T) {
	long := strings.Repeat("long-name.", 20) + "example"
	for _, n := range []int{1, 2, 3, 9000, 9001} {
		var b strings.Builder
		for i := 0; i < n; i++ {
			name := "h" + strings.Repeat("x", i%7) + ".example"
			if i == n-1 {
				name = long
			}
			b.WriteString(HashHost(name) + " " + k1 + "\n")
		}
		db := New(Options{}, parseString(t, b.String()))
		assert.Equal(t, []int{n}, lines(db.Lookup(long)), "n=%d", n)
		if n > 1 {
			assert.Len(t, db.Lookup("hx.example"), len(rangeStep(1, n-1, 7)), "n=%d", n)
		}
	}
}

func rangeStep(from, to, step int) []int {
	var r []int
	for i := from; i < to; i += step {
		r = append(r, i)
	}
	return r
}
