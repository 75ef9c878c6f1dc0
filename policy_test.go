package hostkeys

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/knownhosts"
	"github.com/hostkeys/hostkeys/sshfp"
)

func keyText(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

func khDB(t testing.TB, text string) *knownhosts.DB {
	t.Helper()
	f, err := knownhosts.Parse(strings.NewReader(text), "known_hosts")
	require.NoError(t, err)
	require.Empty(t, f.Problems())
	return knownhosts.New(knownhosts.Options{}, f)
}

type testCA struct {
	signer ssh.Signer
	pub    ssh.PublicKey
}

func newCA(t testing.TB) *testCA {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return &testCA{signer: s, pub: s.PublicKey()}
}

func (ca *testCA) cert(t testing.TB, key ssh.PublicKey, principals ...string) *ssh.Certificate {
	c := &ssh.Certificate{Key: key, CertType: ssh.HostCert, ValidPrincipals: principals,
		ValidAfter: uint64(time.Now().Add(-time.Hour).Unix()), ValidBefore: uint64(time.Now().Add(time.Hour).Unix())}
	require.NoError(t, c.SignCert(rand.Reader, ca.signer))
	return c
}

func evidenceOf(v *Verdict, s Source) Evidence {
	for _, e := range v.Evidence {
		if e.Source == s {
			return e
		}
	}
	return Evidence{}
}

func TestPolicyRule(t *testing.T) {
	gh, other := ghKey(t), otherKey(t)
	ctx := context.Background()
	pinsGH := parsePinsText(t, "Host github.com\n"+ghSHA256+" (Ed25519)\n")
	pinsMD5 := parsePinsText(t, "Host github.com\n"+ghMD5+"\n")
	pinsRevoked := parsePinsText(t, "Host *\n@revoked "+ghSHA256+"\n")
	khGH := khDB(t, "github.com "+ghKeyText+"\n")
	khOther := khDB(t, "github.com "+keyText(other)+"\n")
	khRevoked := khDB(t, "@revoked * "+ghKeyText+"\n")
	pinsReq, err := ParseRequirements("pins")
	require.NoError(t, err)
	khReq, err := ParseRequirements("known-hosts")
	require.NoError(t, err)

	tests := []struct {
		name   string
		policy Policy
		key    ssh.PublicKey
		want   VerdictRule
	}{
		{"zero policy", Policy{}, gh, VerdictUnconfirmed},
		{"pin confirms", Policy{Pins: []*Pins{pinsGH}}, gh, VerdictConfirmed},
		{"pin contradicts", Policy{Pins: []*Pins{pinsGH}}, other, VerdictContradicted},
		{"MD5 pin confirms, weakly", Policy{Pins: []*Pins{pinsMD5}}, gh, VerdictConfirmed},
		{"known_hosts confirms", Policy{KnownHosts: []*knownhosts.DB{khGH}}, gh, VerdictConfirmed},
		{"pin and known_hosts disagree", Policy{Pins: []*Pins{pinsGH}, KnownHosts: []*knownhosts.DB{khOther}}, gh, VerdictContradicted},
		{"revoked by pins beats known_hosts", Policy{Pins: []*Pins{pinsRevoked}, KnownHosts: []*knownhosts.DB{khGH}}, gh, VerdictRevoked},
		{"revoked by known_hosts beats pins", Policy{Pins: []*Pins{pinsGH}, KnownHosts: []*knownhosts.DB{khRevoked}}, gh, VerdictRevoked},
		{"required pins missing", Policy{KnownHosts: []*knownhosts.DB{khGH}, Require: pinsReq}, gh, VerdictRequired},
		{"required known_hosts present", Policy{Pins: []*Pins{pinsGH}, KnownHosts: []*knownhosts.DB{khGH}, Require: khReq}, gh, VerdictConfirmed},
		{"TOFU on an unknown host", Policy{InsecureTrustOnFirstUse: true, Pins: []*Pins{parsePinsText(t, "")}}, gh, VerdictInsecureTrustOnFirstUse},
		{"TOFU never overrides a contradiction", Policy{InsecureTrustOnFirstUse: true, Pins: []*Pins{pinsGH}}, other, VerdictContradicted},
		{"TOFU never overrides a requirement", Policy{InsecureTrustOnFirstUse: true, Require: pinsReq}, gh, VerdictRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.policy.Check(ctx, "github.com", 22, tt.key)
			assert.Equal(t, tt.want, v.Rule, v.Reason)
			assert.Equal(t, tt.want == VerdictConfirmed || tt.want == VerdictInsecureTrustOnFirstUse, v.Accepted())
			assert.NotEmpty(t, v.Reason)
		})
	}

	v := (&Policy{Pins: []*Pins{pinsMD5}}).Check(ctx, "github.com", 22, gh)
	assert.True(t, v.Weak())
	assert.Contains(t, v.Reason, "weak")
	e := evidenceOf(v, SourcePins)
	assert.Equal(t, "testdata/pins/pins.txt:2", e.Where)
	assert.Equal(t, 2, e.Line)

	v = (&Policy{KnownHosts: []*knownhosts.DB{khOther}}).Check(ctx, "github.com", 22, gh)
	e = evidenceOf(v, SourceKnownHosts)
	assert.Equal(t, Contradicted, e.Status)
	assert.Equal(t, "known_hosts:1", e.Where)
}

func TestPolicyCertificates(t *testing.T) {
	ctx := context.Background()
	ca := newCA(t)
	hostKey := otherKey(t)
	cert := ca.cert(t, hostKey, "git.example.com")
	pinCA := parsePinsText(t, "Host *.example.com\n@cert-authority "+keyText(ca.pub)+"\n")
	p := &Policy{Pins: []*Pins{pinCA}}

	v := p.Check(ctx, "git.example.com", 22, cert)
	assert.Equal(t, VerdictConfirmed, v.Rule, v.Reason)
	assert.Contains(t, evidenceOf(v, SourcePins).Detail, "signed by the pinned CA")

	v = p.Check(ctx, "www.example.com", 22, cert)
	assert.Equal(t, VerdictContradicted, v.Rule, "principal does not match: %s", v.Reason)
	assert.Contains(t, v.Reason, "not valid")

	v = p.Check(ctx, "git.example.com", 22, hostKey)
	assert.Equal(t, VerdictContradicted, v.Rule, "a plain key is not vouched for by a CA")

	// A certificate whose CA is not pinned is judged by its certified key.
	pinKey := parsePinsText(t, "Host git.example.com\n"+fingerprint.Of(hostKey, fingerprint.SHA256).String()+"\n")
	v = (&Policy{Pins: []*Pins{pinKey}}).Check(ctx, "git.example.com", 22, cert)
	assert.Equal(t, VerdictConfirmed, v.Rule, v.Reason)

	// A revoked CA rejects its certificates.
	revCA := parsePinsText(t, "Host *\n@revoked "+keyText(ca.pub)+"\n")
	v = (&Policy{Pins: []*Pins{revCA, pinKey}}).Check(ctx, "git.example.com", 22, cert)
	assert.Equal(t, VerdictRevoked, v.Rule, v.Reason)

	// Expired certificate: the CA pin does not vouch; nothing else does.
	now := time.Now().Add(48 * time.Hour)
	p.Now = func() time.Time { return now }
	v = p.Check(ctx, "git.example.com", 22, cert)
	assert.False(t, v.Accepted())

	// known_hosts @cert-authority.
	kh := khDB(t, "@cert-authority *.example.com "+keyText(ca.pub)+"\n")
	v = (&Policy{KnownHosts: []*knownhosts.DB{kh}}).Check(ctx, "git.example.com", 22, cert)
	assert.Equal(t, VerdictConfirmed, v.Rule, v.Reason)
	assert.Equal(t, "known_hosts:1", evidenceOf(v, SourceKnownHosts).Where)
}

func TestPolicyErrorsAsXCrypto(t *testing.T) {
	gh, other := ghKey(t), otherKey(t)
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 22}
	check := func(p *Policy, key ssh.PublicKey) error {
		return p.HostKeyCallback()("github.com:22", remote, key)
	}
	pins := parsePinsText(t, "Host github.com\n"+ghKeyText+"\n")
	require.NoError(t, check(&Policy{Pins: []*Pins{pins}}, gh))

	err := check(&Policy{Pins: []*Pins{pins}}, other)
	var ve *VerdictError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, VerdictContradicted, ve.Verdict.Rule)
	var ke *xknownhosts.KeyError
	require.ErrorAs(t, err, &ke)
	require.Len(t, ke.Want, 1)
	assert.Equal(t, 2, ke.Want[0].Line)
	assert.True(t, knownhosts.IsHostKeyChanged(err))
	assert.Contains(t, err.Error(), "hostkeys: ED25519 key SHA256:")

	err = check(&Policy{Pins: []*Pins{parsePinsText(t, "")}}, gh)
	assert.True(t, knownhosts.IsHostUnknown(err), "%v", err)

	err = check(&Policy{Pins: []*Pins{parsePinsText(t, "Host *\n@revoked "+ghSHA256+"\n")}}, gh)
	var re *xknownhosts.RevokedError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 2, re.Revoked.Line)
	assert.True(t, knownhosts.IsRevoked(err))

	// A fingerprint pin has no key to offer as Want: only the verdict.
	err = check(&Policy{Pins: []*Pins{parsePinsText(t, "Host github.com\n"+ghSHA256+"\n")}}, other)
	require.ErrorAs(t, err, &ve)
	assert.False(t, errors.As(err, &ke))
}

func TestPolicyHostKeyAlgorithms(t *testing.T) {
	p := &Policy{Pins: []*Pins{parsePinsText(t, "Host a\nSHA256:46OSHA1Rmj8E8ERTC6xkNcmGOw9oFxYr0WF6zWW8l1E (RSA)\n"+
		"Host b\n@cert-authority "+ghKeyText+"\n")}}
	algs := p.HostKeyAlgorithms("a", 22)
	assert.Equal(t, []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}, algs[:2])
	algs = p.HostKeyAlgorithms("b", 22)
	assert.Equal(t, ssh.CertAlgoED25519v01, algs[0])
	none := p.HostKeyAlgorithms("c", 22)
	assert.Equal(t, knownhosts.New(knownhosts.Options{}).HostKeyAlgorithms("c"), none)
	kh := khDB(t, "c "+ghKeyText+"\n")
	p.KnownHosts = []*knownhosts.DB{kh}
	assert.Equal(t, ssh.KeyAlgoED25519, p.HostKeyAlgorithms("c", 22)[0])
}

func TestParseRequirements(t *testing.T) {
	r, err := ParseRequirements("pins|sshfp,known-hosts")
	require.NoError(t, err)
	assert.Equal(t, []Requirement{{SourcePins, SourceSSHFP}, {SourceKnownHosts}}, r)
	_, err = ParseRequirements("pins,scan")
	assert.ErrorContains(t, err, `hostkeys: unknown source "scan"`)
	var re *RequirementError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, RequirementError{Text: "pins,scan", Source: "scan"}, *re)
	_, err = ParseRequirements("pins,")
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "", re.Source, "an empty requirement is an error")
}

// BenchmarkPolicyCheck10k is the policy's own cost per key in verify: a
// pin list of 10,000 hosts and a known_hosts DB, no DNS.
func BenchmarkPolicyCheck10k(b *testing.B) {
	p := &Policy{Pins: []*Pins{parsePinsText(b, pinList(b, 10000))},
		KnownHosts: []*knownhosts.DB{khDB(b, "host4243.example.com "+ghKeyText+"\n")}}
	key := ghKey(b)
	ctx := context.Background()
	for b.Loop() {
		if !p.Check(ctx, "host4243.example.com", 22, key).Accepted() {
			b.Fatal("rejected")
		}
	}
}

// TestPolicyReasons: a rejection says what the list expects and what each
// silent or failed source said, naming keys by fingerprint (a pinned RSA
// key is never echoed in full).
func TestPolicyReasons(t *testing.T) {
	ctx := context.Background()
	rsaPin := "Host github.com\nssh-rsa " + strings.Repeat("A", 3000) + "\n"
	_, err := ParsePins(strings.NewReader(rsaPin), "big")
	require.Error(t, err, "not a valid RSA key")

	big := newRSAKey(t)
	pins := parsePinsText(t, "Host github.com\n"+keyText(big)+"\n"+ghMD5+" (RSA)\n")
	v := (&Policy{Pins: []*Pins{pins}}).Check(ctx, "github.com", 22, ghKey(t))
	assert.Equal(t, VerdictContradicted, v.Rule)
	assert.Contains(t, v.Reason, "pinned to 2 other key(s) or CA(s): "+fingerprint.Of(big, fingerprint.SHA256).String()+" (RSA), MD5:"+ghMD5+" (RSA)")
	assert.NotContains(t, v.Reason, keyText(big)[8:40])
	assert.Less(t, len(v.Reason), 300)

	// Unpinned, and a DNS server that refuses: both said.
	p := &Policy{Pins: []*Pins{pins}, SSHFP: &sshfp.Resolver{Servers: []string{"127.0.0.1:1"}, Timeout: time.Second}}
	v = p.Check(ctx, "gitlab.com", 22, ghKey(t))
	assert.Equal(t, VerdictUnconfirmed, v.Rule)
	assert.Contains(t, v.Reason, "no trusted source confirms the key; sshfp failed: ")
	assert.Contains(t, v.Reason, "; pins testdata/pins/pins.txt: no pin for the host")
	assert.Equal(t, Failed, evidenceOf(v, SourceSSHFP).Status)
	assert.Error(t, evidenceOf(v, SourceSSHFP).Err)
}

func newRSAKey(t testing.TB) ssh.PublicKey {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	k, err := ssh.NewPublicKey(&priv.PublicKey)
	require.NoError(t, err)
	return k
}
