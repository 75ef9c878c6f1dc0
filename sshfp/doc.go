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
package sshfp
