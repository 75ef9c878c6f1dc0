package hostkeys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/keyscan"
)

// ruleIDs returns the rule IDs of a list of issues.
func ruleIDs(is []issue) []string {
	var out []string
	for _, i := range is {
		out = append(out, i.rule)
	}
	return out
}

// modernKex is what OpenSSH 9.6 offers by default.
func modernKex() *keyscan.KexInit {
	ciphers := []string{"chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}
	macs := []string{"umac-64-etm@openssh.com", "umac-128-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com",
		"hmac-sha1-etm@openssh.com", "umac-64@openssh.com", "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1"}
	return &keyscan.KexInit{
		KeyExchanges:        []string{"sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "ecdh-sha2-nistp256", "diffie-hellman-group16-sha512", "ext-info-s", "kex-strict-s-v00@openssh.com"},
		HostKeyAlgorithms:   []string{"rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ssh-ed25519"},
		CiphersClientServer: ciphers, CiphersServerClient: ciphers,
		MACsClientServer: macs, MACsServerClient: macs,
	}
}

func TestPostureTerrapin(t *testing.T) {
	without := func(list []string, name string) []string {
		return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == name })
	}
	for _, tc := range []struct {
		name string
		edit func(k *keyscan.KexInit)
		want string // the reason, "" for not exposed
	}{
		{"strict kex", func(k *keyscan.KexInit) {}, ""},
		{"chacha20 without strict kex", func(k *keyscan.KexInit) {
			k.KeyExchanges = without(k.KeyExchanges, strictKexServer)
		}, "chacha20-poly1305@openssh.com"},
		{"EtM with CTR only, no chacha20", func(k *keyscan.KexInit) {
			k.KeyExchanges = without(k.KeyExchanges, strictKexServer)
			k.CiphersClientServer = without(k.CiphersClientServer, chacha20Poly)
			k.CiphersServerClient = without(k.CiphersServerClient, chacha20Poly)
		}, ""},
		{"EtM with CBC", func(k *keyscan.KexInit) {
			k.KeyExchanges = without(k.KeyExchanges, strictKexServer)
			k.CiphersClientServer = []string{"aes128-gcm@openssh.com", "aes128-cbc"}
			k.CiphersServerClient = []string{"aes128-gcm@openssh.com", "aes128-cbc"}
			k.MACsClientServer = []string{"hmac-sha2-256-etm@openssh.com"}
			k.MACsServerClient = []string{"hmac-sha2-256"}
		}, "EtM MACs (hmac-sha2-256-etm@openssh.com) with CBC ciphers (aes128-cbc)"},
		{"CBC without EtM", func(k *keyscan.KexInit) {
			k.KeyExchanges = without(k.KeyExchanges, strictKexServer)
			k.CiphersClientServer = []string{"aes128-cbc"}
			k.CiphersServerClient = []string{"aes128-cbc"}
			k.MACsClientServer = []string{"hmac-sha2-256"}
			k.MACsServerClient = []string{"hmac-sha2-256"}
		}, ""},
		{"EtM with CBC, strict kex", func(k *keyscan.KexInit) {
			k.CiphersClientServer = []string{"aes128-cbc", chacha20Poly}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := modernKex()
			tc.edit(k)
			assert.Equal(t, tc.want, terrapin(k))
			is := postureIssues(k, nil, DefaultMinRSABits)
			if tc.want == "" {
				assert.Empty(t, is)
			} else {
				require.Equal(t, []string{RuleTerrapin}, ruleIDs(is))
				assert.Contains(t, is[0].msg, "CVE-2023-48795")
			}
		})
	}
}

// TestPostureHostileNames: the names a server sends are quoted when they
// are not plain text, and a long list is cut short.
func TestPostureHostileNames(t *testing.T) {
	k := modernKex()
	k.KeyExchanges = nil
	k.CiphersClientServer = []string{"aes128-cbc", "evil\n-cbc"}
	k.CiphersServerClient = nil
	k.MACsClientServer = []string{"x\x1b[2J-etm@openssh.com"}
	k.MACsServerClient = nil
	for i := 0; i < 20000; i++ {
		k.MACsServerClient = append(k.MACsServerClient, fmt.Sprintf("m%d-etm@openssh.com", i))
	}
	why := terrapin(k)
	assert.NotContains(t, why, "\n")
	assert.NotContains(t, why, "\x1b")
	assert.Contains(t, why, `"x\x1b[2J-etm@openssh.com", m0-etm@openssh.com`)
	assert.Contains(t, why, "and 19995 more")
	assert.Contains(t, why, `CBC ciphers (aes128-cbc, "evil\n-cbc")`)
}

func TestPostureSHA1(t *testing.T) {
	k := modernKex()
	assert.Empty(t, postureIssues(k, nil, DefaultMinRSABits))
	k.KeyExchanges = append(k.KeyExchanges, "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1")
	k.HostKeyAlgorithms = append(k.HostKeyAlgorithms, "ssh-rsa", "ssh-dss")
	is := postureIssues(k, nil, DefaultMinRSABits)
	assert.Equal(t, []string{RuleSHA1KeyExchange, RuleSHA1HostKeyAlgo, RuleWeakLiveHostKey}, ruleIDs(is))
	assert.Equal(t, "The server offers SHA-1 key exchanges (diffie-hellman-group14-sha1, diffie-hellman-group-exchange-sha1); remove them from KexAlgorithms.", is[0].msg)
	assert.Equal(t, "The server offers host-key algorithms that sign with SHA-1 (ssh-dss, ssh-rsa); remove them from HostKeyAlgorithms.", is[1].msg)
	assert.Contains(t, is[2].msg, "DSA host key")
}

// hostCert signs a host certificate for key with a fresh CA.
func hostCert(t *testing.T, principals []string, after, before time.Time) *ssh.Certificate {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	c := &ssh.Certificate{Key: otherKey(t), CertType: ssh.HostCert, KeyId: "web", ValidPrincipals: principals,
		ValidAfter: uint64(after.Unix()), ValidBefore: uint64(before.Unix())}
	if before.IsZero() {
		c.ValidBefore = ssh.CertTimeInfinity
	}
	require.NoError(t, c.SignCert(rand.Reader, signer))
	return c
}

func TestCertIssues(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name       string
		principals []string
		after      time.Time
		before     time.Time
		host       string
		want       []string
	}{
		{"valid", []string{"web.example"}, now.Add(-day), now.Add(90 * day), "web.example", nil},
		{"valid forever", []string{"web.example"}, now.Add(-day), time.Time{}, "web.example", nil},
		{"case as ssh lowercases", []string{"web.example"}, now.Add(-day), now.Add(90 * day), "WEB.example", nil},
		{"expired", []string{"web.example"}, now.Add(-90 * day), now.Add(-day), "web.example", []string{RuleHostCertExpired}},
		{"not yet valid", []string{"web.example"}, now.Add(day), now.Add(90 * day), "web.example", []string{RuleHostCertExpired}},
		{"expiring", []string{"web.example"}, now.Add(-day), now.Add(10 * day), "web.example", []string{RuleHostCertExpiring}},
		{"expiring, at the limit", []string{"web.example"}, now.Add(-day), now.Add(30 * day), "web.example", []string{RuleHostCertExpiring}},
		{"expiring, after the limit", []string{"web.example"}, now.Add(-day), now.Add(30*day + time.Second), "web.example", nil},
		{"other name", []string{"db.example", "10.0.0.1"}, now.Add(-day), now.Add(90 * day), "web.example", []string{RuleHostCertPrincipal}},
		{"expired, other name", []string{"db.example"}, now.Add(-90 * day), now.Add(-day), "10.0.0.2", []string{RuleHostCertExpired, RuleHostCertPrincipal}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := hostCert(t, tc.principals, tc.after, tc.before)
			is := certIssues(c, tc.host, now, DefaultCertWarn)
			assert.Equal(t, tc.want, ruleIDs(is))
			for _, i := range is {
				assert.True(t, strings.HasSuffix(i.msg, "."), i.msg)
				assert.Equal(t, fpOf(c.Key), i.key)
			}
		})
	}
	c := hostCert(t, []string{"web.example"}, now.Add(-day), now.Add(10*day))
	is := certIssues(c, "web.example", now, DefaultCertWarn)
	require.Len(t, is, 1)
	assert.Equal(t, `The host certificate "web" (ssh-ed25519-cert-v01@openssh.com) expires on 2026-06-11 12:00 UTC, in 10 days; sign a new one before then.`, is[0].msg)
	assert.Empty(t, certIssues(c, "web.example", now, 7*day), "--cert-warn 7")
	c.CertType = ssh.UserCert
	assert.Empty(t, certIssues(c, "web.example", now, DefaultCertWarn))
}

// TestCertScannerCopiesEveryField keeps certScanner in step with
// keyscan.Scanner: every exported field must be copied.
func TestCertScannerCopiesEveryField(t *testing.T) {
	s := &keyscan.Scanner{}
	v := reflect.ValueOf(s).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() {
			continue
		}
		switch f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(7)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.String:
			f.SetString("x")
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.Func:
			f.Set(reflect.MakeFunc(f.Type(), func([]reflect.Value) []reflect.Value { return nil }))
		default:
			t.Fatalf("field %s of kind %s: extend this test", v.Type().Field(i).Name, f.Kind())
		}
	}
	c := reflect.ValueOf(certScanner(s)).Elem()
	for i := 0; i < c.NumField(); i++ {
		if v.Type().Field(i).IsExported() {
			assert.False(t, c.Field(i).IsZero(), "certScanner does not copy %s", v.Type().Field(i).Name)
		}
	}
	assert.True(t, certScanner(&keyscan.Scanner{}).Certificates)
}

// findings returns "RULE base:line host" for each finding of the live
// and DNS rules.
func remoteFindings(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		if f.RuleID >= "HK4" {
			out = append(out, fmt.Sprintf("%s %s:%d %s", f.RuleID, baseName(f.File), f.Line, f.Host))
		}
	}
	return out
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// TestAuditLiveWeakServer: a real sshd 9.2 with SHA-1 key exchanges and
// host-key algorithms, a CBC cipher with EtM MACs, a 1024-bit RSA key and
// a DSA key. It offers strict key exchange, so Terrapin does not apply.
func TestAuditLiveWeakServer(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "rsa", "dsa"}, RSABits: 1024,
		Config: []string{
			"KexAlgorithms +diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1",
			"HostKeyAlgorithms +ssh-rsa,ssh-dss",
			"Ciphers +aes128-cbc,aes256-cbc",
			"MACs hmac-sha2-256-etm@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha2-256",
		}})
	name := srv.HostPort()
	kh := fmt.Sprintf("%s %s\n", name, keyText(srv.Keys[0]))
	r := audit(t, AuditOptions{Scan: &keyscan.Scanner{Timeout: 5 * time.Second}}, map[string]string{"known_hosts": kh})
	assert.Equal(t, []string{
		"HK402 known_hosts:1 " + name,
		"HK403 known_hosts:1 " + name,
		"HK404 known_hosts:1 " + name,
		"HK404 known_hosts:1 " + name,
	}, remoteFindings(r), "%v\n%s", r.Findings, srv.Log())
	var msgs []string
	for _, f := range r.Findings {
		msgs = append(msgs, f.Message)
	}
	assert.Contains(t, msgs, "The server offers SHA-1 key exchanges (diffie-hellman-group14-sha1, diffie-hellman-group-exchange-sha1); remove them from KexAlgorithms.")
	assert.Contains(t, msgs, "The server offers host-key algorithms that sign with SHA-1 (ssh-dss, ssh-rsa); remove them from HostKeyAlgorithms.")
	assert.Contains(t, msgs, "The server's RSA host key has 1024 bits, under the minimum of 2048; replace it with an Ed25519 or larger RSA key.")

	// With --min-rsa-bits 1024 the RSA key passes.
	r = audit(t, AuditOptions{Scan: &keyscan.Scanner{}, MinRSABits: 1024}, map[string]string{"known_hosts": kh})
	assert.Equal(t, []string{
		"HK402 known_hosts:1 " + name,
		"HK403 known_hosts:1 " + name,
		"HK404 known_hosts:1 " + name, // the DSA key only
	}, remoteFindings(r))
}

// TestAuditLiveHardenedServer: a real sshd offering only modern
// algorithms, whose keys and certificates known_hosts and the pins agree
// with, gives no live finding; another key in the records does.
func TestAuditLiveHardenedServer(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}, Certificates: true,
		Principals: []string{"127.0.0.1"},
		Config: []string{
			"KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256",
			"HostKeyAlgorithms ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com",
			"Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com",
			"MACs hmac-sha2-512-etm@openssh.com",
		}})
	name := srv.HostPort()
	good := map[string]string{
		"known_hosts": fmt.Sprintf("%s %s\n%s %s\n", name, keyText(srv.Keys[0]), name, keyText(srv.Keys[1])),
		"pins":        fmt.Sprintf("Host %s\n%s\n%s\n", name, keyText(srv.Keys[0]), keyText(srv.Keys[1])),
	}
	// The certificates are valid for 30 days: warned about by default.
	r := audit(t, AuditOptions{Scan: &keyscan.Scanner{}, CertWarn: 7 * 24 * time.Hour}, good)
	assert.Empty(t, remoteFindings(r), "%v", r.Findings)
	r = audit(t, AuditOptions{Scan: &keyscan.Scanner{}}, good)
	assert.Equal(t, []string{"HK407 known_hosts:1 " + name, "HK407 known_hosts:1 " + name}, remoteFindings(r))
	r = audit(t, AuditOptions{Scan: &keyscan.Scanner{}, Now: func() time.Time { return time.Now().Add(60 * 24 * time.Hour) }}, good)
	assert.Equal(t, []string{"HK406 known_hosts:1 " + name, "HK406 known_hosts:1 " + name}, remoteFindings(r))

	// known_hosts has another Ed25519 key; the pins name only another key.
	other := keyText(otherKey(t))
	r = audit(t, AuditOptions{Scan: &keyscan.Scanner{}, CertWarn: time.Hour}, map[string]string{
		"known_hosts": fmt.Sprintf("%s %s\n%s %s\n", name, other, name, keyText(srv.Keys[1])),
		"pins":        fmt.Sprintf("# approved\nHost %s\n%s\n", name, other),
	})
	assert.Equal(t, []string{
		"HK401 known_hosts:1 " + name, // another Ed25519 key than the server's
		"HK401 pins:3 " + name,        // none of the server's keys
	}, remoteFindings(r), "%v", r.Findings)
	var sarif bytes.Buffer
	require.NoError(t, r.WriteSARIF(&sarif, SARIFOptions{}))
	validateSARIF(t, sarif.Bytes())
	for _, f := range r.Findings {
		if f.RuleID == RuleLiveKeyMismatch && f.File == r.Files[0] {
			assert.Equal(t, fpOf(srv.Keys[0]), f.Key)
			assert.Equal(t, fmt.Sprintf("The server presents another ssh-ed25519 key (%s) than the one known_hosts records here for %q; check which is right out of band.",
				fpOf(srv.Keys[0]), name), f.Message)
		}
	}

	// The pins and known_hosts trust only the CA that signed the
	// certificates: the plain keys contradict nothing.
	r = audit(t, AuditOptions{Scan: &keyscan.Scanner{}, CertWarn: time.Hour}, map[string]string{
		"known_hosts": fmt.Sprintf("@cert-authority %s %s\n", name, keyText(srv.CA)),
		"pins":        fmt.Sprintf("Host %s\n@cert-authority %s\n", name, keyText(srv.CA)),
	})
	assert.Empty(t, remoteFindings(r), "%v", r.Findings)
	r = audit(t, AuditOptions{Scan: &keyscan.Scanner{}, CertWarn: time.Hour}, map[string]string{
		"known_hosts": "# none\n",
		"pins":        fmt.Sprintf("Host %s\n@cert-authority %s\n", name, keyText(otherKey(t))),
	})
	assert.Equal(t, []string{"HK401 pins:2 " + name}, remoteFindings(r), "%v", r.Findings)

	// A revoked key.
	r = audit(t, AuditOptions{Scan: &keyscan.Scanner{}, CertWarn: time.Hour}, map[string]string{
		"known_hosts": fmt.Sprintf("%s %s\n@revoked * %s\n", name, keyText(srv.Keys[1]), keyText(srv.Keys[0])),
	})
	assert.Contains(t, remoteFindings(r), "HK401 known_hosts:2 "+name)

	// The certificates name 127.0.0.1, not localhost.
	r = audit(t, AuditOptions{Scan: &keyscan.Scanner{}, CertWarn: time.Hour}, map[string]string{
		"known_hosts": fmt.Sprintf("[localhost]:%d %s\n", srv.Port, keyText(srv.Keys[0])),
	})
	assert.Equal(t, []string{
		fmt.Sprintf("HK408 known_hosts:1 [localhost]:%d", srv.Port),
		fmt.Sprintf("HK408 known_hosts:1 [localhost]:%d", srv.Port),
	}, remoteFindings(r), "%v", r.Findings)
}

// TestAuditLiveUnreachable: a host that does not answer is a note, and
// inventory and pinned names are scanned too.
func TestAuditLiveUnreachable(t *testing.T) {
	port := testpeer.FreePort(t)
	closed := fmt.Sprintf("[127.0.0.1]:%d", port)
	var progress [][2]int
	r := audit(t, AuditOptions{Scan: &keyscan.Scanner{Timeout: 2 * time.Second, Retries: -1},
		ScanProgress: func(done, total int) { progress = append(progress, [2]int{done, total}) }}, map[string]string{
		"known_hosts": "# nothing\n",
		"pins":        fmt.Sprintf("Host %s\n%s\n", closed, edKey(1)),
		"inventory":   closed + "\n",
	})
	var live []Finding
	for _, f := range r.Findings {
		if f.RuleID == RuleScanFailed {
			live = append(live, f)
		}
	}
	require.Len(t, live, 1, "%s", fmt.Sprint(live))
	assert.Equal(t, "pins", baseName(live[0].File))
	assert.Equal(t, 2, live[0].Line) // the pin's line
	assert.Contains(t, live[0].Message, "refused")
	assert.Equal(t, [][2]int{{1, 1}}, progress)
}
