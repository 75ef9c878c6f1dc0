package sshfp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// Policy says which records a key must match. The zero Policy accepts a
// key when any record of its algorithm matches (so that records of an old
// and a new key can coexist during a rotation), requires a SHA-256 match
// when SHA-256 records of the key's algorithm exist, and skips records of
// fingerprint types it does not know.
type Policy struct {
	// Strict applies OpenSSH's rule (since 8.7): every record of the key's
	// algorithm must match it.
	Strict bool
	// AllowSHA1Only accepts a key matched by SHA-1 records only even when
	// SHA-256 records of its algorithm are present and do not match.
	AllowSHA1Only bool
}

// Verdict is what an [Answer] says about one host key. Found, Match and
// Secure are kept apart, as OpenSSH's DNS_VERIFY_* flags are: a match in
// an insecure answer is only information.
type Verdict struct {
	Host string
	Key  ssh.PublicKey
	// Found: the answer holds SSHFP records (of any algorithm).
	Found bool
	// Match: the records of the key's algorithm match the key under the
	// policy.
	Match bool
	// Secure: DNSSEC proves the answer; Security and SecurityReason say
	// how, or why not.
	Secure         bool
	Security       Security
	SecurityReason string
	// Matched and Mismatched are the records of the key's algorithm that
	// match it and that do not; Skipped are records of its algorithm that
	// cannot be compared (unknown fingerprint type, wrong digest length);
	// Other are records of other algorithms.
	Matched, Mismatched, Skipped, Other []Record
	// Reason says in one phrase why the key is or is not accepted.
	Reason string
}

// Accepted reports whether the key is accepted: records found, matching,
// and DNSSEC-secure.
func (v *Verdict) Accepted() bool { return v.Found && v.Match && v.Secure }

// Check compares key with the records of answer under policy p.
func Check(key ssh.PublicKey, answer *Answer, p Policy) *Verdict {
	v := &Verdict{Host: answer.Name, Key: key, Security: answer.Security,
		SecurityReason: answer.Reason, Secure: answer.Secure(), Found: len(answer.Records) > 0}
	alg := AlgorithmOf(key)
	sha256Present, sha256Matched := false, false
	for _, r := range answer.Records {
		switch {
		case alg == AlgorithmReserved || r.Algorithm != alg:
			v.Other = append(v.Other, r)
		case r.Type.Size() == 0 || len(r.Fingerprint) != r.Type.Size():
			v.Skipped = append(v.Skipped, r)
		case r.Matches(key):
			v.Matched = append(v.Matched, r)
			if r.Type == SHA256 {
				sha256Present, sha256Matched = true, true
			}
		default:
			v.Mismatched = append(v.Mismatched, r)
			if r.Type == SHA256 {
				sha256Present = true
			}
		}
	}
	label := fingerprint.TypeLabel(key)
	switch {
	case !v.Found:
		v.Reason = "no SSHFP records"
		if !answer.Exists {
			v.Reason = "no SSHFP records (name does not exist)"
		}
	case alg == AlgorithmReserved:
		v.Reason = fmt.Sprintf("SSHFP has no algorithm for %s keys", label)
	case len(v.Matched) == 0 && len(v.Mismatched) == 0:
		v.Reason = fmt.Sprintf("no usable SSHFP record for %s keys", label)
	case len(v.Matched) == 0:
		v.Reason = "host key does not match the SSHFP records"
	case p.Strict && len(v.Mismatched) > 0:
		v.Reason = fmt.Sprintf("strict policy: %d of %d %s records do not match", len(v.Mismatched),
			len(v.Mismatched)+len(v.Matched), alg)
	case sha256Present && !sha256Matched && !p.AllowSHA1Only:
		v.Reason = "only SHA-1 records match, and SHA-256 records that do not match are present"
	default:
		v.Match = true
		if v.Secure {
			v.Reason = "secure match"
		} else {
			v.Reason = "match, but the answer is " + answer.Security.String() + ": " + answer.Reason
		}
	}
	return v
}

// KeyError is returned by [Resolver.HostKeyCallback] for a key that DNS
// does not prove: Verdict says what was found, Err why the lookup failed.
type KeyError struct {
	Host    string
	Verdict *Verdict // nil if the lookup failed
	Err     error    // the lookup error, or nil
}

func (e *KeyError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("sshfp: host key for %q not verified: %v", e.Host, e.Err)
	}
	why := e.Verdict.Reason
	if e.Verdict.Match && !e.Verdict.Secure {
		why = fmt.Sprintf("matching records are %s: %s", e.Verdict.Security, e.Verdict.SecurityReason)
	}
	return fmt.Sprintf("sshfp: host key for %q not verified: %s", e.Host, why)
}

func (e *KeyError) Unwrap() error { return e.Err }

// IsMismatch reports whether err is a [*KeyError] for a key that secure
// records of its algorithm exist for but do not match: the host key may
// have changed, or someone is in the middle.
func IsMismatch(err error) bool {
	var ke *KeyError
	return errors.As(err, &ke) && ke.Verdict != nil && ke.Verdict.Secure && !ke.Verdict.Match &&
		len(ke.Verdict.Mismatched) > 0
}

// IsInsecure reports whether err is a [*KeyError] for records that DNSSEC
// does not prove.
func IsInsecure(err error) bool {
	var ke *KeyError
	return errors.As(err, &ke) && ke.Verdict != nil && ke.Verdict.Found && !ke.Verdict.Secure
}

// HostKeyCallback returns a callback for [ssh.ClientConfig] that accepts a
// host key only when a DNSSEC-secure SSHFP answer matches it under policy
// p; otherwise it returns a [*KeyError]. Lookups take at most timeout (10
// seconds if zero), as the callback has no context.
func (r *Resolver) HostKeyCallback(p Policy, timeout time.Duration) ssh.HostKeyCallback {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return func(hostname string, _ net.Addr, key ssh.PublicKey) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		a, err := r.Lookup(ctx, hostname)
		if err != nil {
			return &KeyError{Host: hostname, Err: err}
		}
		v := Check(key, a, p)
		if !v.Accepted() {
			return &KeyError{Host: hostname, Verdict: v}
		}
		return nil
	}
}
