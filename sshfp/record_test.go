package sshfp

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/testpeer"
)

// Vectors from ../shared/research/sshfp.md section 7: exact ssh-keygen -r
// output of OpenSSH 9.2p1, except Ed448 (sha1sum/sha256sum of the blob).
var vectors = []struct {
	key  string
	name string
	want string
}{
	{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGPKSUTyz1HwHReFVvD5obVsALAgJRNarH4TRpNePnAS", "example.com.",
		"example.com. IN SSHFP 4 1 06a2de9a2d0f034701d67917e49cfc45a03c2e61\n" +
			"example.com. IN SSHFP 4 2 a87f1b687ac0e57d2a081a2f282672334d90ed316d2b818ca9580ea384d92401\n"},
	{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", "github.com",
		"github.com IN SSHFP 4 1 e9619e2ed56c2f2a71729db80bacc2ce9ccce8d4\n" +
			"github.com IN SSHFP 4 2 f83898df0bef57a4ee24985ba598ac17fccb0c0d333cc4af1dd92be14bc23aa5\n"},
	{labKey, "host.example.test",
		"host.example.test IN SSHFP 4 1 0a66521d6a1fc35b2beb6df904251a0d14e25dc4\n" +
			"host.example.test IN SSHFP 4 2 da7d8aba7071d08eaa8954455d72a67cecc1d8a197bacd65e4ce4ebfbe7a0c71\n"},
	{newKey, "host.example.test",
		"host.example.test IN SSHFP 4 1 d637a1727e64c3ad3d3fef843aa5710071084c25\n" +
			"host.example.test IN SSHFP 4 2 8a78cdbb43f097f4c72f52b6ae3f9e468dc35572f8fc2ed3c035539e8850906e\n"},
	{"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBKJH7R86SDZKMF0SCoG2dvUru9oFplKUwbHzleLOWI/D6JWqMwmLzxyTQwqTmvz+w2zzdDFa6zu0PC/pgnoA6YU=", "host.example.test",
		"host.example.test IN SSHFP 3 1 e623057ac50be97831548ad1c3a9d4ebf7cb59c6\n" +
			"host.example.test IN SSHFP 3 2 15e32dc4fdd9858f680aaf40b377f868cac1e911d63f17be9266930a7abd6b01\n"},
	{"ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBF8R8H9UdD3NHErrMV/khgU7gZ/6rNYEBVSKcK1Vhnp7ITUy5zZ4xYjpPOwzDv0U1i2qoe07LSS07aCk297V/jwiLxqasLq0QhSI4jtLNkiIuKoTSjn1FiI3oyDgJYku2w==", "host.example.test",
		"host.example.test IN SSHFP 3 1 70ff07e76d9d48fdb49f01ca19a11f9f36d198e7\n" +
			"host.example.test IN SSHFP 3 2 9c3df9fdf681553bc15cccd99eb754151289bae7119a40dad75f73c0e9a63602\n"},
	{"ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAA83lK5jxmI5O/LxKGDAEVwvq66e5EXQV1f2nVpWBtqXHaR+rm3RaeHi05GlcfZ2uP466zWvQcm6qQ7fm+poKVpswCwebo4oa4E6RNuMilMRjagrwpV+Uc+rCmkBOTinJ6xjPfemocWFnViqZXcWg1/ADj+pjDodPVv6xb8ubg+3ZlkcA==", "host.example.test",
		"host.example.test IN SSHFP 3 1 786ed7c48cedeb9daba7d12b653814f0cb005bc5\n" +
			"host.example.test IN SSHFP 3 2 ec97578dca1237d6c6401775472aa9f9154ab712dd83ccdfa509a813f5c2ea13\n"},
	{"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC6ghmyg3mpYsJktXARaDPGam8WC37BcLzvYnZlIXJTGNdPtDOAEZz0HX/JQKYn8//T88plDK5EKAVtNrctux8LG7RXAjQHbcP2g3Ji2V7M5IRz0zE7jFKfoePRGEJnSLCy5yOWU4cltO4yIEm7G3yvy7DGIKzR5m27sfc0nyfRArLr/Yic95Vyk5Ete8F+3m4kg9ZSGwEoeltEFM0WhbE7HBpxC92HQAtNeN7xUDmOcrcOS0d67D60oew5WJDmlZ+4LWSJgUD70Q5jFbC/vtKsaanbEQbawuc7RcHak0btU2CDeky/6flzq38fZjGpAqT5ihU+9+fK+gDUOAsIT0Ca7gWdCPsdOfoCispQ9+SGwX+OitI4/iNnQr3MEIOesMYhfikpEWLey0UZcAzsiyccAgzPB/jXR0rGv2GII35vHvv4CLQ7zH4Qs8ZBauKbonTCZkXCASWWVhgYYbh40187AQ2mh7KkxtdWVxMYNcGrMc1Ff2Uy1rbng1tdqJYdUj8=", "host.example.test",
		"host.example.test IN SSHFP 1 1 8318079065a1e34f9b7147524b35a5290b43b3b5\n" +
			"host.example.test IN SSHFP 1 2 65697614856053372e9f23a3daf277c70a06216e4c124f46822e2616a71feb2b\n"},
	{"ssh-dss AAAAB3NzaC1kc3MAAACBAJe2RHK+XxY0sxe8bg6F+wyRjIcSTbdk7iFAnkGHiJ6ZM0i0H6B3Ye6UwfRmmKOWPmVUN8LpD4q+Te5Utxj8QsbCpKhWv3t/vMqgW4ilpYV8pli2Esm+9tC4veSV914260VujhOVTOtF5xnI6kszk2zBF5HWqoH+FFIC+0Gttw03AAAAFQDPDQrEKRcBSYXBkXn7C/grTsJ1SwAAAIBUOxPsjvjXmFFcXKrLbOZbJ8BypzfenO2E5h8EjezANgm1hFGE8VS1FGqFHvJ6qM6l5zWw8LpTUK1Y6SKuoTSH/uzm0vGTK4Or9VGDivpWBMabnMDdee+1rQjnSzPfQ43wKm/TyxumQPSa7Wp+IaHvIoL4kBaT2SGhmu0TOMKgewAAAIAQuG3cAalyufNt016LRlQ3gdoeUeESAOJysZ1Qdy/NXqTvwkajNkSWI3XCVi8ALtgDJYD1+kIwEEoZdtp2HS+bBhsTpdMpNchG/SHtMqush7hQwP5hafMfk68k0+n4pn2IKevN8O8kkTrmOdxsyGtDihEoyjk92tqpmpiIDisxyQ==", "host.example.test",
		"host.example.test IN SSHFP 2 1 18cf3b4ba219bf74b96f13e889e571296e2abf11\n" +
			"host.example.test IN SSHFP 2 2 de690f063b510106a00961b325d038a0244b0b483c6e7f3f3a5b64c6dc46ed0d\n"},
	{"ssh-ed448 AAAACXNzaC1lZDQ0OAAAADlf10SbWbRh/Sznh+xhatRqHaE0JIWnDh+KDqddgOlneO3xJHabRscGG9Z4PfHlD2zR+hq+r+glYYA=", "h",
		"h IN SSHFP 6 1 d43829990b45fb19b85dc3bbc192edad9cfaad38\n" +
			"h IN SSHFP 6 2 d8d7fe1f64d91c7d1e35a6b97c813f7e598cf9303d38531b248c8430244625b7\n"},
}

const (
	labKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPmKpuTSRE83TrZQlvkDuVH1Vqlr6VIH5jw9j12P9d1k"
	newKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH/WaXm/r96M35Gm7ymMRB4q8GcWsW7jmnLABIrxd9ec"
)

func parseKey(t testing.TB, text string) ssh.PublicKey {
	t.Helper()
	k, _, err := fingerprint.ParseKeyText(text)
	require.NoError(t, err, text)
	return k
}

func format(recs []Record, generic bool) string {
	var b strings.Builder
	for _, r := range recs {
		if generic {
			b.WriteString(r.Generic())
		} else {
			b.WriteString(r.String())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestForKeyVectors(t *testing.T) {
	for _, v := range vectors {
		key := parseKey(t, v.key)
		recs, err := ForKey(v.name, key)
		require.NoError(t, err)
		assert.Equal(t, v.want, format(recs, false), v.key)
		for _, r := range recs {
			assert.True(t, r.Matches(key))
			back, err := ParseRecord(r.String())
			require.NoError(t, err)
			assert.Equal(t, r, back)
			back, err = ParseRecord(r.Generic())
			require.NoError(t, err)
			assert.Equal(t, r, back)
		}
	}
}

func TestGenericForm(t *testing.T) {
	recs, err := ForKey("host.example.test.", parseKey(t, labKey))
	require.NoError(t, err)
	assert.Equal(t, `host.example.test. IN TYPE44 \# 22 04 01 0a66521d6a1fc35b2beb6df904251a0d14e25dc4
host.example.test. IN TYPE44 \# 34 04 02 da7d8aba7071d08eaa8954455d72a67cecc1d8a197bacd65e4ce4ebfbe7a0c71
`, format(recs, true))
}

// TestCertificateHashedAsKey: a host certificate's records are those of the
// certified key, not of the certificate blob (research section 7).
func TestCertificateHashedAsKey(t *testing.T) {
	_, caPriv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer, err := ssh.NewSignerFromKey(caPriv)
	require.NoError(t, err)
	lab := parseKey(t, labKey)
	cert := &ssh.Certificate{Key: lab, CertType: ssh.HostCert, ValidPrincipals: []string{"host.example.test"},
		ValidBefore: ssh.CertTimeInfinity}
	require.NoError(t, cert.SignCert(rand.Reader, signer))
	// Through fingerprint.ParsePublicKey, as keys read from files come.
	parsed, err := fingerprint.ParsePublicKey(cert.Marshal())
	require.NoError(t, err)
	for _, k := range []ssh.PublicKey{cert, parsed} {
		recs, err := ForKey("host.example.test", k)
		require.NoError(t, err)
		assert.Equal(t, vectors[2].want, format(recs, false))
		assert.Equal(t, Ed25519, AlgorithmOf(k))
	}
}

func TestUnsupportedKey(t *testing.T) {
	// sk-ssh-ed25519@openssh.com: OpenSSH has no SSHFP algorithm for it.
	blob := []byte{}
	blob = appendString(blob, "sk-ssh-ed25519@openssh.com")
	blob = appendString(blob, string(make([]byte, 32)))
	blob = appendString(blob, "ssh:")
	k, err := fingerprint.ParsePublicKey(blob)
	require.NoError(t, err)
	_, err = ForKey("h", k)
	var ue *UnsupportedKeyError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "sk-ssh-ed25519@openssh.com", ue.Type)
	assert.Equal(t, AlgorithmReserved, AlgorithmOf(k))
}

func appendString(b []byte, s string) []byte {
	n := len(s)
	return append(append(b, byte(n>>24), byte(n>>16), byte(n>>8), byte(n)), s...)
}

func TestStrings(t *testing.T) {
	assert.Equal(t, "Ed25519", Ed25519.String())
	assert.Equal(t, "Ed448", Ed448.String())
	assert.Equal(t, "algorithm 5", Algorithm(5).String())
	assert.Equal(t, "SHA-256", SHA256.String())
	assert.Equal(t, "type 3", FingerprintType(3).String())
}

// TestDifferentialSSHKeygen compares ForKey with the real ssh-keygen -r and
// -r -g over freshly generated keys of every type ssh-keygen makes, read
// both from the .pub file and, for the private key, as ssh-keygen does.
func TestDifferentialSSHKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	dir := t.TempDir()
	types := [][]string{
		{"-t", "rsa", "-b", "1024"}, {"-t", "rsa", "-b", "3072"}, {"-t", "dsa"},
		{"-t", "ecdsa", "-b", "256"}, {"-t", "ecdsa", "-b", "384"}, {"-t", "ecdsa", "-b", "521"},
		{"-t", "ed25519"},
	}
	for i, tt := range types {
		file := filepath.Join(dir, "key"+string(rune('a'+i)))
		out, err := exec.Command(keygen, append(tt, "-q", "-N", "", "-C", "c", "-f", file)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		pub, err := os.ReadFile(file + ".pub")
		require.NoError(t, err)
		key := parseKey(t, strings.TrimSpace(string(pub)))
		for _, name := range []string{"host.example.test", "host.example.test.", "h"} {
			for _, generic := range []bool{false, true} {
				args := []string{"-r", name, "-f", file + ".pub"}
				if generic {
					args = append(args, "-g")
				}
				want, err := exec.Command(keygen, args...).Output()
				require.NoError(t, err)
				recs, err := ForKey(name, key)
				require.NoError(t, err)
				assert.Equal(t, string(want), format(recs, generic), "%v %v", tt, args)
			}
		}
	}
}

func TestParse(t *testing.T) {
	const zone = `$ORIGIN example.test.
$TTL 300
; a comment
@ IN SOA ns1 hostmaster 1 3600 900 604800 300
host  3600 IN SSHFP 4 2 ( a87f1b687ac0e57d2a081a2f2826723
                          34d90ed316d2b818ca9580ea384d924
                          01 ) ; split as in RFC 7479
      IN 600 SSHFP 4 1 06a2de9a2d0f034701d67917e49cfc45a03c2e61
host.example.test. A 127.0.0.1
other SSHFP 4 2 zz
other SSHFP RSA SHA1 00
other SSHFP 4 2 abc
other IN TYPE44 \# 3 04 02 aa
other IN TYPE44 \# 4 04 02 aa
other SSHFP 256 1 00
bad ( SSHFP 4 2 00
`
	f, err := Parse(strings.NewReader(zone), "zone")
	require.NoError(t, err)
	require.Len(t, f.Records, 3)
	assert.Equal(t, Record{Name: "host", Algorithm: 4, Type: 2,
		Fingerprint: mustHex("a87f1b687ac0e57d2a081a2f282672334d90ed316d2b818ca9580ea384d92401")}, f.Records[0])
	assert.Equal(t, "host", f.Records[1].Name)
	assert.Equal(t, SHA1, f.Records[1].Type)
	assert.Equal(t, []int{5, 8, 13}, f.Lines)
	assert.Equal(t, 4, f.Skipped) // 2 directives, SOA, A
	var reasons []string
	for _, e := range f.Invalid {
		reasons = append(reasons, e.Error())
	}
	assert.Equal(t, []string{
		`sshfp: zone:10: fingerprint is not hex: "zz"`,
		`sshfp: zone:11: algorithm "RSA" is not a number from 0 to 255`,
		`sshfp: zone:12: fingerprint has an odd number of hex digits`,
		`sshfp: zone:14: RDATA length is 4, but 3 bytes follow`,
		`sshfp: zone:15: algorithm "256" is not a number from 0 to 255`,
		`sshfp: zone:16: unbalanced "("`,
	}, reasons)
}

func TestParseRecordErrors(t *testing.T) {
	for _, s := range []string{"", "host IN A 127.0.0.1", "h IN SSHFP 4 2 00\nh IN SSHFP 4 1 00", "h IN SSHFP 4", ") h"} {
		_, err := ParseRecord(s)
		var pe *ParseError
		assert.ErrorAs(t, err, &pe, "%q", s)
	}
}

func mustHex(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		b[i] = unhex(s[2*i])<<4 | unhex(s[2*i+1])
	}
	return b
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
