package hostkeys

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/internal/wire"
	"github.com/hostkeys/hostkeys/knownhosts"
)

// edKey returns the text of a fixed Ed25519 public key: "ssh-ed25519 AAAA...".
func edKey(seed byte) string {
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	pub, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(s).Public())
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// ecKey returns the text of a fresh ECDSA P-256 public key.
func ecKey(t *testing.T) string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	pub, err := ssh.NewPublicKey(&k.PublicKey)
	require.NoError(t, err)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

// bigKey returns the text of an RSA or DSA key made of fixed numbers of
// the right sizes, which OpenSSH accepts as well-formed (it checks sizes,
// not primality).
func bigKey(typ string, bits int) string { return bigKeyN(typ, bits, 0) }

// bigKeyN is bigKey with the numbers varied by n.
func bigKeyN(typ string, bits int, n int64) string {
	num := func(bits int, v int64) *big.Int {
		n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
		return n.Add(n, big.NewInt(2*v+1))
	}
	b := wire.AppendString(nil, []byte(typ))
	switch typ {
	case "ssh-rsa":
		b = wire.AppendMPInt(b, big.NewInt(65537))
		b = wire.AppendMPInt(b, num(bits, 12345+n))
	case "ssh-dss":
		for _, n := range []*big.Int{num(1024, n), num(160, 3), num(1023, 5), num(1023, 7)} {
			b = wire.AppendMPInt(b, n)
		}
	}
	return typ + " " + base64.StdEncoding.EncodeToString(b)
}

// audit writes files into a temporary directory and audits them. files
// maps names to contents; "known_hosts" and any "*.kh" are known_hosts
// files, "pins" a pin list, "inventory" the inventory.
func audit(t *testing.T, opts AuditOptions, files map[string]string) *Report {
	t.Helper()
	dir := t.TempDir()
	for _, name := range slices.Sorted(maps.Keys(files)) { // known_hosts files in name order
		text := files[name]
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		switch {
		case name == "inventory":
			opts.Inventory = p
		case name == "pins":
			opts.Pins = append(opts.Pins, p)
		case name == "known_hosts" || strings.HasSuffix(name, ".kh"):
			opts.KnownHosts = append(opts.KnownHosts, p)
		}
	}
	r, err := Audit(context.Background(), opts)
	require.NoError(t, err)
	return r
}

// ruleLines returns "RULE base:line" for each finding.
func ruleLines(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, fmt.Sprintf("%s %s:%d", f.RuleID, filepath.Base(f.File), f.Line))
	}
	return out
}

func TestAuditRules(t *testing.T) {
	k1, k2, k3 := edKey(1), edKey(2), edKey(3)
	ecdsa := ecKey(t)
	hashedA := knownhosts.HashHost("a.example")
	hashedB := knownhosts.HashHost("b.example")
	for _, tc := range []struct {
		name  string
		opts  AuditOptions
		files map[string]string
		want  []string // "RULE file:line" of every finding
	}{
		{name: "clean",
			files: map[string]string{"known_hosts": "# comment\n\na.example,192.0.2.1 " + k1 + "\nb.example " + ecdsa + "\n"}},
		{name: "malformed line",
			files: map[string]string{"known_hosts": "a.example " + k1 + "\nb.example ssh-ed25519 AAAA!!!!\nonlyonefield\n"},
			want:  []string{"HK101 known_hosts:2", "HK101 known_hosts:3"}},
		{name: "unknown key type",
			files: map[string]string{"known_hosts": "a.example ssh-foo AAAAB3NzaC1yc2E=\n"},
			want:  []string{"HK101 known_hosts:1"}},
		{name: "bad hashed name",
			files: map[string]string{"known_hosts": "|1|bad|bad " + k1 + "\n"},
			want:  []string{"HK101 known_hosts:1"}},
		{name: "dsa key",
			files: map[string]string{"known_hosts": "a.example " + bigKey("ssh-dss", 1024) + "\n@revoked b.example " + bigKeyN("ssh-dss", 1024, 1) + "\n"},
			want:  []string{"HK102 known_hosts:1"}},
		{name: "small rsa key",
			files: map[string]string{"known_hosts": "a.example " + bigKey("ssh-rsa", 1024) + "\nb.example " + bigKey("ssh-rsa", 2048) + "\n"},
			want:  []string{"HK103 known_hosts:1"}},
		{name: "rsa minimum raised",
			opts:  AuditOptions{MinRSABits: 3072},
			files: map[string]string{"known_hosts": "b.example " + bigKey("ssh-rsa", 2048) + "\nc.example " + bigKey("ssh-rsa", 3072) + "\n"},
			want:  []string{"HK103 known_hosts:1"}},
		{name: "conflicting keys",
			files: map[string]string{"known_hosts": "a.example " + k1 + "\nA.example,192.0.2.1 " + k2 + "\n"},
			want:  []string{"HK104 known_hosts:2"}},
		{name: "keys of other types do not conflict",
			files: map[string]string{"known_hosts": "a.example " + k1 + "\na.example " + ecdsa + "\n[a.example]:2222 " + k2 + "\n"}},
		{name: "conflict across files",
			files: map[string]string{"1.kh": "a.example " + k1 + "\n", "2.kh": "a.example " + k2 + "\n"},
			want:  []string{"HK104 2.kh:1"}},
		{name: "duplicate entry",
			files: map[string]string{"known_hosts": "a.example " + k1 + "\nb.example " + k1 + "\na.example,192.0.2.1 " + k1 + " copy\n"},
			want:  []string{"HK105 known_hosts:3"}},
		{name: "plain names where hashing is required",
			opts: AuditOptions{RequireHashed: true},
			files: map[string]string{"known_hosts": "a.example " + k1 + "\n" + hashedB + " " + k2 + "\n" +
				"*.example " + k3 + "\n@cert-authority *.example.com " + k3 + "\nc.example,!d.example " + k2 + "\n"},
			want: []string{"HK106 known_hosts:1", "HK107 known_hosts:3"}},
		{name: "plain names allowed by default",
			files: map[string]string{"known_hosts": "a.example " + k1 + "\n"}},
		{name: "wildcard on a plain key",
			files: map[string]string{"known_hosts": "*.example.com " + k1 + "\nweb?.example.com,!web9.example.com " + k2 +
				"\n!*.example.com " + k3 + "\n@cert-authority *.example.com " + k3 + "\n"},
			want: []string{"HK107 known_hosts:1", "HK107 known_hosts:2"}},
		{name: "broad cert authority",
			files: map[string]string{"known_hosts": "@cert-authority * " + k1 + "\n@cert-authority *.com " + k2 +
				"\n@cert-authority web*,!x " + k3 + "\n@cert-authority *.example.com,*.example.org " + k3 +
				"\n@cert-authority ca.example.com " + k3 + "\n"},
			want: []string{"HK108 known_hosts:1", "HK108 known_hosts:2", "HK108 known_hosts:3"}},
		{name: "revoked key still trusted",
			files: map[string]string{"1.kh": "@revoked a.example " + k1 + "\n@revoked * " + k3 + "\n",
				"2.kh": "b.example " + k1 + "\nc.example " + k2 + "\n@cert-authority *.example.com " + k3 + "\n"},
			want: []string{"HK109 2.kh:1", "HK109 2.kh:3"}},
		{name: "inventory",
			files: map[string]string{
				"known_hosts": hashedA + " " + k1 + "\n" + hashedB + " " + k2 + "\nc.example " + k3 + "\n" +
					"d.example " + k3 + "\n*.example.org " + k2 + "\n@revoked e.example " + edKey(9) + "\n",
				"inventory": "# hosts\nA.example\n\nc.example\ne.example\nf.example\nwww.example.org\nc.example\n",
			},
			want: []string{"HK301 known_hosts:2", "HK301 known_hosts:4", "HK107 known_hosts:5", "HK302 inventory:5", "HK302 inventory:6"}},
		{name: "inventory lines",
			files: map[string]string{
				"known_hosts": "a.example " + k1 + "\n[a.example]:2222 " + k1 + "\n",
				"inventory":   "a.example\n[a.example]:2222\na.example,b\nweb*\n[x]\nhas blank\n|1|x\n",
			},
			want: []string{"HK303 inventory:3", "HK303 inventory:4", "HK303 inventory:5", "HK303 inventory:6", "HK303 inventory:7"}},
		{name: "conflicts among hashed entries de-hashed by the inventory",
			files: map[string]string{
				"known_hosts": hashedA + " " + k1 + "\n" + knownhosts.HashHost("a.example") + " " + k2 + "\na.example " + k1 + "\n",
				"inventory":   "a.example\n",
			},
			want: []string{"HK104 known_hosts:2", "HK105 known_hosts:3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := audit(t, tc.opts, tc.files)
			assert.Equal(t, tc.want, ruleLines(r), "%+v", r.Findings)
			for _, f := range r.Findings {
				rule, ok := ruleByID(f.RuleID)
				require.True(t, ok, f.RuleID)
				assert.Equal(t, rule.Severity, f.Severity)
				assert.NotEmpty(t, f.Message)
			}
		})
	}
}

func TestAuditFindingFields(t *testing.T) {
	k1, k2 := edKey(1), edKey(2)
	hashed := knownhosts.HashHost("a.example")
	r := audit(t, AuditOptions{}, map[string]string{
		"known_hosts": hashed + " " + k1 + "\n" + hashed + " " + k2 + "\nb.example ssh-ed25519 AAAA\n",
		"inventory":   "a.example\n",
	})
	require.Len(t, r.Findings, 2)
	f := r.Findings[0]
	assert.Equal(t, RuleConflictingKeys, f.RuleID)
	assert.Equal(t, SeverityWarning, f.Severity)
	assert.Equal(t, "a.example", f.Host, "a de-hashed entry is reported under its name")
	assert.Equal(t, 2, f.Line)
	assert.True(t, strings.HasPrefix(f.Key, "SHA256:"), f.Key)
	assert.Contains(t, f.Message, "line 1")
	f = r.Findings[1]
	assert.Equal(t, RuleMalformedLine, f.RuleID)
	assert.Equal(t, "b.example", f.Host)
	assert.Empty(t, f.Key)
	assert.Contains(t, f.Message, "key")

	assert.Equal(t, 3, r.Stats.Entries)
	assert.Equal(t, 2, r.Stats.HashedEntries)
	assert.Equal(t, 1, r.Stats.InventoryNames)
	assert.Equal(t, int64(2), r.Stats.HMACs)
	assert.Equal(t, SeverityError, r.Max())
	assert.Equal(t, 1, r.Count(SeverityWarning))
}

// TestAuditHMACCount: de-hashing costs one HMAC per (usable hashed
// entry, name); a hashed field ssh cannot use costs none.
func TestAuditHMACCount(t *testing.T) {
	k1 := edKey(1)
	r := audit(t, AuditOptions{}, map[string]string{
		"known_hosts": knownhosts.HashHost("a.example") + " " + k1 + "\n" + knownhosts.HashHost("b.example") + " " + k1 +
			"\n|1|bad|bad " + k1 + "\nc.example " + k1 + "\n",
		"inventory": "a.example\nb.example\nc.example\n",
	})
	assert.Equal(t, 3, r.Stats.HashedEntries)
	assert.Equal(t, 3, r.Stats.DehashNames)
	assert.Equal(t, int64(2*3), r.Stats.HMACs)
	assert.Equal(t, []string{"HK101 known_hosts:3"}, ruleLines(r))
}

func TestAuditErrors(t *testing.T) {
	_, err := Audit(context.Background(), AuditOptions{KnownHosts: []string{filepath.Join(t.TempDir(), "missing")}})
	assert.ErrorIs(t, err, os.ErrNotExist)

	kh := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(kh, []byte("a.example "+edKey(1)+"\n"), 0o644))
	_, err = Audit(context.Background(), AuditOptions{KnownHosts: []string{kh}, Inventory: kh + ".missing"})
	var ie *InventoryError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, kh+".missing", ie.File)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.True(t, strings.HasPrefix(err.Error(), "hostkeys: "), err.Error())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Audit(ctx, AuditOptions{KnownHosts: []string{kh}})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestAuditLongInventoryLine(t *testing.T) {
	r := audit(t, AuditOptions{}, map[string]string{
		"known_hosts": "a.example " + edKey(1) + "\n",
		"inventory":   strings.Repeat("x", MaxInventoryLineLength+1) + "\na.example\n" + strings.Repeat("y", MaxInventoryLineLength),
	})
	assert.Equal(t, []string{"HK303 inventory:1", "HK302 inventory:3"}, ruleLines(r))
}

func TestAuditProgress(t *testing.T) {
	var calls [][2]int
	r := audit(t, AuditOptions{Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }},
		map[string]string{"known_hosts": "a.example " + edKey(1) + "\n", "inventory": "a.example\nb.example\n"})
	require.NotEmpty(t, calls)
	assert.Equal(t, [2]int{2, 2}, calls[len(calls)-1])
	assert.Equal(t, []string{"HK302 inventory:2"}, ruleLines(r))
}

func TestSeverity(t *testing.T) {
	for _, s := range []Severity{SeverityNote, SeverityWarning, SeverityError} {
		got, err := ParseSeverity(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	_, err := ParseSeverity("fatal")
	var se *UnknownSeverityError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "fatal", se.Name)
	assert.EqualError(t, err, `hostkeys: unknown severity "fatal" (want error, warning or note)`)
	_, err = Severity(0).MarshalText()
	assert.Error(t, err)
	assert.Less(t, SeverityNote, SeverityWarning)
	assert.Less(t, SeverityWarning, SeverityError)
}

func TestRulesTable(t *testing.T) {
	ids := map[string]bool{}
	names := map[string]bool{}
	for _, r := range Rules() {
		assert.False(t, ids[r.ID], "duplicate ID %s", r.ID)
		assert.False(t, names[r.Name], "duplicate name %s", r.Name)
		ids[r.ID], names[r.Name] = true, true
		assert.Regexp(t, `^HK[1-5][0-9][0-9]$`, r.ID)
		assert.Regexp(t, `^[a-z0-9-]+$`, r.Name)
		assert.NotZero(t, r.Severity)
		assert.True(t, strings.HasSuffix(r.Summary, "."), r.ID)
		assert.True(t, strings.HasSuffix(r.Help, "."), r.ID)
	}
	rs := Rules()
	rs[0].ID = "changed"
	assert.Equal(t, RuleMalformedLine, Rules()[0].ID, "Rules returns a copy")
}

func TestAuditPinRules(t *testing.T) {
	k1, k2, k3 := edKey(1), edKey(2), edKey(3)
	fp := func(k string) string {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k))
		if err != nil {
			panic(err)
		}
		return ssh.FingerprintSHA256(pub)
	}
	md5 := func(k string) string {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k))
		if err != nil {
			panic(err)
		}
		return ssh.FingerprintLegacyMD5(pub)
	}
	for _, tc := range []struct {
		name  string
		opts  AuditOptions
		files map[string]string
		want  []string
	}{
		{name: "entries agree with the list",
			files: map[string]string{
				"known_hosts": "a.example,192.0.2.1 " + k1 + "\n[b.example]:2222 " + k2 + "\n",
				"pins":        "Host a.example 192.0.2.1\n" + fp(k1) + "\n[b.example]:2222 " + k2 + "\n",
			}},
		{name: "entry contradicts the list",
			files: map[string]string{
				"known_hosts": "a.example " + k2 + "\nb.example " + k1 + "\n",
				"pins":        "Host a.example\n" + fp(k1) + "\nHost b.example\n@revoked " + fp(k1) + "\n" + fp(k3) + "\n",
			},
			want: []string{"HK201 known_hosts:1", "HK201 known_hosts:2"}},
		{name: "only certificates approved",
			files: map[string]string{
				"known_hosts": "a.example " + k2 + "\n",
				"pins":        "Host *.example\n@cert-authority " + fp(k1) + "\n",
			},
			want: []string{"HK201 known_hosts:1"}},
		{name: "entry not in the list",
			files: map[string]string{
				"known_hosts": "a.example " + k1 + "\n*.example.org " + k2 + "\n",
				"pins":        "Host b.example\n" + fp(k1) + "\n",
			},
			want: []string{"HK202 known_hosts:1", "HK107 known_hosts:2", "HK203 pins:2"}},
		{name: "approved host missing",
			files: map[string]string{
				"known_hosts": "a.example " + k1 + "\n",
				"pins":        "Host a.example b.example *.example.net\n" + fp(k1) + "\n",
			},
			want: []string{"HK203 pins:2"}},
		{name: "approved host found through hashed entries",
			files: map[string]string{
				"known_hosts": knownhosts.HashHost("a.example") + " " + k1 + "\n" + knownhosts.HashHost("b.example") + " " + k3 + "\n",
				"pins":        "Host a.example\n" + fp(k1) + "\nHost b.example\n" + fp(k2) + "\n",
			},
			want: []string{"HK201 known_hosts:2"}},
		{name: "md5 only",
			files: map[string]string{
				"known_hosts": "a.example " + k1 + "\nb.example " + k2 + "\n",
				"pins": "Host a.example\n" + md5(k1) + " (ED25519)\n" +
					"Host b.example\n" + md5(k2) + " (ED25519)\n" + fp(k2) + "\n",
			},
			want: []string{"HK204 pins:2"}},
		{name: "invalid pin line",
			files: map[string]string{
				"known_hosts": "a.example " + k1 + "\n",
				"pins":        "Host a.example\n" + fp(k1) + "\nSHA256:nope\n",
			},
			want: []string{"HK205 pins:3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := audit(t, tc.opts, tc.files)
			assert.Equal(t, tc.want, ruleLines(r), "%+v", r.Findings)
		})
	}
}

// TestAuditMalformedMatchesProblems: the audit parses each distinct key
// once; its HK101 findings must be exactly knownhosts' File.Problems.
func TestAuditMalformedMatchesProblems(t *testing.T) {
	k1 := edKey(1)
	h := knownhosts.HashHost("a.example")
	text := strings.Join([]string{
		"a.example " + k1,
		"b.example " + k1 + " same key, other comment",
		"c.example " + k1 + "\r",
		"d.example ssh-ed25519 AAAA",
		"e.example ssh-ed25519 AAAA",
		"f.example ssh-ed448 AAAACXNzaC1lZDQ0OAAAADk=",
		"g.example ssh-foo AAAAB3NzaC1yc2E=",
		"|1|bad|bad " + k1,
		"|2|" + h[3:] + " " + k1,
		h + " " + k1,
		h + " ssh-ed25519 AAAA",
		"@revoked |1|x " + k1,
		"@cert-authority *.example " + bigKey("ssh-dss", 1024),
		"onlyonefield",
		"h.example rsa-sha2-256 " + strings.Fields(bigKey("ssh-rsa", 2048))[1],
		"",
	}, "\n")
	r := audit(t, AuditOptions{}, map[string]string{"known_hosts": text})
	var got []string
	for _, f := range r.Findings {
		if f.RuleID == RuleMalformedLine {
			got = append(got, fmt.Sprintf("%d: %s", f.Line, f.Message))
		}
	}
	f, err := knownhosts.Parse(strings.NewReader(text), "known_hosts")
	require.NoError(t, err)
	var want []string
	for _, p := range f.Problems() {
		want = append(want, fmt.Sprintf("%d: ssh ignores this line: %s; fix it from a trusted copy of the key, or delete it.", p.Line, p.Reason))
	}
	require.NotEmpty(t, want)
	assert.Equal(t, want, got)
}
