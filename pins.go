package hostkeys

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/knownhosts"
)

// Limits of a pin list. A file or line over them is an error, never
// truncated silently.
const (
	// MaxPinsSize is the largest pin list ParsePins reads: 64 MiB, room
	// for about half a million pinned keys.
	MaxPinsSize = 64 << 20
	// MaxPinLines is the most lines a pin list may have: 524,288, so that
	// a list of short or blank lines cannot take memory out of proportion
	// to its size (each line is kept).
	MaxPinLines = 1 << 19
	// MaxPinProblems is the most invalid lines ParsePins lists with their
	// line and reason; past it, the list is not kept (ParsePins returns
	// no Pins) and the invalid lines after are only counted.
	MaxPinProblems = 1000
	// MaxPinLineLength is the longest line of a pin list: 64 KiB holds any
	// real key or certificate (a 16384-bit RSA key is under 3 KB of text).
	MaxPinLineLength = 64 << 10
	// MaxIncludeSize is the largest file an Include line reads: 1 MiB
	// (GitHub's meta JSON is about 50 KB).
	MaxIncludeSize = 1 << 20
)

// PinLineKind says what a line of a pin list is.
type PinLineKind uint8

const (
	PinBlank      PinLineKind = iota // empty, or only spaces and tabs
	PinComment                       // '#' after optional blanks
	PinKnownHosts                    // a known_hosts line: [marker] hosts key
	PinHost                          // "Host PATTERNS", starting a section
	PinKey                           // in a section: [marker] fingerprint or public key
	PinInclude                       // in a section: "Include FILE" of GitHub meta JSON
	PinInvalid                       // anything else; PinLine.Err says why
)

func (k PinLineKind) String() string {
	switch k {
	case PinBlank:
		return "blank"
	case PinComment:
		return "comment"
	case PinKnownHosts:
		return "known_hosts"
	case PinHost:
		return "host"
	case PinKey:
		return "pin"
	case PinInclude:
		return "include"
	case PinInvalid:
		return "invalid"
	}
	return fmt.Sprintf("PinLineKind(%d)", uint8(k))
}

// PinLine is one line of a pin list, exactly as read.
type PinLine struct {
	Num  int    // 1-based
	Text string // the line without its "\n" (a "\r" before it is kept)
	Kind PinLineKind
	// Pins are the pins the line holds: one for a known_hosts or pin line,
	// those read from the file of an Include line, none otherwise.
	Pins []*Pin
	// Err says why a PinInvalid line is invalid, nil otherwise.
	Err *PinError
}

// PinError is a line of a pin list that is not valid, or a problem with a
// file as a whole (Line 0).
type PinError struct {
	File   string
	Line   int
	Reason string
}

func (e *PinError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("hostkeys: %s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("hostkeys: %s:%d: %s", e.File, e.Line, e.Reason)
}

// InvalidPinsError is returned by ParsePins for a pin list with invalid
// lines. Every one is listed: a pin list is trust configuration, and a line
// that says something else than its author meant must not be skipped.
// Past MaxPinProblems lines, the rest are counted in More.
type InvalidPinsError struct {
	File  string
	Lines []*PinError
	More  int
}

func (e *InvalidPinsError) Error() string {
	const show = 5
	var b strings.Builder
	total := len(e.Lines) + e.More
	fmt.Fprintf(&b, "hostkeys: %s: %d invalid line", e.File, total)
	if total != 1 {
		b.WriteByte('s')
	}
	for i, l := range e.Lines {
		if i == show {
			fmt.Fprintf(&b, "; and %d more", total-show)
			break
		}
		fmt.Fprintf(&b, "; line %d: %s", l.Line, l.Reason)
	}
	return b.String()
}

// Pin is one approved (or revoked) host key of a pin list.
type Pin struct {
	// File and Line say where the pin is written: the pin list's line, or
	// for a pin read by Include the Include line.
	File string
	Line int
	// Included names the JSON file and field a pin came from through an
	// Include line ("meta.json: ssh_keys[0]"); empty otherwise.
	Included string
	// Hosts is the host field the pin applies to, as written: the patterns
	// of its Host section or of its known_hosts line.
	Hosts string
	// Marker is @revoked, @cert-authority (the key signs host certificates)
	// or empty for an approved key.
	Marker fingerprint.Marker
	// Key is the pinned public key, or nil when only a fingerprint is
	// pinned.
	Key ssh.PublicKey
	// Fingerprint is the pinned fingerprint when no key is (its KeyType is
	// the label written after it, if any), and the zero Fingerprint
	// otherwise.
	Fingerprint fingerprint.Fingerprint

	sectionLine int // the Host line of its section, 0 for known_hosts lines
}

// Weak reports whether the pin is an MD5 fingerprint: vendors still
// publish them and they match as meant, but MD5 is weak evidence.
func (p *Pin) Weak() bool { return p.Key == nil && p.Fingerprint.Hash == fingerprint.MD5 }

// Location returns "file:line", with the included file and field if any.
func (p *Pin) Location() string {
	if p.Included != "" {
		return fmt.Sprintf("%s:%d (%s)", p.File, p.Line, p.Included)
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Matches reports whether the pin names key. A certificate is matched
// through the key it certifies; use [Pin.Signs] for @cert-authority pins.
func (p *Pin) Matches(key ssh.PublicKey) bool {
	key = plainKey(key)
	if p.Key != nil {
		return bytes.Equal(fingerprint.PlainBlob(p.Key), key.Marshal())
	}
	return p.Fingerprint.Matches(key)
}

// Signs reports whether key is a host certificate signed by the pinned key
// (for a fingerprint pin, by a key with that fingerprint). It does not check
// the certificate's principals, validity or signature.
func (p *Pin) Signs(key ssh.PublicKey) bool {
	cert, ok := key.(*ssh.Certificate)
	if !ok || cert.CertType != ssh.HostCert || cert.SignatureKey == nil {
		return false
	}
	if p.Key != nil {
		return bytes.Equal(p.Key.Marshal(), cert.SignatureKey.Marshal())
	}
	return p.Fingerprint.Matches(cert.SignatureKey)
}

// String returns the pin as a line of a Host section would hold it.
func (p *Pin) String() string {
	var s string
	if p.Key != nil {
		s = keyLine(p.Key)
	} else {
		s = p.Fingerprint.String()
		if p.Fingerprint.KeyType != "" {
			s += " (" + p.Fingerprint.KeyType + ")"
		}
	}
	if p.Marker != "" {
		s = string(p.Marker) + " " + s
	}
	return s
}

// brief is the pin for messages: a key by its SHA-256 fingerprint and type
// label, so that a long RSA key is not echoed.
func (p *Pin) brief() string {
	var s string
	if p.Key != nil {
		s = fingerprint.Of(p.Key, fingerprint.SHA256).String() + " (" + fingerprint.TypeLabel(p.Key) + ")"
	} else {
		s = p.Fingerprint.String()
		if p.Fingerprint.KeyType != "" {
			s += " (" + p.Fingerprint.KeyType + ")"
		}
	}
	if p.Marker != "" {
		s = string(p.Marker) + " " + s
	}
	return s
}

func plainKey(key ssh.PublicKey) ssh.PublicKey {
	if c, ok := key.(*ssh.Certificate); ok {
		return c.Key
	}
	return key
}

// Pins is a pin list: the approved host keys an admin keeps, in the format
// described in the package documentation. Every line is kept, so writing an
// unmodified Pins reproduces the file byte for byte.
//
// A Pins is safe for concurrent lookups.
type Pins struct {
	Name  string
	Lines []PinLine
	// NoFinalNewline is set when the last line has no "\n".
	NoFinalNewline bool

	// kh holds the valid known_hosts lines, sec one entry per valid Host
	// line (with a placeholder key), one a line, so that host patterns
	// are matched by the knownhosts package exactly as ssh matches them.
	kh, sec  *knownhosts.DB
	khPins   []*Pin         // line N of kh -> its pin, at khPins[N-1]
	secLines []int          // line N of sec -> the Host line, at secLines[N-1]
	secPins  map[int][]*Pin // Host line -> the pins of its section
	secHosts map[int]string // Host line -> its patterns, comma-separated
	// counting is set past MaxPinProblems invalid lines: lines are then
	// only classified, nothing is kept and Include files are not read.
	counting bool
}

// ParsePinsFile reads and parses the named pin list.
func ParsePinsFile(name string) (*Pins, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParsePins(f, name)
}

// ParsePins reads a pin list. The name is used in messages and Pin.File,
// and Include lines name files relative to its directory.
//
// If any line is invalid, ParsePins returns the Pins (every valid line
// usable, the invalid ones with PinLine.Err) together with an
// *InvalidPinsError listing them all. Past MaxPinProblems invalid lines,
// the Pins is nil and the error lists the first MaxPinProblems and counts
// the rest (Include lines after the limit are counted by their syntax
// only, their files are not read). Reading errors and a file over
// MaxPinsSize or MaxPinLines give a nil Pins.
func ParsePins(r io.Reader, name string) (*Pins, error) {
	return parsePins(r, name, readIncluded)
}

func readIncluded(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxIncludeSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxIncludeSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxIncludeSize)
	}
	return b, nil
}

// placeholderKey is the key of the synthetic entries that stand for Host
// lines; it is never compared with anything.
var placeholderKey = func() string {
	k, err := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}()

func parsePins(r io.Reader, name string, readFile func(string) ([]byte, error)) (*Pins, error) {
	var b strings.Builder
	if _, err := io.Copy(&b, io.LimitReader(r, MaxPinsSize+1)); err != nil {
		return nil, fmt.Errorf("hostkeys: %s: %w", name, err)
	}
	if b.Len() > MaxPinsSize {
		return nil, &PinError{File: name, Reason: fmt.Sprintf("larger than %d bytes", MaxPinsSize)}
	}
	text := b.String()
	lines := strings.Count(text, "\n")
	if text != "" && !strings.HasSuffix(text, "\n") {
		lines++
	}
	if lines > MaxPinLines {
		return nil, &PinError{File: name, Reason: fmt.Sprintf("more than %d lines", MaxPinLines)}
	}
	p := &Pins{Name: name, secPins: map[int][]*Pin{}, secHosts: map[int]string{}}
	if text != "" && !strings.HasSuffix(text, "\n") {
		p.NoFinalNewline = true
	}
	// Two synthetic known_hosts files: the valid known_hosts lines, and
	// the patterns of the valid Host lines. Lines are read in blocks, so
	// that the knownhosts package checks those of a block at once and a
	// list of junk is given up on after MaxPinProblems invalid lines.
	// The files are made of the entries those checks parsed, renumbered
	// in file order, so that no line is parsed twice.
	khFile := &knownhosts.File{Name: name}
	secFile := &knownhosts.File{Name: name}
	var problems []*PinError
	more := 0
	var scratch []PinLine // the block's lines past MaxPinProblems
	var kh, sec pinBlock
	section := 0 // line of the current Host line, 0 outside sections
	for num := 1; text != ""; {
		// Classify a block of lines.
		first := len(p.Lines)
		scratch = scratch[:0]
		kh.reset()
		sec.reset()
		for n := 0; text != "" && n < pinBlockLines; n, num = n+1, num+1 {
			l := text
			if i := strings.IndexByte(text, '\n'); i >= 0 {
				l, text = text[:i], text[i+1:]
			} else {
				text = ""
			}
			var pl *PinLine
			if p.counting {
				scratch = append(scratch, PinLine{})
				pl = &scratch[len(scratch)-1]
			} else {
				p.Lines = append(p.Lines, PinLine{})
				pl = &p.Lines[len(p.Lines)-1]
			}
			pl.Num, pl.Text = num, l
			khLine, secLine := "", ""
			if p.classify(pl, section, readFile, &khLine, &secLine) {
				// Even an invalid Host line ends the previous section,
				// so that the lines after it never pin the wrong hosts.
				section = num
			}
			kh.add(pl.Num, khLine)
			sec.add(pl.Num, secLine)
		}
		block := scratch
		if !p.counting {
			block = p.Lines[first:]
		}
		// What ssh could not use (invalid lines, unusable hashed names,
		// keys that do not parse) is an invalid pin line.
		at := func(num int) *PinLine { return &block[num-block[0].Num] }
		kh.check(p.Name, func(num int, kl knownhosts.Line, reason string) {
			pl := at(num)
			if reason != "" {
				p.invalid(pl, "neither a known_hosts line nor a pin: "+reason)
			} else if p.knownHostsLine(pl, kl) && !p.counting {
				p.khPins = append(p.khPins, pl.Pins[0])
				kl.Num = len(p.khPins)
				kl.Entry.Line = kl.Num
				khFile.Lines = append(khFile.Lines, kl)
			}
		})
		sec.check(p.Name, func(num int, sl knownhosts.Line, reason string) {
			pl := at(num)
			switch {
			case sl.Kind != knownhosts.EntryLine:
				p.invalid(pl, "bad host patterns: "+reasonOf(sl.Err))
			case reason != "":
				p.invalid(pl, "bad host patterns: "+reason)
			case !p.counting:
				p.secLines = append(p.secLines, num)
				sl.Num = len(p.secLines)
				sl.Entry.Line = sl.Num
				secFile.Lines = append(secFile.Lines, sl)
			}
		})
		for i := range block {
			switch err := block[i].Err; {
			case err == nil:
			case len(problems) < MaxPinProblems:
				problems = append(problems, err)
			default:
				more++
				p.counting = true
			}
		}
	}
	if p.counting {
		return nil, &InvalidPinsError{File: name, Lines: problems, More: more}
	}
	// Pins of sections whose Host line failed go with it.
	for i := range p.Lines {
		pl := &p.Lines[i]
		if pl.Kind == PinKey || pl.Kind == PinInclude {
			for _, pin := range pl.Pins {
				h := pin.sectionLine
				if p.Lines[h-1].Kind == PinHost {
					p.secPins[h] = append(p.secPins[h], pin)
				}
			}
		}
	}
	p.kh = knownhosts.New(knownhosts.Options{}, khFile)
	p.sec = knownhosts.New(knownhosts.Options{}, secFile)
	if len(problems) > 0 {
		return p, &InvalidPinsError{File: name, Lines: problems}
	}
	return p, nil
}

// pinBlockLines is the number of lines classified before the knownhosts
// package checks their known_hosts and Host lines.
const pinBlockLines = 1024

// pinBlock gathers the known_hosts lines (or the Host lines) of a block
// of a pin list, for the knownhosts package to check at once.
type pinBlock struct {
	nums []int // their pin list lines, in order
	b    strings.Builder
}

func (k *pinBlock) reset() {
	k.nums = k.nums[:0]
	k.b.Reset()
}

func (k *pinBlock) add(num int, line string) {
	if line == "" {
		return
	}
	k.nums = append(k.nums, num)
	k.b.WriteString(line)
	k.b.WriteByte('\n')
}

// check parses the lines as a known_hosts file and calls f for each, in
// order, with its line and why ssh could not use it ("" if it can).
func (k *pinBlock) check(name string, f func(num int, l knownhosts.Line, reason string)) {
	if len(k.nums) == 0 {
		return
	}
	file, err := knownhosts.Parse(strings.NewReader(k.b.String()), name)
	if err != nil || len(file.Lines) != len(k.nums) {
		// Cannot happen: a block is far below knownhosts' limits and
		// holds no newline but those added.
		reason := "not a known_hosts line"
		if err != nil {
			reason = err.Error()
		}
		for _, num := range k.nums {
			f(num, knownhosts.Line{}, reason)
		}
		return
	}
	reasons := map[int]string{}
	for _, e := range file.Problems() {
		reasons[e.Line] = e.Reason
	}
	for i, num := range k.nums {
		f(num, file.Lines[i], reasons[i+1])
	}
}

func reasonOf(e *knownhosts.LineError) string {
	if e == nil {
		return "not a host field"
	}
	return e.Reason
}

func (p *Pins) invalid(pl *PinLine, reason string) {
	pl.Kind = PinInvalid
	pl.Pins = nil
	pl.Err = &PinError{File: p.Name, Line: pl.Num, Reason: reason}
}

// classify decides what a line is and parses what is not left to the
// knownhosts package. khLine and secLine receive the line's text in the
// synthetic known_hosts files. It reports whether the line starts a
// section (a Host line, valid or not).
func (p *Pins) classify(pl *PinLine, section int, readFile func(string) ([]byte, error), khLine, secLine *string) (host bool) {
	s := strings.Trim(strings.TrimSuffix(pl.Text, "\r"), " \t")
	word, rest := cutBlank(s)
	host = strings.EqualFold(word, "Host")
	if len(pl.Text) > MaxPinLineLength {
		p.invalid(pl, fmt.Sprintf("line longer than %d bytes", MaxPinLineLength))
		return host
	}
	switch {
	case s == "":
		pl.Kind = PinBlank
		return false
	case s[0] == '#':
		pl.Kind = PinComment
		return false
	}
	switch {
	case host:
		pats := strings.FieldsFunc(rest, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
		if len(pats) == 0 {
			p.invalid(pl, "Host without patterns")
			return true
		}
		pl.Kind = PinHost
		hosts := strings.Join(pats, ",")
		if !p.counting {
			p.secHosts[pl.Num] = hosts
		}
		*secLine = hosts + " " + placeholderKey
		return true
	case strings.EqualFold(word, "Include"):
		if section == 0 {
			p.invalid(pl, "Include outside a Host section")
			return
		}
		if rest == "" {
			p.invalid(pl, "Include without a file name")
			return
		}
		p.include(pl, section, rest, readFile)
		return
	}
	// In a section, a line with the shape of a known_hosts line is one
	// (its second field, after any marker, is a key type, which neither
	// a fingerprint nor a bare key has); anything else is a pin.
	if section != 0 && !looksLikeKnownHosts(s) {
		pin, err := p.sectionPin(s, section)
		if err != nil {
			p.invalid(pl, err.Error())
			return
		}
		pl.Kind = PinKey
		pin.File, pin.Line = p.Name, pl.Num
		pl.Pins = []*Pin{pin}
		return
	}
	// Anything else is a known_hosts line, checked by knownhosts.Parse.
	pl.Kind = PinKnownHosts
	*khLine = s
	return false
}

// sectionPin parses a line of a Host section: [@revoked|@cert-authority]
// followed by a public key or a fingerprint.
func (p *Pins) sectionPin(s string, section int) (*Pin, error) {
	pin := &Pin{sectionLine: section, Hosts: p.secHosts[section]}
	if s[0] == '@' {
		word, rest := cutBlank(s)
		switch fingerprint.Marker(word) {
		case fingerprint.Revoked, fingerprint.CertAuthority:
			pin.Marker = fingerprint.Marker(word)
			s = rest
		default:
			return nil, fmt.Errorf("unknown marker %q", word)
		}
		if s == "" {
			return nil, fmt.Errorf("%s without a key or fingerprint", word)
		}
	}
	if first, _ := cutBlank(s); fingerprint.KnownKeyType(first) {
		key, _, err := fingerprint.ParseKeyText(s)
		if err != nil {
			return nil, fmt.Errorf("bad public key: %v", err)
		}
		pin.Key = key
		return pin, nil
	}
	fp, err := fingerprint.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("neither a fingerprint nor a public key: %v", err)
	}
	pin.Fingerprint = fp
	return pin, nil
}

// looksLikeKnownHosts reports whether a line that is not a pin has the shape
// of a known_hosts line: [marker] hosts keytype base64.
func looksLikeKnownHosts(s string) bool {
	f := strings.Fields(s)
	if len(f) > 0 && strings.HasPrefix(f[0], "@") {
		f = f[1:]
	}
	return len(f) >= 3 && fingerprint.KnownKeyType(f[1])
}

// metaJSON is the part of GitHub's meta API response (GET /meta) that names
// SSH host keys.
type metaJSON struct {
	Fingerprints map[string]string `json:"ssh_key_fingerprints"`
	Keys         []string          `json:"ssh_keys"`
}

func (p *Pins) include(pl *PinLine, section int, file string, readFile func(string) ([]byte, error)) {
	path := file
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(p.Name), path)
	}
	// Messages show at most 100 bytes of a name: the line may be 64 KiB.
	file = clip(file, 100)
	if p.counting {
		pl.Kind = PinInclude // past MaxPinProblems: not read
		return
	}
	data, err := readFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			p.invalid(pl, fmt.Sprintf("Include %q: %s %s: %v", file, pe.Op, clip(pe.Path, 200), pe.Err))
		} else {
			p.invalid(pl, fmt.Sprintf("Include %q: %v", file, err))
		}
		return
	}
	var m metaJSON
	if err := json.Unmarshal(data, &m); err != nil {
		p.invalid(pl, fmt.Sprintf("Include %q: not GitHub meta JSON: %v", file, err))
		return
	}
	if len(m.Fingerprints) == 0 && len(m.Keys) == 0 {
		p.invalid(pl, fmt.Sprintf("Include %q: no ssh_key_fingerprints or ssh_keys", file))
		return
	}
	var pins []*Pin
	for i, k := range m.Keys {
		key, rest, err := fingerprint.ParseKeyText(k)
		if err == nil && rest != "" {
			err = fmt.Errorf("text after the key")
		}
		if err != nil {
			p.invalid(pl, fmt.Sprintf("Include %q: ssh_keys[%d]: %v", file, i, err))
			return
		}
		pins = append(pins, &Pin{Key: key, Included: fmt.Sprintf("%s: ssh_keys[%d]", file, i)})
	}
	for _, field := range sortedKeys(m.Fingerprints) {
		v := m.Fingerprints[field]
		alg, label, ok := strings.Cut(field, "_")
		var fp fingerprint.Fingerprint
		var err error
		if !ok || !strings.EqualFold(alg, "SHA256") || label == "" {
			err = fmt.Errorf("field name is not SHA256_TYPE")
		} else {
			fp, err = fingerprint.Parse("SHA256:" + v)
		}
		if err != nil {
			p.invalid(pl, fmt.Sprintf("Include %q: ssh_key_fingerprints.%s: %v", file, field, err))
			return
		}
		fp.KeyType = label
		pins = append(pins, &Pin{Fingerprint: fp, Included: fmt.Sprintf("%s: ssh_key_fingerprints.%s", file, field)})
	}
	for _, pin := range pins {
		pin.File, pin.Line, pin.sectionLine, pin.Hosts = p.Name, pl.Num, section, p.secHosts[section]
	}
	pl.Kind = PinInclude
	pl.Pins = pins
}

// knownHostsLine makes the pin of a known_hosts line, and reports whether
// the line is valid.
func (p *Pins) knownHostsLine(pl *PinLine, kl knownhosts.Line) bool {
	if kl.Kind != knownhosts.EntryLine {
		p.invalid(pl, "neither a known_hosts line nor a pin: "+reasonOf(kl.Err))
		return false
	}
	e := kl.Entry
	key, err := e.Key()
	if err != nil {
		p.invalid(pl, "known_hosts line: "+err.Error())
		return false
	}
	if !fingerprint.OpenSSHKnows(key) {
		p.invalid(pl, fmt.Sprintf("known_hosts line: key type %q unknown to OpenSSH", key.Type()))
		return false
	}
	pin := &Pin{File: p.Name, Line: pl.Num, Hosts: e.Hosts, Marker: e.Marker, Key: key}
	pl.Pins = []*Pin{pin}
	return true
}

// Problems returns every invalid line, in order.
func (p *Pins) Problems() []*PinError {
	var out []*PinError
	for i := range p.Lines {
		if p.Lines[i].Err != nil {
			out = append(out, p.Lines[i].Err)
		}
	}
	return out
}

// All returns every pin of the list, in file order.
func (p *Pins) All() []*Pin {
	var out []*Pin
	for i := range p.Lines {
		out = append(out, p.Lines[i].Pins...)
	}
	return out
}

// Lookup returns the pins that apply to host on port, approved, revoked
// and certificate authorities alike, in file order: those of known_hosts
// lines and Host sections whose patterns match the name ssh looks the host
// up by (host, or "[host]:port" for a port other than 22), with OpenSSH's
// pattern rules (see the knownhosts package). Unlike ssh with known_hosts,
// pins for the plain name do not apply to other ports: a pin list says
// exactly which endpoints it vouches for.
//
// Plain names are found through an index; only patterns and hashed names
// are scanned.
func (p *Pins) Lookup(host string, port int) []*Pin {
	var out []*Pin
	for _, e := range p.kh.HostKeys(knownhosts.HostPort(host, port)) {
		if pin := p.khPins[e.Line-1]; pin != nil {
			out = append(out, pin)
		}
	}
	secs := p.sec.HostKeys(knownhosts.HostPort(host, port))
	if len(secs) == 0 {
		return out
	}
	khn := len(out)
	for _, e := range secs {
		out = append(out, p.secPins[p.secLines[e.Line-1]]...)
	}
	if khn > 0 {
		slices.SortStableFunc(out, func(a, b *Pin) int { return a.Line - b.Line })
	}
	return out
}

// Bytes returns the pin list's content, byte for byte as read.
func (p *Pins) Bytes() []byte {
	var b bytes.Buffer
	p.WriteTo(&b)
	return b.Bytes()
}

// WriteTo writes the pin list as read.
func (p *Pins) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for i := range p.Lines {
		m, err := io.WriteString(w, p.Lines[i].Text)
		n += int64(m)
		if err != nil {
			return n, err
		}
		if i == len(p.Lines)-1 && p.NoFinalNewline {
			break
		}
		m, err = io.WriteString(w, "\n")
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// cutBlank splits s at its first run of spaces and tabs.
func cutBlank(s string) (word, rest string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// clip shortens s to at most n bytes (and a valid UTF-8 prefix) for a
// message, marking the cut with "...".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = strings.ToValidUTF8(s[:n], "")
	return s + "..."
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
