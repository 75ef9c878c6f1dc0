package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/dnslab"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/sshfp"
)

// TestVerifyScripts runs testdata/verify/*.txt against a real sshd (Ed25519
// and ECDSA host keys with host certificates), a second sshd whose keys are
// nowhere (a swapped key), and nsd+unbound serving a signed zone with the
// first server's SSHFP records. The scripts see:
//
//	$ADDR, $PORT     the sshd (127.0.0.1:PORT)
//	$NAME            "[127.0.0.1]:PORT", its known_hosts name
//	$ED25519, $ECDSA its host keys ("TYPE BASE64"), $ED25519_SHA256, $ED25519_MD5
//	$CA              the CA that signed its host certificates
//	$OTHER_ADDR      the second sshd
//	$DNS, $AUTH      unbound (validating) and nsd (no AD bit) addresses
//	$ANCHOR          the zone's DS record file
//	host.example.test has the sshd's SSHFP records, bad.example.test those
//	of the second sshd's key.
func TestVerifyScripts(t *testing.T) {
	srv := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519", "ecdsa"}, Certificates: true,
		Principals: []string{"127.0.0.1", "host.example.test", "web.example"}})
	other := testpeer.StartSSHD(t, testpeer.ServerOptions{KeyTypes: []string{"ed25519"}})
	records := append(records1(t, "host", srv.Keys...), records1(t, "bad", other.Keys...)...)
	lab := dnslab.Start(t, records, dnslab.Options{})
	keyText := func(k ssh.PublicKey) string { return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k))) }
	vars := map[string]string{
		"ADDR":           srv.Addr,
		"PORT":           fmt.Sprint(srv.Port),
		"NAME":           srv.HostPort(),
		"ED25519":        keyText(srv.Keys[0]),
		"ECDSA":          keyText(srv.Keys[1]),
		"ED25519_SHA256": fingerprint.Of(srv.Keys[0], fingerprint.SHA256).String(),
		"ED25519_MD5":    strings.TrimPrefix(fingerprint.Of(srv.Keys[0], fingerprint.MD5).String(), "MD5:"),
		"CA":             keyText(srv.CA),
		"OTHER_ADDR":     other.Addr,
		"OTHER_PORT":     fmt.Sprint(other.Port),
		"DNS":            lab.Resolver,
		"AUTH":           lab.Auth,
		"ANCHOR":         lab.AnchorFile,
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/verify",
		Setup: func(env *testscript.Env) error {
			env.Setenv("CI", os.Getenv("CI"))
			for k, v := range vars {
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitcode,
			"need":     cmdNeed,
			"filter":   cmdFilter,
		},
	})
}

func records1(t *testing.T, owner string, keys ...ssh.PublicKey) []string {
	var out []string
	for _, k := range keys {
		rrs, err := sshfp.ForKey(owner, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, rr := range rrs {
			out = append(out, rr.String())
		}
	}
	return out
}
