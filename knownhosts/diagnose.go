package knownhosts

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// KeyProblem explains a host key that [DB.HostKeyCallback] rejected:
// what the host offered, what known_hosts holds for it and where, and
// what to do. Make one with [DB.Explain]. It is an error that wraps the
// callback's, so errors.As still finds x/crypto's *knownhosts.KeyError
// or *knownhosts.RevokedError.
type KeyProblem struct {
	// Name is the name the host is known by in known_hosts: "host", or
	// "[host]:port" for a port other than 22.
	Name string
	// Key is the key the host offered; for a certificate, the key it
	// certifies.
	Key ssh.PublicKey
	// Files are the known_hosts files of the DB, in order, missing ones
	// included (a key could be added there); AddTo is the first of them,
	// where ssh adds keys.
	Files []string
	AddTo string
	// Err is the callback's error.
	Err error
}

// Explain turns the error of [DB.HostKeyCallback] for the host at
// hostname (as the callback received it, or as given to ssh.Dial) that
// offered key into a [KeyProblem]. It returns nil if err is not a host
// key error: nil, or an error of the connection.
//
//	var offered ssh.PublicKey
//	check := db.HostKeyCallback()
//	config.HostKeyCallback = func(h string, r net.Addr, key ssh.PublicKey) error {
//		offered = key
//		return check(h, r, key)
//	}
//	if _, err := ssh.Dial("tcp", addr, config); err != nil {
//		if p := db.Explain(addr, offered, err); p != nil {
//			fmt.Println(p.Summary())
//			for _, h := range p.Hints() { ... }
//		}
//	}
func (db *DB) Explain(hostname string, key ssh.PublicKey, err error) *KeyProblem {
	if key == nil || !(IsHostUnknown(err) || IsHostKeyChanged(err) || IsRevoked(err)) {
		return nil
	}
	if c, ok := key.(*ssh.Certificate); ok && c.Key != nil {
		key = c.Key
	}
	host, port := SplitAddress(hostname)
	p := &KeyProblem{Name: HostPort(sshHostName(host), port), Key: key, Err: err}
	for _, f := range db.files {
		p.Files = append(p.Files, f.Name)
	}
	if len(p.Files) > 0 {
		p.AddTo = p.Files[0]
	}
	return p
}

// Error returns the summary with the package prefix.
func (p *KeyProblem) Error() string { return "knownhosts: " + p.Summary() }

// Unwrap returns the callback's error.
func (p *KeyProblem) Unwrap() error { return p.Err }

// offered describes the offered key: "ED25519 key SHA256:...".
func (p *KeyProblem) offered() string {
	return fingerprint.TypeLabel(p.Key) + " key " + fingerprint.Of(p.Key, fingerprint.SHA256).String()
}

// Summary says in one sentence, without the package prefix, why the key
// was rejected: an unknown host, a changed key (naming the file and line
// of a key that is known), or a revoked key (naming the @revoked line).
func (p *KeyProblem) Summary() string {
	var ke *xknownhosts.KeyError
	var re *xknownhosts.RevokedError
	switch {
	case errors.As(p.Err, &re):
		return fmt.Sprintf("host key revoked: it offered %s, revoked for %s at %s:%d", p.offered(), p.Name, re.Revoked.Filename, re.Revoked.Line)
	case errors.As(p.Err, &ke) && len(ke.Want) > 0:
		w := ke.Want[0]
		more := ""
		if n := len(ke.Want) - 1; n == 1 {
			more = " (and 1 more line)"
		} else if n > 1 {
			more = fmt.Sprintf(" (and %d more lines)", n)
		}
		return fmt.Sprintf("host key changed: it offered %s, but %s:%d%s holds another key for %s; someone may be intercepting the connection",
			p.offered(), w.Filename, w.Line, more, p.Name)
	}
	files := "no known_hosts file"
	if len(p.Files) > 0 {
		files = strings.Join(p.Files, ", ")
	}
	return fmt.Sprintf("host key not known: no key for %s in %s; it offered %s", p.Name, files, p.offered())
}

// Hints says what to do about the problem, one step a string; a line to
// add to known_hosts is a string of its own, indented by two spaces.
func (p *KeyProblem) Hints() []string {
	fp := fingerprint.Of(p.Key, fingerprint.SHA256).String()
	line := "  " + p.KnownHostsLine()
	var ke *xknownhosts.KeyError
	switch {
	case IsRevoked(p.Err):
		return []string{"a revoked key is never accepted; ask the host's administrator for its current key"}
	case errors.As(p.Err, &ke) && len(ke.Want) > 0:
		file := ke.Want[0].Filename
		return []string{
			fmt.Sprintf("if the host's key was replaced on purpose (check %s with its administrator), remove the old key with: ssh-keygen -f %s -R '%s'", fp, file, p.Name),
			"then add this line to " + file + ":",
			line,
		}
	}
	addTo := p.AddTo
	if addTo == "" {
		addTo = "known_hosts"
	}
	return []string{
		fmt.Sprintf("nothing is trusted on first use: check that %s is the host's key (ask its administrator, or run ssh-keygen -lf on its /etc/ssh/ssh_host_*_key.pub), then add this line to %s:", fp, addTo),
		line,
	}
}

// KnownHostsLine is the known_hosts line that records the offered key
// for the host, as ssh writes it.
func (p *KeyProblem) KnownHostsLine() string {
	return p.Name + " " + p.Key.Type() + " " + base64.StdEncoding.EncodeToString(p.Key.Marshal())
}
