// Package hostkeys decides whether an SSH host key is the right one, from
// every source of evidence a site has: the approved-hosts list an admin
// keeps (pins), known_hosts files, SSHFP records proven by DNSSEC, and live
// scans.
//
// # Pin lists
//
// A pin list is a line-oriented text file that admins write and vendors'
// pages paste into. [ParsePins] reads it; every line is kept, so an
// unmodified list writes back byte for byte. Lines are:
//
//   - blank, or a comment starting with '#';
//   - known_hosts lines, plain or hashed, with the markers @revoked and
//     @cert-authority, matched with OpenSSH's pattern rules (comma lists,
//     '*' and '?', '!' negation, "[host]:port");
//   - "Host PATTERNS", which starts a section as in ssh_config: patterns
//     are separated by blanks or commas and follow the known_hosts rules.
//     The section runs to the next Host line. Each line in it is:
//   - a fingerprint in any form [fingerprint.Parse] accepts, with an
//     optional type label: "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU (Ed25519)",
//     "97:8c:1b:f2:6f:14:6b:5c:3b:ec:aa:46:46:74:7c:40 (RSA)";
//   - a bare public key, "ssh-ed25519 AAAA... [comment]";
//   - either of those after "@revoked" (the key is refused everywhere it
//     is presented for these hosts) or "@cert-authority" (the key signs
//     host certificates for these hosts);
//   - "Include FILE": the JSON GitHub's meta API publishes
//     (https://api.github.com/meta), whose "ssh_key_fingerprints" and
//     "ssh_keys" become pins of the section. FILE is relative to the pin
//     list's directory and at most [MaxIncludeSize] bytes.
//
// Inside a section a line that is not one of those is read as a known_hosts
// line (with its own hosts). For example, as Bitbucket and GitHub publish
// their keys:
//
//	# Approved host keys.
//	Host bitbucket.org,[altssh.bitbucket.org]:443
//	SHA256:46OSHA1Rmj8E8ERTC6xkNcmGOw9oFxYr0WF6zWW8l1E (RSA)
//	97:8c:1b:f2:6f:14:6b:5c:3b:ec:aa:46:46:74:7c:40 (RSA)
//
//	Host github.com
//	Include github-meta.json
//
//	git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
//
// A host that has pins is pinned: a key none of its pins names contradicts
// the list. A type label must agree with the key's type ("Ed25519" and
// "ED25519" are the same label). MD5 fingerprints match as vendors mean them
// but are weak evidence ([Pin.Weak]). Pins for "host" apply to port 22 only;
// other ports need "[host]:port" or a wildcard.
//
// Every invalid line is reported with file:line and the reason
// ([InvalidPinsError]); none is skipped. A list may be at most [MaxPinsSize]
// bytes, with lines of at most [MaxPinLineLength] bytes. [Pins.Lookup]
// finds plain names through an index, in microseconds for lists of 10,000
// hosts.
//
// # Policy and verdicts
//
// A [Policy] combines pin lists, known_hosts databases ([knownhosts.DB]),
// an SSHFP resolver ([sshfp.Resolver]) and, in [Verify], the scan that
// fetched the key. For a host, port and key, [Policy.Check] returns a
// [Verdict]: the decision, the rule that made it and the [Evidence] of each
// source (confirmed, contradicted, revoked, silent, insecure, error) with
// where it came from. The rule:
//
//   - a key any source revokes is rejected ([VerdictRevoked]);
//   - a key any source contradicts is rejected ([VerdictContradicted]);
//   - each of [Policy.Require] must be met by a confirming source
//     ([VerdictRequired]);
//   - at least one trusted source (pins, known_hosts, SSHFP proven by
//     DNSSEC) must confirm ([VerdictConfirmed]; otherwise
//     [VerdictUnconfirmed]). A scan is never trusted, and SSHFP records
//     DNSSEC does not prove are reported as insecure and count for nothing.
//
// Trust on first use exists only as [Policy.InsecureTrustOnFirstUse].
// [Policy.HostKeyCallback] and [Policy.HostKeyAlgorithms] plug a policy into
// an ssh.ClientConfig; a rejected key is a [*VerdictError], through which
// errors.As also finds x/crypto's *knownhosts.KeyError or *RevokedError
// where one fits.
//
// # Verify
//
// [Verify] scans targets as hostkeys scan does ([keyscan.Target], including
// "addrlist namelist": addresses scanned, names checked) and decides on every
// key; a target without an accepted key has a [*VerifyError] saying why
// (unreachable, or each rejected key's verdict). [VerifyReport.WriteKnownHosts]
// appends the accepted keys to a known_hosts file atomically and without
// duplicates, and writes nothing unless every host has an accepted key. A
// host certificate is written as the key it certifies, as ssh records it,
// even when a @cert-authority pin accepted it: the file then trusts the key
// verified, not every certificate the CA may sign. The report marshals to JSON with a
// versioned schema ([VerifyJSONVersion]). The CLI's hostkeys verify is this
// function with flags.
package hostkeys
