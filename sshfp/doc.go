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
//     resolver, but only one the caller trusts: a resolver named in
//     [Resolver.Trusted]; a resolver on loopback named in
//     [Resolver.Servers]; or, as glibc 2.31 and later, the nameservers of
//     resolv.conf only if it has "options trust-ad" (a loopback forwarder
//     such as dnsmasq --proxy-dnssec copies the AD bit of whatever is
//     upstream). [Answer.Reason] says which rule applied.
//   - Trust mode B: validate the DNSSEC chain itself, from trust anchors
//     (the root KSKs 20326 and 38696, or custom ones) down to the SSHFP
//     RRset, with a [Validator] set in [Resolver.Validator].
//
// A [Validator] bounds the work one lookup may cost, whatever the
// authoritative servers answer (the KeyTrap attacks): RRSIGs tried per
// RRset, keys tried per key tag, failed verifications and queries per
// lookup are limited (see [Validator] for the defaults), each zone is
// examined once per lookup, and the context is checked between
// verifications. Cached keys live no longer than the signatures that
// proved them; SHA-1 DS digests give way to SHA-256 ones for the same
// key, and [Validator.NoSHA1] treats the SHA-1 algorithms as unsupported.
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
//	// Believe the AD bit of the resolv.conf nameservers if it says trust-ad:
//	r := &sshfp.Resolver{}
//	// Or of a validating resolver on loopback named here:
//	r = &sshfp.Resolver{Servers: []string{"127.0.0.1"}}
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
