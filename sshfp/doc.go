// Package sshfp makes, parses, looks up and verifies SSHFP records
// (RFC 4255, 6594, 7479, 8709): fingerprints of SSH host keys published in
// the DNS.
//
// # Records
//
// [ForKey] returns the records of a host key, which print as
// ssh-keygen -r prints them ([Record.String]) or in its -g generic form
// ([Record.Generic]). [Parse] and [ParseRecord] read them back from
// zone-file text.
//
// # Lookup and trust
//
// An SSHFP record is evidence only when DNSSEC proves it (RFC 4255
// section 2.4). A [Resolver] looks records up and decides whether the
// answer is secure in one of two ways:
//
//   - Trust mode A, as OpenSSH: believe the AD bit of a validating
//     resolver, but only of one on loopback or one the caller names as
//     trusted in [Resolver.Trusted].
//   - Trust mode B: validate the DNSSEC chain itself, from trust anchors
//     (the root KSKs 20326 and 38696, or custom ones) down to the SSHFP
//     RRset, with a [Validator] set in [Resolver.Validator].
//
// [Check] compares a host key with an [Answer] and returns a [Verdict] that
// keeps Found, Match and Secure apart and says why. [Resolver.HostKeyCallback]
// accepts a host key only on a secure match and otherwise returns a
// [*KeyError].
//
// # Policies
//
// The zero [Policy] accepts a key when any record of its algorithm matches,
// so that the records of an old and a new key can be published together
// during a rotation (OpenSSH since 8.7 requires all of them to match:
// [Policy.Strict]). Records of unknown fingerprint types are skipped
// (OpenSSH abandons the whole check), and when SHA-256 records of the key's
// algorithm are present a match of SHA-1 records alone is not enough
// ([Policy.AllowSHA1Only] relaxes this).
//
// # With x/crypto/ssh
//
//	// Believe the AD bit of the resolv.conf resolver if it is on loopback:
//	r := &sshfp.Resolver{}
//	// Or validate from the root KSKs, whatever the resolver says:
//	r = &sshfp.Resolver{Servers: []string{"192.0.2.53"}, Validator: &sshfp.Validator{}}
//	config := &ssh.ClientConfig{
//		User:            "deploy",
//		HostKeyCallback: r.HostKeyCallback(sshfp.Policy{}, 0),
//		...
//	}
//
// A refused key gives a [*KeyError]; [IsMismatch] tells a secure mismatch
// (the key changed, or an attack) from [IsInsecure] records that DNSSEC does
// not prove. Only positive answers are validated: proofs of non-existence
// (NSEC, NSEC3) are not checked, so a missing record or an unsigned
// delegation is reported as Insecure, never as a proof of anything.
package sshfp
