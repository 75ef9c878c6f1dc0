package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hostkeys/hostkeys/internal/dnslab"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/sshfp"
)

// TestSSHFPCheckScripts runs testdata/sshfp/*.txt against a real DNSSEC
// lab on loopback (nsd serving a signed zone, unbound validating it):
// $RESOLVER is unbound, $AUTH is nsd, $ANCHOR the zone's DS file, and
// $SSHD a real sshd whose keys the zone publishes as ssh.example.test.
func TestSSHFPCheckScripts(t *testing.T) {
	sshd := testpeer.StartSSHD(t, testpeer.ServerOptions{})
	var sshdRecords []string
	for _, k := range sshd.Keys {
		recs, err := sshfp.ForKey("ssh", k)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			sshdRecords = append(sshdRecords, r.String())
		}
	}
	lab := dnslab.Start(t, append(sshdRecords,
		// The lab key of ../shared/research/sshfp.md.
		"host IN SSHFP 4 1 0a66521d6a1fc35b2beb6df904251a0d14e25dc4",
		"host IN SSHFP 4 2 da7d8aba7071d08eaa8954455d72a67cecc1d8a197bacd65e4ce4ebfbe7a0c71",
		// Rotation: the lab key and the new key.
		"rot IN SSHFP 4 2 da7d8aba7071d08eaa8954455d72a67cecc1d8a197bacd65e4ce4ebfbe7a0c71",
		"rot IN SSHFP 4 2 8a78cdbb43f097f4c72f52b6ae3f9e468dc35572f8fc2ed3c035539e8850906e",
		// An unknown fingerprint type beside the lab key's SHA-256.
		"odd IN SSHFP 4 2 da7d8aba7071d08eaa8954455d72a67cecc1d8a197bacd65e4ce4ebfbe7a0c71",
		"odd IN SSHFP 4 3 00112233445566778899aabbccddeeff",
	), dnslab.Options{})
	testscript.Run(t, testscript.Params{
		Dir: "testdata/sshfp",
		Setup: func(env *testscript.Env) error {
			env.Setenv("RESOLVER", lab.Resolver)
			env.Setenv("AUTH", lab.Auth)
			env.Setenv("ANCHOR", lab.AnchorFile)
			env.Setenv("SSHD", sshd.Addr)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitcode,
		},
	})
}
