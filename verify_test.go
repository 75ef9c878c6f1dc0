package hostkeys

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

func startSSHD(t *testing.T, opts testpeer.ServerOptions) *testpeer.SSHServer {
	t.Helper()
	if opts.KeyTypes == nil {
		opts.KeyTypes = []string{"ed25519", "ecdsa"}
	}
	return testpeer.StartSSHD(t, opts)
}

func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func loadPins(t testing.TB, path string) *Pins {
	t.Helper()
	p, err := ParsePinsFile(path)
	require.NoError(t, err)
	return p
}

func targets(t testing.TB, lines ...string) []keyscan.Target {
	t.Helper()
	var out []keyscan.Target
	for _, l := range lines {
		ts, err := keyscan.ParseTarget(l)
		require.NoError(t, err)
		out = append(out, ts...)
	}
	return out
}

func verify(t *testing.T, p *Policy, lines ...string) *VerifyReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Verify(ctx, targets(t, lines...), VerifyOptions{Policy: p, Scanner: &keyscan.Scanner{Timeout: 5 * time.Second}})
	require.NoError(t, err)
	return rep
}

// accepted returns the types of the keys accepted for the target's first
// name.
func accepted(h *HostResult) []string {
	var out []string
	for _, k := range h.Keys {
		if k.Verdicts[0].Accepted() {
			out = append(out, k.Key.Key.Type())
		}
	}
	return out
}

func TestVerifySSHD(t *testing.T) {
	srv := startSSHD(t, testpeer.ServerOptions{})
	dir := t.TempDir()
	ed := srv.Keys[0]
	target := srv.Addr
	name := fmt.Sprintf("[127.0.0.1]:%d", srv.Port)

	forms := map[string]string{
		"fingerprint section": "Host " + name + "\n" + fingerprint.Of(ed, fingerprint.SHA256).String() + " (ED25519)\n",
		"MD5 vendor form":     "Host " + name + "\n" + strings.TrimPrefix(fingerprint.Of(ed, fingerprint.MD5).String(), "MD5:") + " (ED25519)\n",
		"bare key":            "Host " + name + "\n" + keyText(ed) + "\n",
		"known_hosts line":    name + " " + keyText(ed) + "\n",
		"hashed line":         knownhosts.HashHost(name) + " " + keyText(ed) + "\n",
		"wildcard port":       "Host [127.0.0.1]:*\n" + fingerprint.Of(ed, fingerprint.SHA256).String() + "\n",
	}
	for form, text := range forms {
		t.Run(form, func(t *testing.T) {
			pins := loadPins(t, writeFile(t, dir, "pins", text))
			rep := verify(t, &Policy{Pins: []*Pins{pins}}, target)
			require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
			h := rep.Hosts[0]
			assert.Equal(t, []string{ssh.KeyAlgoED25519}, accepted(h), "only the pinned key")
			for _, k := range h.Keys {
				v := k.Verdicts[0]
				if v.Accepted() {
					assert.Equal(t, form == "MD5 vendor form", v.Weak())
					assert.Equal(t, SourceScan, v.Evidence[len(v.Evidence)-1].Source)
					assert.Contains(t, v.Evidence[len(v.Evidence)-1].Banner, "OpenSSH")
				} else {
					assert.Equal(t, VerdictContradicted, v.Rule, "a key the pinned host's list lacks")
				}
			}
		})
	}

	t.Run("unpinned host", func(t *testing.T) {
		pins := loadPins(t, writeFile(t, dir, "pins", "Host other.example\n"+fingerprint.Of(ed, fingerprint.SHA256).String()+"\n"))
		rep := verify(t, &Policy{Pins: []*Pins{pins}}, target)
		require.False(t, rep.OK())
		assert.Contains(t, rep.Hosts[0].Err.Error(), "no trusted source confirms the key; pins "+pins.Name+": no pin for the host")
		var ve *VerifyError
		require.ErrorAs(t, rep.Hosts[0].Err, &ve)
		assert.Equal(t, []string{"127.0.0.1"}, ve.Names)
		require.Len(t, ve.Rejected, len(rep.Hosts[0].Keys))
		assert.Equal(t, VerdictUnconfirmed, ve.Rejected[0].Rule)
		assert.Nil(t, ve.Err)
	})
	t.Run("unreachable", func(t *testing.T) {
		port := testpeer.FreePort(t)
		rep := verify(t, &Policy{}, fmt.Sprintf("127.0.0.1:%d", port))
		require.False(t, rep.OK())
		var ve *VerifyError
		require.ErrorAs(t, rep.Hosts[0].Err, &ve)
		assert.Equal(t, "unreachable", ve.Reason)
		var ke *keyscan.Error
		assert.ErrorAs(t, ve, &ke, "the scan's error is wrapped")
		assert.Empty(t, ve.Rejected)
	})
}

// TestVerifyKeySwapped: the names stay, the server's key changes.
func TestVerifyKeySwapped(t *testing.T) {
	a := startSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	b := startSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	dir := t.TempDir()
	pins := loadPins(t, writeFile(t, dir, "pins", "Host [web.example]:*\n"+fingerprint.Of(a.Keys[0], fingerprint.SHA256).String()+"\n"))
	p := &Policy{Pins: []*Pins{pins}}
	rep := verify(t, p, a.Addr+" web.example")
	require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
	rep = verify(t, p, b.Addr+" web.example")
	require.False(t, rep.OK())
	v := rep.Hosts[0].Keys[0].Verdicts[0]
	assert.Equal(t, VerdictContradicted, v.Rule)
	assert.Equal(t, "web.example", v.Host)
}

func TestVerifyWriteKnownHosts(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	srv := startSSHD(t, testpeer.ServerOptions{})
	dir := t.TempDir()
	name := fmt.Sprintf("[127.0.0.1]:%d", srv.Port)
	pins := loadPins(t, writeFile(t, dir, "pins", name+" "+keyText(srv.Keys[0])+"\n"))
	p := &Policy{Pins: []*Pins{pins}}
	kh := writeFile(t, dir, "known_hosts", "# mine\nother.example "+ghKeyText+"\n")

	rep := verify(t, p, srv.Addr)
	require.True(t, rep.OK())
	n, err := rep.WriteKnownHosts(kh, WriteOptions{Hash: true})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	out, err := exec.Command(keygen, "-F", name, "-f", kh).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), keyText(srv.Keys[0]))
	before, err := os.ReadFile(kh)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(before), "# mine\nother.example "+ghKeyText+"\n|1|"))

	// Again: no duplicate.
	n, err = rep.WriteKnownHosts(kh, WriteOptions{Hash: true})
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	after, err := os.ReadFile(kh)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// A rejected host: nothing written at all.
	bad := loadPins(t, writeFile(t, dir, "bad", name+" "+ghKeyText+"\n"))
	rep = verify(t, &Policy{Pins: []*Pins{bad, pins}}, srv.Addr)
	require.False(t, rep.OK())
	_, err = rep.WriteKnownHosts(kh, WriteOptions{})
	require.ErrorIs(t, err, ErrNotVerified)
	after, err = os.ReadFile(kh)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// The written file is a known_hosts source that confirms the key.
	db, err := knownhosts.Open(kh)
	require.NoError(t, err)
	rep = verify(t, &Policy{KnownHosts: []*knownhosts.DB{db}}, srv.Addr)
	assert.Equal(t, []string{ssh.KeyAlgoED25519}, accepted(rep.Hosts[0]))
}

func TestVerifyCertificate(t *testing.T) {
	srv := startSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, Certificates: true, Principals: []string{"127.0.0.1", "web.example"}})
	dir := t.TempDir()
	pins := loadPins(t, writeFile(t, dir, "pins", "Host web.example,[web.example]:*\n@cert-authority "+keyText(srv.CA)+"\n"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Verify(ctx, targets(t, srv.Addr+" web.example"), VerifyOptions{
		Policy: &Policy{Pins: []*Pins{pins}}, Scanner: &keyscan.Scanner{Certificates: true}})
	require.NoError(t, err)
	require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
	k := rep.Hosts[0].Keys[0]
	require.NotNil(t, k.Key.Cert)
	assert.Contains(t, k.Verdicts[0].Reason, "pins")

	// The certificate is recorded as the key it certifies, as ssh does.
	kh := filepath.Join(dir, "known_hosts")
	_, err = rep.WriteKnownHosts(kh, WriteOptions{})
	require.NoError(t, err)
	b, err := os.ReadFile(kh)
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("[web.example]:%d %s\n", srv.Port, keyText(srv.Keys[0])), string(b))

	// Without the CA, the plain scan's key is unknown.
	rep = verify(t, &Policy{Pins: []*Pins{loadPins(t, writeFile(t, dir, "none", "Host web.example\n"+ghSHA256+"\n"))}}, srv.Addr+" web.example")
	assert.False(t, rep.OK())
}

func TestVerifySSHFP(t *testing.T) {
	srv := startSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	other := otherKey(t)
	records := append(sshfpRecords(t, "host", srv.Keys[0], sshfp.SHA1, sshfp.SHA256),
		sshfpRecords(t, "bad", other, sshfp.SHA1, sshfp.SHA256)...)
	lab := dnslab.Start(t, records, dnslab.Options{})
	secure := &sshfp.Resolver{Servers: []string{lab.Resolver}}
	insecure := &sshfp.Resolver{Servers: []string{lab.Auth}} // nsd sets no AD bit
	dir := t.TempDir()
	pinned := loadPins(t, writeFile(t, dir, "pins", "Host *.example.test,[*.example.test]:*\n"+keyText(srv.Keys[0])+"\n"))

	t.Run("secure SSHFP confirms", func(t *testing.T) {
		rep := verify(t, &Policy{SSHFP: secure}, srv.Addr+" host.example.test")
		require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
		e := evidenceOf(rep.Hosts[0].Keys[0].Verdicts[0], SourceSSHFP)
		assert.Equal(t, Confirmed, e.Status)
		assert.Equal(t, "host.example.test.", e.Owner)
		assert.Equal(t, "secure", e.Security)
	})
	t.Run("unsigned answer alone rejects", func(t *testing.T) {
		rep := verify(t, &Policy{SSHFP: insecure}, srv.Addr+" host.example.test")
		require.False(t, rep.OK())
		v := rep.Hosts[0].Keys[0].Verdicts[0]
		assert.Equal(t, VerdictUnconfirmed, v.Rule)
		assert.Equal(t, Insecure, evidenceOf(v, SourceSSHFP).Status)
		assert.Contains(t, v.Reason, "sshfp is not secure")
	})
	t.Run("SSHFP contradicts the pin", func(t *testing.T) {
		rep := verify(t, &Policy{SSHFP: secure, Pins: []*Pins{pinned}}, srv.Addr+" bad.example.test")
		require.False(t, rep.OK())
		v := rep.Hosts[0].Keys[0].Verdicts[0]
		assert.Equal(t, Confirmed, evidenceOf(v, SourcePins).Status)
		assert.Equal(t, VerdictContradicted, v.Rule, v.Reason)
		assert.Equal(t, Contradicted, evidenceOf(v, SourceSSHFP).Status)
	})
	t.Run("pin and SSHFP agree, both required", func(t *testing.T) {
		req, err := ParseRequirements("pins,sshfp")
		require.NoError(t, err)
		rep := verify(t, &Policy{SSHFP: secure, Pins: []*Pins{pinned}, Require: req}, srv.Addr+" host.example.test")
		require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
		assert.Contains(t, rep.Hosts[0].Keys[0].Verdicts[0].Reason, "confirmed by pins and sshfp")
	})
	t.Run("pins or SSHFP required", func(t *testing.T) {
		req, err := ParseRequirements("pins|sshfp")
		require.NoError(t, err)
		unpinned := loadPins(t, writeFile(t, dir, "other-pins", "Host other.example\n"+keyText(other)+"\n"))
		kh, err := knownhosts.Parse(strings.NewReader(fmt.Sprintf("[host.example.test]:%d %s\n", srv.Port, keyText(srv.Keys[0]))), "kh")
		require.NoError(t, err)
		db := knownhosts.New(knownhosts.Options{}, kh)
		// Secure SSHFP meets it without a pin.
		rep := verify(t, &Policy{SSHFP: secure, Pins: []*Pins{unpinned}, Require: req}, srv.Addr+" host.example.test")
		require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
		assert.Equal(t, "confirmed by sshfp", rep.Hosts[0].Keys[0].Verdicts[0].Reason)
		// known_hosts confirms, SSHFP is only insecure, no pin: not met.
		rep = verify(t, &Policy{SSHFP: insecure, Pins: []*Pins{unpinned}, KnownHosts: []*knownhosts.DB{db}, Require: req}, srv.Addr+" host.example.test")
		require.False(t, rep.OK())
		v := rep.Hosts[0].Keys[0].Verdicts[0]
		assert.Equal(t, VerdictRequired, v.Rule, v.Reason)
		assert.Equal(t, "required pins|sshfp did not confirm the key", v.Reason)
		assert.Equal(t, Confirmed, evidenceOf(v, SourceKnownHosts).Status)
	})
	t.Run("own validation", func(t *testing.T) {
		f, err := os.Open(lab.AnchorFile)
		require.NoError(t, err)
		defer f.Close()
		anchors, err := sshfp.ParseAnchors(f, lab.AnchorFile)
		require.NoError(t, err)
		r := &sshfp.Resolver{Servers: []string{lab.Auth}, Validator: &sshfp.Validator{Anchors: anchors}}
		rep := verify(t, &Policy{SSHFP: r}, srv.Addr+" host.example.test")
		require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
	})
}

func TestVerifyJSONSchema(t *testing.T) {
	srv := startSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	dir := t.TempDir()
	pins := loadPins(t, writeFile(t, dir, "pins", fmt.Sprintf("[127.0.0.1]:%d %s\n", srv.Port, keyText(srv.Keys[0]))))
	rep := verify(t, &Policy{Pins: []*Pins{pins}}, srv.Addr)
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	var doc struct {
		Version int  `json:"version"`
		OK      bool `json:"ok"`
		Hosts   []struct {
			Target, Addr, Banner string
			Names                []string
			Port                 int
			OK                   bool
			ScanErrors           []string `json:"scan_errors"`
			Keys                 []struct {
				Type, Algorithm, Fingerprint, Key string
				Certificate                       bool
				Verdicts                          []struct {
					Name, Decision, Rule, Reason string
					Weak                         bool
					Evidence                     []map[string]any
				}
			}
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&doc), "%s", b)
	assert.Equal(t, 1, doc.Version)
	assert.True(t, doc.OK)
	require.Len(t, doc.Hosts, 1)
	h := doc.Hosts[0]
	assert.Equal(t, srv.Port, h.Port)
	assert.Equal(t, []string{"127.0.0.1"}, h.Names)
	require.Len(t, h.Keys, 1)
	k := h.Keys[0]
	assert.Equal(t, fingerprint.Of(srv.Keys[0], fingerprint.SHA256).String(), k.Fingerprint)
	v := k.Verdicts[0]
	assert.Equal(t, "accept", v.Decision)
	assert.Equal(t, "confirmed", v.Rule)
	require.Len(t, v.Evidence, 2)
	assert.Equal(t, "pins", v.Evidence[0]["source"])
	assert.Equal(t, "confirmed", v.Evidence[0]["status"])
	assert.EqualValues(t, 1, v.Evidence[0]["line"])
	assert.Equal(t, "scan", v.Evidence[1]["source"])
}

// TestPolicyCallbackSSHD: the policy as an ssh.ClientConfig's callback
// against the real sshd, with the algorithms it orders.
func TestPolicyCallbackSSHD(t *testing.T) {
	srv := startSSHD(t, testpeer.ServerOptions{Login: true})
	dir := t.TempDir()
	pins := loadPins(t, writeFile(t, dir, "pins", fmt.Sprintf("Host [127.0.0.1]:%d\n%s (ECDSA)\n", srv.Port, fingerprint.Of(srv.Keys[1], fingerprint.SHA256))))
	p := &Policy{Pins: []*Pins{pins}}
	cfg := &ssh.ClientConfig{User: srv.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(srv.UserKey)},
		HostKeyCallback: p.HostKeyCallback(), HostKeyAlgorithms: p.HostKeyAlgorithms("127.0.0.1", srv.Port), Timeout: 10 * time.Second}
	c, err := ssh.Dial("tcp", srv.Addr, cfg)
	require.NoError(t, err, "the ECDSA key is pinned and its algorithm offered first")
	c.Close()

	cfg.HostKeyAlgorithms = []string{ssh.KeyAlgoED25519}
	_, err = ssh.Dial("tcp", srv.Addr, cfg)
	require.Error(t, err)
	var ve *VerdictError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, VerdictContradicted, ve.Verdict.Rule)
}

// TestVerifyWrittenFileSatisfiesSSH: the real ssh, with
// StrictHostKeyChecking=yes and only the file --write made, logs in
// (HostKeyAlias makes it look up the name verify checked and wrote).
func TestVerifyWrittenFileSatisfiesSSH(t *testing.T) {
	sshBin := testpeer.Binary(t, "ssh", "openssh-client")
	srv := startSSHD(t, testpeer.ServerOptions{Login: true})
	dir := t.TempDir()
	pins := loadPins(t, writeFile(t, dir, "pins", "Host git.example.com,[git.example.com]:*\n"+keyText(srv.Keys[0])+"\n"+keyText(srv.Keys[1])+"\n"))
	rep := verify(t, &Policy{Pins: []*Pins{pins}}, srv.Addr+" git.example.com")
	require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
	kh := filepath.Join(dir, "known_hosts")
	n, err := rep.WriteKnownHosts(kh, WriteOptions{Hash: true})
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	ssh := func(knownHosts string) ([]byte, error) {
		return exec.Command(sshBin, "-F", "none", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
			"-o", "UserKnownHostsFile="+knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
			"-o", fmt.Sprintf("HostKeyAlias=[git.example.com]:%d", srv.Port), "-o", "IdentitiesOnly=yes", "-i", srv.UserKeyFile,
			"-p", fmt.Sprint(srv.Port), "-l", srv.User, "127.0.0.1", "echo", "logged-in").CombinedOutput()
	}
	out, err := ssh(kh)
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "logged-in")

	// The oracle refuses a file without the host: the test can fail.
	empty := writeFile(t, dir, "empty", "")
	out, err = ssh(empty)
	require.Error(t, err)
	assert.Contains(t, string(out), "Host key verification failed")
}

// TestVerifyCertificateWrittenSatisfiesSSH: a host certificate accepted by
// a @cert-authority pin is written as the key it certifies (as ssh records
// a certificate whose CA it does not know), and the real ssh, offered only
// the certificate algorithm, logs in with that file: it finds no CA line,
// retries with the certified key and finds it. The file then trusts that
// one key, not every certificate the CA may sign for the name.
func TestVerifyCertificateWrittenSatisfiesSSH(t *testing.T) {
	sshBin := testpeer.Binary(t, "ssh", "openssh-client")
	srv := startSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, Certificates: true, Login: true,
		Principals: []string{"127.0.0.1", "git.example.com"}})
	dir := t.TempDir()
	pins := loadPins(t, writeFile(t, dir, "pins", "Host [git.example.com]:*\n@cert-authority "+keyText(srv.CA)+"\n"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Verify(ctx, targets(t, srv.Addr+" git.example.com"), VerifyOptions{
		Policy: &Policy{Pins: []*Pins{pins}}, Scanner: &keyscan.Scanner{Certificates: true}})
	require.NoError(t, err)
	require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
	require.NotNil(t, rep.Hosts[0].Keys[0].Key.Cert)
	kh := filepath.Join(dir, "known_hosts")
	n, err := rep.WriteKnownHosts(kh, WriteOptions{Hash: true})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	b, err := os.ReadFile(kh)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "@cert-authority")
	assert.NotContains(t, string(b), "-cert-v01")

	alias := fmt.Sprintf("[git.example.com]:%d", srv.Port)
	out, err := exec.Command(sshBin, "-F", "none", "-v", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
		"-o", "UserKnownHostsFile="+kh, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com", "-o", "HostKeyAlias="+alias,
		"-o", "IdentitiesOnly=yes", "-i", srv.UserKeyFile,
		"-p", fmt.Sprint(srv.Port), "-l", srv.User, "127.0.0.1", "echo", "logged-in").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "logged-in")
	assert.Contains(t, string(out), "No matching CA found. Retry with plain key", "ssh was given the certificate")
}

// TestVerifyIPv6AndDropbear: an IPv6 literal target is pinned and written
// as "[::1]:port", and a dropbear server verifies like sshd.
func TestVerifyIPv6AndDropbear(t *testing.T) {
	dir := t.TempDir()
	t.Run("ipv6", func(t *testing.T) {
		// No skip: if sshd cannot listen on [::1], the scan below fails.
		srv := startSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}, IPv6: true})
		name := fmt.Sprintf("[::1]:%d", srv.Port)
		pins := loadPins(t, writeFile(t, dir, "pins6", "Host "+name+"\n"+fingerprint.Of(srv.Keys[0], fingerprint.SHA256).String()+"\n"))
		rep := verify(t, &Policy{Pins: []*Pins{pins}}, name)
		require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
		kh := filepath.Join(dir, "kh6")
		_, err := rep.WriteKnownHosts(kh, WriteOptions{})
		require.NoError(t, err)
		b, err := os.ReadFile(kh)
		require.NoError(t, err)
		assert.Equal(t, name+" "+keyText(srv.Keys[0])+"\n", string(b))
	})
	t.Run("dropbear", func(t *testing.T) {
		srv := testpeer.StartDropbear(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}})
		pins := loadPins(t, writeFile(t, dir, "pinsdb", fmt.Sprintf("[127.0.0.1]:%d %s\n", srv.Port, keyText(srv.Keys[1]))))
		rep := verify(t, &Policy{Pins: []*Pins{pins}}, srv.Addr)
		require.True(t, rep.OK(), "%v", rep.Hosts[0].Err)
		assert.Equal(t, []string{srv.Keys[1].Type()}, accepted(rep.Hosts[0]))
	})
}

// TestVerifyJSONDocumented: the keys of hostkeys verify --json, with every
// field filled in (a rejected host, SSHFP and scan evidence), are exactly
// those the README documents for schema version 1, spelled as documented.
func TestVerifyJSONDocumented(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, doc, ok := strings.Cut(string(readme), "`hostkeys verify --json` prints one document, schema version 1")
	require.True(t, ok, "README documents the schema")
	doc, _, _ = strings.Cut(doc, "}]}]}]}]}`")
	documented := map[string]bool{}
	for _, f := range strings.Split(doc, "\"")[1:] {
		if f != "" && strings.Trim(f, "abcdefghijklmnopqrstuvwxyz_") == "" {
			documented[f] = true
		}
	}
	require.Contains(t, documented, "dns_security")

	key := ghKey(t)
	ev := []Evidence{
		{Source: SourcePins, Status: Contradicted, Weak: true, Where: "pins:2", File: "pins", Line: 2, Detail: "d"},
		{Source: SourceSSHFP, Status: Insecure, Where: "a.example. (insecure)", Owner: "a.example.", Security: "insecure", Server: "127.0.0.1:53", Detail: "d"},
		{Source: SourceScan, Status: Confirmed, Where: "w", Addr: "127.0.0.1:22", Banner: "SSH-2.0-x", Detail: "d"},
	}
	v := &Verdict{Host: "a.example", Port: 22, Key: key, Decision: Reject, Rule: VerdictContradicted, Reason: "r", Evidence: ev}
	tg := targets(t, "127.0.0.1 a.example")[0]
	rep := &VerifyReport{Hosts: []*HostResult{{Target: tg, Names: []string{"a.example"}, Port: 22,
		Scan: &keyscan.Result{Addr: "127.0.0.1:22", Banner: "SSH-2.0-x", Errors: []error{fmt.Errorf("e")}},
		Keys: []*KeyResult{{Key: keyscan.Key{Key: key, Algorithm: ssh.KeyAlgoED25519}, Verdicts: []*Verdict{v}}},
		Err:  &VerifyError{Target: tg.String(), Reason: "no key accepted", Names: []string{"a.example"}, Rejected: []*Verdict{v}}}}}
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	seen := map[string]bool{}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				seen[k] = true
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(out)
	assert.Equal(t, documented, seen, "README's schema and the JSON disagree\n%s", b)
}
