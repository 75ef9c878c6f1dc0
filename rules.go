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
	return 0, fmt.Errorf("hostkeys: unknown severity %q (want error, warning or note)", s)
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
	ID       string   // "HK101": HK1xx known_hosts, HK2xx pin lists, HK3xx inventory
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
			"StrictHostKeyChecking=yes. Add its key from the approved list or a verified scan " +
			"(`hostkeys verify`), or remove the host from the inventory."},
	{RuleInventoryLine, "inventory-line", SeverityError,
		"An inventory line is not one host name.",
		"Each line of an inventory is a host name or \"[host]:port\" as ssh looks it up, with blank lines and " +
			"'#' comments ignored; patterns, lists and blanks inside a name are not allowed. The line is not " +
			"checked. Fix or delete it."},
}

// Rules returns every rule Audit applies, in ID order.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	copy(out[:], rules[:])
	return out
}

// ruleByID returns the rule with the given ID.
func ruleByID(id string) (Rule, bool) {
	for _, r := range rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
