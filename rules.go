package hostkeys

import "fmt"

// Severity ranks an audit finding. The zero value is no severity; it sorts
// below [SeverityNote].
type Severity uint8

// Severities, from least to most severe. They are SARIF's result levels.
const (
	SeverityNote    Severity = iota + 1 // worth knowing; nothing is wrong yet
	SeverityWarning                     // weakens trust or will break; fix it
	SeverityError                       // trust is wrong now: a key is accepted that should not be, or none can be
)

func (s Severity) String() string {
	switch s {
	case SeverityNote:
		return "note"
	case SeverityWarning:
		return "warning"
	case SeverityError:
		return "error"
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// ParseSeverity reads "error", "warning" or "note".
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "note":
		return SeverityNote, nil
	case "warning":
		return SeverityWarning, nil
	case "error":
		return SeverityError, nil
	}
	return 0, &UnknownSeverityError{Name: s}
}

// UnknownSeverityError is a name [ParseSeverity] does not know.
type UnknownSeverityError struct {
	Name string
}

func (e *UnknownSeverityError) Error() string {
	return fmt.Sprintf("hostkeys: unknown severity %q (want error, warning or note)", e.Name)
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) {
	if s < SeverityNote || s > SeverityError {
		return nil, fmt.Errorf("hostkeys: invalid severity %d", uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// A Rule is one check of [Audit]. Its ID never changes meaning, so that
// reports can be compared across versions and code-scanning alerts keep
// their identity.
type Rule struct {
	ID       string   // "HK101": HK1xx known_hosts, HK2xx pin lists, HK3xx inventory, HK4xx live scans, HK5xx SSHFP
	Name     string   // "malformed-line"
	Severity Severity // the severity of its findings
	Summary  string   // one line: what is wrong
	Help     string   // why it matters and what to do
}

// Rule IDs.
const (
	RuleMalformedLine      = "HK101"
	RuleDSAKey             = "HK102"
	RuleSmallRSAKey        = "HK103"
	RuleConflictingKeys    = "HK104"
	RuleDuplicateEntry     = "HK105"
	RulePlainHostName      = "HK106"
	RuleWildcardPlainKey   = "HK107"
	RuleBroadCertAuthority = "HK108"
	RuleRevokedKeyTrusted  = "HK109"

	RuleContradictsPins   = "HK201"
	RuleNotInPins         = "HK202"
	RulePinnedHostMissing = "HK203"
	RuleWeakPinsOnly      = "HK204"
	RulePinListLine       = "HK205"

	RuleStaleEntry       = "HK301"
	RuleHostWithoutEntry = "HK302"
	RuleInventoryLine    = "HK303"

	RuleLiveKeyMismatch   = "HK401"
	RuleSHA1KeyExchange   = "HK402"
	RuleSHA1HostKeyAlgo   = "HK403"
	RuleWeakLiveHostKey   = "HK404"
	RuleTerrapin          = "HK405"
	RuleHostCertExpired   = "HK406"
	RuleHostCertExpiring  = "HK407"
	RuleHostCertPrincipal = "HK408"
	RuleScanFailed        = "HK409"

	RuleSSHFPMissing      = "HK501"
	RuleSSHFPInsecure     = "HK502"
	RuleSSHFPSHA1Only     = "HK503"
	RuleSSHFPMismatch     = "HK504"
	RuleSSHFPLookupFailed = "HK505"
)

// rules is the table of every rule, in ID order. It is never modified;
// Rules returns a copy.
var rules = [...]Rule{
	{RuleMalformedLine, "malformed-line", SeverityError,
		"A known_hosts line that ssh cannot use.",
		"ssh skips the line silently, so the key it was meant to pin is not checked: a host on it is unknown, or " +
			"its other lines decide alone. The finding gives the parser's reason (bad base64, a truncated key, a key " +
			"type OpenSSH does not support, a hashed name that is not |1|salt|hash). Fix the line from a trusted copy " +
			"of the host's key, or delete it."},
	{RuleDSAKey, "dsa-key", SeverityError,
		"A DSA (ssh-dss) key is trusted.",
		"DSA keys are 1024-bit with SHA-1 signatures; OpenSSH disabled them by default in 7.0 and stopped building them in " +
			"9.8, so the line pins a key that modern clients cannot use and that an attacker could forge. Replace " +
			"it with the host's Ed25519 or ECDSA key, checked out of band."},
	{RuleSmallRSAKey, "small-rsa-key", SeverityWarning,
		"An RSA key shorter than the minimum (2048 bits unless set otherwise) is trusted.",
		"RSA keys under 2048 bits are within reach of well-funded attackers and below NIST's and OpenSSH's " +
			"minimum for new keys (ssh-keygen refuses to make them). Have the host generate a larger or an Ed25519 " +
			"key and pin that one."},
	{RuleConflictingKeys, "conflicting-keys", SeverityWarning,
		"One host has several different keys of one type.",
		"ssh accepts any of them, so a key left over from a reinstall, or one accepted during an attack, keeps " +
			"working beside the real one. Keep only the key the host has now (check it out of band) and delete " +
			"the others."},
	{RuleDuplicateEntry, "duplicate-entry", SeverityNote,
		"The same host and key appear on more than one line.",
		"Harmless to ssh, but a later edit of one copy (a key rotation, a removal) leaves the other behind. " +
			"Delete the extra lines."},
	{RulePlainHostName, "plain-host-name", SeverityWarning,
		"Host names are in clear text where hashing is required.",
		"A readable known_hosts tells anyone who reads it which hosts the user reaches, which helps an attacker " +
			"move from one compromised account to the next (the reason for ssh's HashKnownHosts). Hash the file " +
			"with `hostkeys hash -f FILE` (as ssh-keygen -H). Lines with wildcards or markers cannot be hashed."},
	{RuleWildcardPlainKey, "wildcard-plain-key", SeverityWarning,
		"A plain host key is trusted for a wildcard pattern.",
		"Every host the pattern matches may present this one key, so a key shared by many hosts (a cloned " +
			"image) or a pattern wider than meant lets one compromised machine impersonate the others. List the " +
			"hosts that really share the key, or give them host certificates and trust the CA with " +
			"@cert-authority."},
	{RuleBroadCertAuthority, "broad-cert-authority", SeverityWarning,
		"An @cert-authority line trusts its CA for hosts outside one domain.",
		"A CA trusted for \"*\" or \"*.com\" can vouch for any host of that scope, including hosts of other " +
			"organisations, so whoever holds the CA key can impersonate them to this client. Limit the pattern " +
			"to the domains the CA really signs for, such as \"*.example.com\"."},
	{RuleRevokedKeyTrusted, "revoked-key-trusted", SeverityError,
		"A key marked @revoked is trusted by another line.",
		"@revoked applies only to the hosts its line names, so the same key on another line is still accepted " +
			"there (or, for the revoked hosts, the two lines contradict each other). Delete the trusting line and " +
			"make the @revoked line cover every host that used the key."},
	{RuleContradictsPins, "contradicts-pins", SeverityError,
		"A known_hosts entry trusts a key the approved list does not name for its host, or revokes.",
		"ssh accepts the key, but the list the admins keep says the host has other keys: the entry is left from " +
			"a reinstall, was accepted when an attacker answered, or the list is out of date. Check the host's key " +
			"out of band, then fix the entry (`hostkeys remove`, then `hostkeys verify --write`) or the list."},
	{RuleNotInPins, "not-in-pins", SeverityWarning,
		"A known_hosts entry names a host the approved list does not cover.",
		"Nobody approved the key: it was most likely accepted on first use, which trusts whoever answered then. " +
			"Add the host's key to the list after checking it out of band, or remove the entry."},
	{RulePinnedHostMissing, "pinned-host-missing", SeverityWarning,
		"An approved host has no entry in known_hosts.",
		"The list approves the host but ssh does not know its key, so the first connection asks the user to " +
			"trust whatever answers, or fails under StrictHostKeyChecking=yes. Write its entries from the list " +
			"(`hostkeys verify --write`). Hashed entries count only for names the audit de-hashes: the " +
			"inventory's, or without an inventory the list's own host names."},
	{RuleWeakPinsOnly, "weak-pins-only", SeverityWarning,
		"A host is approved only by MD5 fingerprints.",
		"MD5 fingerprints match as the vendor meant them, but MD5 collisions are cheap, so they are weak " +
			"evidence that a key is the right one. Pin the SHA256 fingerprint or the public key as well."},
	{RulePinListLine, "pin-list-line", SeverityError,
		"A line of the approved list is not valid.",
		"A pin list is trust configuration: a line that does not say what its author meant must not be " +
			"skipped silently. The finding gives the parser's reason; fix the line."},
	{RuleStaleEntry, "stale-entry", SeverityNote,
		"A known_hosts entry matches no host of the inventory.",
		"Keys of hosts that are gone stay trusted: if the name or address is reused, the new machine is refused, " +
			"or an attacker holding the old key is accepted. Hashed entries are matched by hashing each inventory " +
			"name with the entry's salt. Remove the entry with `hostkeys remove`, or add the host to the inventory."},
	{RuleHostWithoutEntry, "host-without-entry", SeverityWarning,
		"A host of the inventory has no key in known_hosts.",
		"The first connection to it will ask the user to trust whatever key it presents, or fail under " +
			"StrictHostKeyChecking=yes. A matching @cert-authority line counts as an entry, since the host may " +
			"present a certificate; a @revoked line does not. Add its key from the approved list or a verified " +
			"scan (`hostkeys verify`), or remove the host from the inventory."},
	{RuleInventoryLine, "inventory-line", SeverityError,
		"An inventory line is not one host name.",
		"Each line of an inventory is a host name or \"[host]:port\" as ssh looks it up, with blank lines and " +
			"'#' comments ignored; patterns, lists and blanks inside a name are not allowed. The line is not " +
			"checked. Fix or delete it."},
	{RuleLiveKeyMismatch, "live-key-mismatch", SeverityError,
		"A server presents a host key that known_hosts or the approved list contradicts or revokes.",
		"The key the server proves it holds is not the one recorded for it: the host was reinstalled or " +
			"re-keyed, or something else answers at its address. ssh refuses to connect (or, with other key " +
			"types known, accepts a key nobody checked). Find out which it is out of band; then fix the " +
			"records (`hostkeys remove`, `hostkeys verify --write`) or the server."},
	{RuleSHA1KeyExchange, "sha1-key-exchange", SeverityWarning,
		"A server offers a key exchange that hashes with SHA-1.",
		"diffie-hellman-group1-sha1, diffie-hellman-group14-sha1 and diffie-hellman-group-exchange-sha1 rest " +
			"the host key's proof on SHA-1, whose collisions are practical; group1 is also a 1024-bit group. " +
			"OpenSSH no longer enables them by default. Remove them from the server's KexAlgorithms."},
	{RuleSHA1HostKeyAlgo, "sha1-host-key-algorithm", SeverityWarning,
		"A server offers a host-key algorithm that signs with SHA-1 (ssh-rsa, ssh-dss).",
		"A client that agrees to ssh-rsa or ssh-dss accepts SHA-1 signatures of the key exchange; OpenSSH " +
			"disabled ssh-rsa in 8.8 and DSA in 7.0. Offer rsa-sha2-256/rsa-sha2-512 for RSA keys (remove " +
			"ssh-rsa from HostKeyAlgorithms) and replace DSA keys."},
	{RuleWeakLiveHostKey, "weak-live-host-key", SeverityWarning,
		"A server has a DSA host key, or an RSA host key under the minimum size.",
		"DSA keys are 1024-bit with SHA-1 signatures and RSA keys under 2048 bits (or the minimum set) are " +
			"within reach of well-funded attackers; clients that trust them can be deceived. Generate an " +
			"Ed25519 (or 3072-bit RSA) host key, publish and pin it, then remove the weak one."},
	{RuleTerrapin, "terrapin", SeverityWarning,
		"A server is exposed to the Terrapin prefix-truncation attack (CVE-2023-48795).",
		"Without strict key exchange (kex-strict-s-v00@openssh.com), an attacker in the path can drop " +
			"messages at the start of the encrypted session when ChaCha20-Poly1305, or an encrypt-then-MAC " +
			"MAC with a CBC cipher, is used, and so downgrade extensions such as keystroke-timing " +
			"obfuscation. Update the server (OpenSSH 9.6 or later, dropbear 2022.84 or later), or disable " +
			"chacha20-poly1305@openssh.com and the -etm MACs (or the CBC ciphers)."},
	{RuleHostCertExpired, "host-cert-expired", SeverityError,
		"A server presents a host certificate that has expired or is not yet valid.",
		"ssh refuses the certificate and falls back to the plain key, which users then have to trust on " +
			"first use, or fails if only the CA is known. Sign a new host certificate and install it on the " +
			"server."},
	{RuleHostCertExpiring, "host-cert-expiring", SeverityWarning,
		"A server's host certificate expires soon (within 30 days unless set otherwise).",
		"When it expires, clients that know only the CA can no longer connect. Sign a new certificate before " +
			"then, and automate the renewal."},
	{RuleHostCertPrincipal, "host-cert-principals", SeverityError,
		"A server's host certificate does not name the host it was reached by.",
		"ssh checks that the name the user typed is one of the certificate's principals, so clients that " +
			"reach the host by this name refuse the certificate. Re-sign it with every name and address the " +
			"host is reached by (ssh-keygen -s -h -n)."},
	{RuleScanFailed, "scan-failed", SeverityNote,
		"A host could not be scanned.",
		"The live rules say nothing about a host the audit cannot reach: it may be down, gone, or behind a " +
			"firewall. If the host is gone, remove its entries; otherwise scan it from where it can be " +
			"reached (-J for a jump host)."},
	{RuleSSHFPMissing, "sshfp-missing", SeverityWarning,
		"A host name has no SSHFP records in DNS.",
		"With VerifyHostKeyDNS, ssh can check a host's key against DNSSEC-signed SSHFP records instead of " +
			"asking users to trust it on first use. Publish the records (`hostkeys sshfp`, or ssh-keygen -r on " +
			"the host) in a signed zone."},
	{RuleSSHFPInsecure, "sshfp-insecure", SeverityWarning,
		"A host's SSHFP records are not proven by DNSSEC.",
		"Records that DNSSEC does not prove (an unsigned zone, a broken chain, a resolver whose AD bit is not " +
			"trusted) can be forged by anyone in the DNS path, so ssh treats them as information only. Sign " +
			"the zone and publish its DS record in the parent, or query a validating resolver you trust."},
	{RuleSSHFPSHA1Only, "sshfp-sha1-only", SeverityWarning,
		"A host publishes only SHA-1 SSHFP records for a key algorithm.",
		"SHA-1 fingerprints are weaker evidence than SHA-256 ones, and clients that prefer SHA-256 find none. " +
			"Publish SHA-256 (type 2) records as ssh-keygen -r prints them."},
	{RuleSSHFPMismatch, "sshfp-mismatch", SeverityError,
		"A host's SSHFP records do not match its known keys.",
		"ssh with VerifyHostKeyDNS refuses a key when signed records of its algorithm do not match it, and " +
			"reports a possible attack; stale records also block key rotation. Publish the records of the keys " +
			"the host has now (checked out of band) and remove the others."},
	{RuleSSHFPLookupFailed, "sshfp-lookup-failed", SeverityWarning,
		"The SSHFP lookup of a host failed.",
		"A lookup that fails (SERVFAIL, often a DNSSEC validation failure; a timeout; a refused query) leaves " +
			"ssh without the records, as if they did not exist. Check the zone's signatures and the " +
			"resolver."},
}

// Rules returns every rule Audit applies, in ID order.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	copy(out[:], rules[:])
	return out
}

// ruleIndex maps rule IDs to their index in rules. It is never
// modified.
var ruleIndex = func() map[string]int {
	m := make(map[string]int, len(rules))
	for i, r := range rules {
		m[r.ID] = i
	}
	return m
}()

// ruleByID returns the rule with the given ID.
func ruleByID(id string) (Rule, bool) {
	i, ok := ruleIndex[id]
	if !ok {
		return Rule{}, false
	}
	return rules[i], true
}
