package hostkeys

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/dnslab"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/knownhosts"
	"github.com/hostkeys/hostkeys/sshfp"
)

// localhost resolves every name to 127.0.0.1, for Scanner.LookupNetIP.
func localhost(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

func parseKey(t testing.TB, text string) ssh.PublicKey {
	k, _, err := fingerprint.ParseKeyText(text)
	require.NoError(t, err)
	return k
}

// sshfpRecords returns the zone lines of key's SSHFP records of the given
// fingerprint types.
func sshfpRecords(t testing.TB, owner string, key ssh.PublicKey, types ...sshfp.FingerprintType) []string {
	rrs, err := sshfp.ForKey(owner, key)
	require.NoError(t, err)
	var out []string
	for _, rr := range rrs {
		for _, typ := range types {
			if rr.Type == typ {
				out = append(out, rr.String())
			}
		}
	}
	return out
}

// TestAuditDNS runs the DNS rules against real nsd and unbound: a signed
// zone (through unbound, which validates it, and through nsd, whose
// answers no AD bit proves) and a server that does not answer.
func TestAuditDNS(t *testing.T) {
	good, sha1only, stale := parseKey(t, edKey(1)), parseKey(t, edKey(2)), parseKey(t, edKey(3))
	var zone []string
	zone = append(zone, sshfpRecords(t, "good", good, sshfp.SHA1, sshfp.SHA256)...)
	zone = append(zone, sshfpRecords(t, "sha1only", sha1only, sshfp.SHA1)...)
	zone = append(zone, sshfpRecords(t, "changed", stale, sshfp.SHA256)...)
	zone = append(zone, "nosshfp IN A 192.0.2.1")
	lab := dnslab.Start(t, zone, dnslab.Options{})

	kh := strings.Join([]string{
		"good.example.test " + edKey(1),
		"sha1only.example.test " + edKey(2),
		"changed.example.test " + edKey(4),
		"nosshfp.example.test " + edKey(5),
		"absent.example.test," + "192.0.2.7 " + edKey(6), // the address is not looked up
		"[good.example.test]:2222 " + edKey(1),           // one lookup for both ports
	}, "\n") + "\n"

	t.Run("secure", func(t *testing.T) {
		r := audit(t, AuditOptions{SSHFP: &sshfp.Resolver{Servers: []string{lab.Resolver}}}, map[string]string{"known_hosts": kh})
		assert.Equal(t, []string{
			"HK503 known_hosts:2 sha1only.example.test",
			"HK504 known_hosts:3 changed.example.test",
			"HK501 known_hosts:4 nosshfp.example.test",
			"HK501 known_hosts:5 absent.example.test",
		}, remoteFindings(r), "%v", r.Findings)
		msgs := map[string]string{}
		for _, f := range r.Findings {
			msgs[f.RuleID+" "+f.Host] = f.Message
		}
		assert.Equal(t, `"sha1only.example.test" has only SHA-1 SSHFP records for Ed25519 keys; publish SHA-256 (type 2) records.`,
			msgs["HK503 sha1only.example.test"])
		assert.Equal(t, fmt.Sprintf(`The SSHFP records of "changed.example.test" for Ed25519 keys do not match the ssh-ed25519 key of known_hosts at %s:3; publish the records of the host's current keys.`, r.Files[0]),
			msgs["HK504 changed.example.test"])
		assert.Equal(t, `"nosshfp.example.test" has no SSHFP records; publish its SSHFP records in a signed zone.`, msgs["HK501 nosshfp.example.test"])
		assert.Equal(t, `"absent.example.test" does not exist (NXDOMAIN); publish its SSHFP records in a signed zone.`, msgs["HK501 absent.example.test"])
	})

	t.Run("own validation from the anchor", func(t *testing.T) {
		f, err := os.Open(lab.AnchorFile)
		require.NoError(t, err)
		anchors, err := sshfp.ParseAnchors(f, lab.AnchorFile)
		f.Close()
		require.NoError(t, err)
		r := audit(t, AuditOptions{SSHFP: &sshfp.Resolver{Servers: []string{lab.Auth}, Validator: &sshfp.Validator{Anchors: anchors}}},
			map[string]string{"known_hosts": "good.example.test " + edKey(1) + "\n"})
		assert.Empty(t, remoteFindings(r), "%v", r.Findings)
	})

	t.Run("pins", func(t *testing.T) {
		r := audit(t, AuditOptions{SSHFP: &sshfp.Resolver{Servers: []string{lab.Resolver}}}, map[string]string{
			"known_hosts": "# none\n",
			"pins":        "Host good.example.test\n" + edKey(7) + "\n",
		})
		assert.Equal(t, []string{"HK504 pins:2 good.example.test"}, remoteFindings(r), "%v", r.Findings)
	})

	t.Run("insecure", func(t *testing.T) {
		r := audit(t, AuditOptions{SSHFP: &sshfp.Resolver{Servers: []string{lab.Auth}}}, map[string]string{"known_hosts": kh})
		assert.Equal(t, []string{
			"HK502 known_hosts:1 good.example.test",
			"HK502 known_hosts:2 sha1only.example.test",
			"HK503 known_hosts:2 sha1only.example.test",
			"HK502 known_hosts:3 changed.example.test",
			"HK504 known_hosts:3 changed.example.test",
			"HK501 known_hosts:4 nosshfp.example.test",
			"HK501 known_hosts:5 absent.example.test",
		}, remoteFindings(r), "%v", r.Findings)
		for _, f := range r.Findings {
			if f.RuleID == RuleSSHFPInsecure {
				assert.Contains(t, f.Message, "are insecure (")
				assert.Contains(t, f.Message, "AD bit")
			}
		}
	})

	t.Run("lookup fails", func(t *testing.T) {
		dead := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
		r := audit(t, AuditOptions{SSHFP: &sshfp.Resolver{Servers: []string{dead}, Timeout: time.Second}},
			map[string]string{"known_hosts": "good.example.test " + edKey(1) + "\n"})
		require.Equal(t, []string{"HK505 known_hosts:1 good.example.test"}, remoteFindings(r), "%v", r.Findings)
		assert.Contains(t, r.Findings[0].Message, `The SSHFP lookup of "good.example.test" failed: `)
	})
}

// TestAuditDNSWithScan: with a scan, the server's keys are checked
// against the records too: a real sshd whose key DNS does not publish.
func TestAuditDNSWithScan(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	lab := dnslab.Start(t, sshfpRecords(t, "host", parseKey(t, edKey(1)), sshfp.SHA256), dnslab.Options{})
	name := fmt.Sprintf("[host.example.test]:%d", srv.Port)
	scanner := &keyscan.Scanner{LookupNetIP: localhost}
	r := audit(t, AuditOptions{Scan: scanner, SSHFP: &sshfp.Resolver{Servers: []string{lab.Resolver}}},
		map[string]string{"known_hosts": name + " " + keyText(srv.Keys[0]) + "\n"})
	assert.Equal(t, []string{"HK504 known_hosts:1 host.example.test"}, remoteFindings(r), "%v", r.Findings)
	require.NotEmpty(t, r.Findings)
	assert.Contains(t, r.Findings[len(r.Findings)-1].Message, "of known_hosts at ")
}

// TestAuditDNSBogus: a zone whose signatures have expired is SERVFAIL
// from unbound (a failed lookup) and bogus to the own validator.
func TestAuditDNSBogus(t *testing.T) {
	lab := dnslab.Start(t, sshfpRecords(t, "host", parseKey(t, edKey(1)), sshfp.SHA256), dnslab.Options{
		Inception: time.Now().Add(-48 * time.Hour), Expiration: time.Now().Add(-24 * time.Hour)})
	files := map[string]string{"known_hosts": "host.example.test " + edKey(1) + "\n"}
	r := audit(t, AuditOptions{SSHFP: &sshfp.Resolver{Servers: []string{lab.Resolver}}}, files)
	require.Equal(t, []string{"HK505 known_hosts:1 host.example.test"}, remoteFindings(r), "%v", r.Findings)

	f, err := os.Open(lab.KeyFile)
	require.NoError(t, err)
	anchors, err := sshfp.ParseAnchors(f, lab.KeyFile)
	f.Close()
	require.NoError(t, err)
	r = audit(t, AuditOptions{SSHFP: &sshfp.Resolver{Servers: []string{lab.Auth}, Validator: &sshfp.Validator{Anchors: anchors}}}, files)
	require.Equal(t, []string{"HK502 known_hosts:1 host.example.test"}, remoteFindings(r), "%v", r.Findings)
	assert.Contains(t, r.Findings[len(r.Findings)-1].Message, "are bogus (")
	assert.Contains(t, r.Findings[len(r.Findings)-1].Message, "expired at")
}

// TestAuditRemoteHosts: the hosts checked are the literal names of
// known_hosts entries, pin lists and the inventory, each once; wildcards,
// hashed names and (for DNS) addresses are not.
func TestAuditRemoteHosts(t *testing.T) {
	dead := fmt.Sprintf("127.0.0.1:%d", testpeer.FreePort(t))
	r := audit(t, AuditOptions{SSHFP: &sshfp.Resolver{Servers: []string{dead}, Timeout: time.Second}}, map[string]string{
		"known_hosts": strings.Join([]string{
			"A.example,192.0.2.1 " + edKey(1),
			"*.wild.example " + edKey(2),
			knownhosts.HashHost("hidden.example") + " " + edKey(3),
			"@cert-authority *.example " + edKey(4),
			"[b.example]:2222 " + edKey(5),
			"a.example " + edKey(1),
		}, "\n") + "\n",
		"pins":      "Host c.example,b.example\n" + edKey(6) + "\n",
		"inventory": "d.example\na.example\n",
	})
	assert.Equal(t, []string{
		"HK505 known_hosts:1 a.example",
		"HK505 known_hosts:5 b.example",
		"HK505 pins:2 c.example",
		"HK505 inventory:1 d.example",
	}, remoteFindings(r))
}
