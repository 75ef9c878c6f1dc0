package knownhosts

import (
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// InvalidFileError is returned by edits that, like ssh-keygen, refuse to
// rewrite a file with invalid lines.
type InvalidFileError struct {
	File  string
	Lines []*LineError
}

func (e *InvalidFileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "knownhosts: %s is not a valid known_hosts file: %d invalid line", e.File, len(e.Lines))
	if len(e.Lines) != 1 {
		b.WriteByte('s')
	}
	for i, l := range e.Lines {
		if i == 3 {
			b.WriteString(", ...")
			break
		}
		fmt.Fprintf(&b, "; line %d: %s", l.Line, l.Reason)
	}
	return b.String()
}

// AddError is returned by [File.Add] for input it cannot write as a
// known_hosts line; nothing is added then.
type AddError struct {
	// Name is the host name at fault, "" if the problem is elsewhere.
	Name   string
	Reason string
}

func (e *AddError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("knownhosts: cannot add host name %q: %s", e.Name, e.Reason)
	}
	return "knownhosts: cannot add: " + e.Reason
}

// EditOptions controls [File.Remove] and [File.Hash].
type EditOptions struct {
	// KeepInvalid edits a file that has invalid lines, keeping them as
	// they are, where ssh-keygen refuses to.
	KeepInvalid bool
}

// AddOptions controls [File.Add].
type AddOptions struct {
	// Hash writes each name hashed, on a line of its own, as ssh does with
	// HashKnownHosts=yes.
	Hash bool
	// Marker is written before the names: "", @cert-authority or
	// @revoked.
	Marker fingerprint.Marker
	// Comment is written after the key.
	Comment string
}

// Add appends an entry for names with key, as ssh records a new host.
//
// Each name is "host" or "[host]:port" as in known_hosts, or an address
// as ssh.Dial takes it and a HostKeyCallback receives it ("host:port",
// "[2001:db8::1]:2222"); it is written as ssh writes it: lowercased, and
// "[host]:port" unless the port is 22. The names go in one comma list,
// or hashed one per line with opts.Hash.
//
// A host certificate is recorded as the plain key it certifies, as ssh
// records it: a certificate on an unmarked line would never match. A
// certificate cannot be a @cert-authority key; add its SignatureKey.
//
// Adding is not idempotent by itself; check [DB.HostKeys] or
// [File.Lookup] first.
func (f *File) Add(names []string, key ssh.PublicKey, opts *AddOptions) error {
	if opts == nil {
		opts = &AddOptions{}
	}
	if len(names) == 0 {
		return &AddError{Reason: "no host name"}
	}
	if key == nil {
		return &AddError{Reason: "no key"}
	}
	if opts.Marker != "" && opts.Marker != fingerprint.CertAuthority && opts.Marker != fingerprint.Revoked {
		return &AddError{Reason: fmt.Sprintf("unknown marker %q", opts.Marker)}
	}
	if cert, ok := key.(*ssh.Certificate); ok {
		if opts.Marker == fingerprint.CertAuthority {
			return &AddError{Reason: "a certificate cannot be a @cert-authority key; add the key that signed it"}
		}
		if cert.Key == nil {
			return &AddError{Reason: "certificate without a key"}
		}
		key = cert.Key
	}
	lower := make([]string, len(names))
	for i, n := range names {
		name, err := addName(n)
		if err != nil {
			return err
		}
		if opts.Hash && hasWildcard(name) {
			return &AddError{Name: n, Reason: "a pattern cannot be hashed"}
		}
		lower[i] = name
	}
	if strings.ContainsAny(opts.Comment, "\r\n\x00") {
		return &AddError{Reason: "comment contains a line break or NUL"}
	}
	keyText := key.Type() + " " + base64.StdEncoding.EncodeToString(key.Marshal())
	if opts.Comment != "" {
		keyText += " " + opts.Comment
	}
	prefix := ""
	if opts.Marker != "" {
		prefix = string(opts.Marker) + " "
	}
	var hostFields []string
	if opts.Hash {
		for _, n := range lower {
			hostFields = append(hostFields, HashHost(n))
		}
	} else {
		hostFields = []string{strings.Join(lower, ",")}
	}
	lines := make([]Line, len(hostFields))
	for i, h := range hostFields {
		l := Line{Num: len(f.Lines) + 1 + i, Text: prefix + h + " " + keyText}
		e := &Entry{}
		kind, reason := parseLine(l.Text, e)
		if kind != EntryLine {
			return &AddError{Reason: fmt.Sprintf("%s key: %s", key.Type(), reason)}
		}
		e.File, e.Line = f.Name, l.Num
		l.Kind, l.Entry = kind, e
		lines[i] = l
	}
	f.endLastLine()
	f.Lines = append(f.Lines, lines...)
	return nil
}

// Lookup returns the entries of this file that ssh-keygen -F name finds
// (see [DB.Lookup]).
func (f *File) Lookup(name string) []*Entry {
	return f.lookup(name)
}

// Remove deletes the lines ssh-keygen -R name deletes: every unmarked
// entry whose host field matches name, always the whole line (other names
// on it go too); @cert-authority and @revoked lines stay, and a hashed
// entry goes only if name hashes to it. It returns the numbers the
// removed lines had. Like ssh-keygen, it refuses a file with invalid
// lines unless opts.KeepInvalid is set; the file is then unchanged.
// The rewritten file ends with a newline, as ssh-keygen writes it.
func (f *File) Remove(name string, opts *EditOptions) ([]int, error) {
	if opts == nil {
		opts = &EditOptions{}
	}
	hit := map[int]bool{}
	for _, e := range f.Lookup(name) {
		hit[e.Line] = true
	}
	var removed []int
	var invalid []*LineError
	kept := make([]Line, 0, len(f.Lines))
	for _, l := range f.Lines {
		switch {
		case l.Kind == InvalidLine:
			invalid = append(invalid, l.Err)
		case l.Entry != nil && l.Entry.hostErr != "":
			invalid = append(invalid, &LineError{f.Name, l.Num, l.Entry.hostErr})
		case l.Entry != nil && hit[l.Num] && l.Entry.Marker == "":
			removed = append(removed, l.Num)
			continue
		}
		kept = append(kept, l)
	}
	if len(invalid) > 0 && !opts.KeepInvalid {
		return removed, &InvalidFileError{f.Name, invalid}
	}
	if len(removed) > 0 {
		f.Lines = kept
		f.endLastLine()
		f.renumber()
	}
	return removed, nil
}

// HashResult reports what [File.Hash] did.
type HashResult struct {
	// Hashed is the number of host names hashed.
	Hashed int
	// Wildcard lists the entries whose host field has a wildcard or
	// negation, left alone (ssh-keygen warns about them, marker and
	// hashed lines included).
	Wildcard []*Entry
	// Invalid lists the invalid lines.
	Invalid []*LineError
}

// Hash hashes host names as ssh-keygen -H does: each unmarked entry with
// plain names and no wildcard becomes one line per name, lowercased and
// hashed with a fresh salt, followed by the original key text and
// comment. Hashed entries, marker lines, lines with wildcards or
// negations, comments and blank lines are kept as they are. As in
// ssh-keygen, the names are taken up to the first empty element of the
// list. Like ssh-keygen, it refuses a file with invalid lines unless
// opts.KeepInvalid is set; the file is then unchanged.
func (f *File) Hash(opts *EditOptions) (*HashResult, error) {
	if opts == nil {
		opts = &EditOptions{}
	}
	res := &HashResult{}
	var h hasher
	out := make([]Line, 0, len(f.Lines))
	for _, l := range f.Lines {
		e := l.Entry
		switch {
		case l.Kind == InvalidLine:
			res.Invalid = append(res.Invalid, l.Err)
		case e == nil:
		case hasWildcard(e.Hosts):
			res.Wildcard = append(res.Wildcard, e)
		case e.IsHashed() || e.Marker != "":
		default:
			for _, name := range strings.Split(e.Hosts, ",") {
				if name == "" {
					break
				}
				out = append(out, h.line(lowerASCII(name), e, f.Name, len(out)+1))
				res.Hashed++
				if strings.HasSuffix(e.KeyText, "\n") {
					// ssh-keygen -H writes the "\n" after a NUL-ended
					// host field (see afterHostNUL), then its own; the
					// line it wrote may not be an entry.
					f.reparse(&out[len(out)-1])
					out = append(out, Line{Num: len(out) + 1, Kind: BlankLine})
				}
			}
			continue
		}
		out = append(out, l)
	}
	if len(res.Invalid) > 0 && !opts.KeepInvalid {
		return res, &InvalidFileError{f.Name, res.Invalid}
	}
	f.Lines = out
	f.endLastLine()
	f.renumber()
	return res, nil
}

// renumber sets line numbers after lines were added or removed. Entries
// are copied, since a DB may still hold the old ones.
func (f *File) renumber() {
	var pool []Entry // copies are allocated 256 at a time
	for i := range f.Lines {
		l := &f.Lines[i]
		l.Num = i + 1
		if l.Err != nil && l.Err.Line != l.Num {
			l.Err = &LineError{f.Name, l.Num, l.Err.Reason}
		}
		if e := l.Entry; e != nil && (e.Line != l.Num || e.File != f.Name) {
			if len(pool) == 0 {
				pool = make([]Entry, 256)
			}
			ne := &pool[0]
			pool = pool[1:]
			ne.File, ne.Line, ne.Marker, ne.Hosts, ne.KeyText, ne.hashed, ne.hostErr = f.Name, l.Num, e.Marker, e.Hosts, e.KeyText, e.hashed, e.hostErr
			if p := e.parsed.Load(); p != nil {
				ne.parsed.Store(p)
			}
			l.Entry = ne
		}
	}
}
