package sshfp_test

import (
	"fmt"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/sshfp"
)

// The records of a host key, as ssh-keygen -r prints them.
func ExampleForKey() {
	key, _, err := fingerprint.ParseKeyText("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGPKSUTyz1HwHReFVvD5obVsALAgJRNarH4TRpNePnAS")
	if err != nil {
		panic(err)
	}
	recs, err := sshfp.ForKey("example.com.", key)
	if err != nil {
		panic(err)
	}
	for _, r := range recs {
		fmt.Println(r)
	}
	// Output:
	// example.com. IN SSHFP 4 1 06a2de9a2d0f034701d67917e49cfc45a03c2e61
	// example.com. IN SSHFP 4 2 a87f1b687ac0e57d2a081a2f282672334d90ed316d2b818ca9580ea384d92401
}

// Records in zone-file form, with the digest split as RFC 7479 prints it.
func ExampleParseRecord() {
	r, err := sshfp.ParseRecord(`example.com. IN SSHFP 4 2 ( a87f1b687ac0e57d2a081a2f2826723
	                                 34d90ed316d2b818ca9580ea384d924
	                                 01 )`)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Algorithm, r.Type)
	fmt.Println(r.Generic())
	// Output:
	// Ed25519 SHA-256
	// example.com. IN TYPE44 \# 34 04 02 a87f1b687ac0e57d2a081a2f282672334d90ed316d2b818ca9580ea384d92401
}

// Check keeps Found, Match and Secure apart: a matching record in an answer
// that DNSSEC does not prove is not enough.
func ExampleCheck() {
	key, _, _ := fingerprint.ParseKeyText("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGPKSUTyz1HwHReFVvD5obVsALAgJRNarH4TRpNePnAS")
	rec, _ := sshfp.ParseRecord("example.com. IN SSHFP 4 2 a87f1b687ac0e57d2a081a2f282672334d90ed316d2b818ca9580ea384d92401")
	answer := &sshfp.Answer{Name: "example.com.", Exists: true, Records: []sshfp.Record{rec},
		Security: sshfp.Insecure, Reason: "resolver 192.0.2.1:53 did not set the AD bit"}
	v := sshfp.Check(key, answer, sshfp.Policy{})
	fmt.Println(v.Found, v.Match, v.Secure, v.Accepted())
	fmt.Println(v.Reason)
	// Output:
	// true true false false
	// match, but the answer is insecure: resolver 192.0.2.1:53 did not set the AD bit
}
