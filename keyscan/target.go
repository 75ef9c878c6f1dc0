package keyscan

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// DefaultPort is the SSH port used when neither the target nor
// [Scanner.Port] names one.
const DefaultPort = 22

// MaxRangeSize is the largest number of addresses one CIDR range may expand
// to (a /16 in IPv4, a /112 in IPv6).
const MaxRangeSize = 1 << 16

// Target is one host to scan: the addresses to try, in order, and the names
// to write in known_hosts lines.
//
// Hosts are host names or IP literals without port or brackets. The first
// one that answers is scanned; when one is refused, times out or does not
// resolve, the next is tried (ssh-keyscan 8.9 and later give up there). A
// name that resolves to several addresses has each tried in the same way.
type Target struct {
	Hosts []string
	// Names are written in output lines. Nil means the Hosts.
	Names []string
	// Port is the TCP port; zero means the scanner's default port.
	Port int
}

// String returns the target in the form [ParseTarget] reads.
func (t Target) String() string {
	var b strings.Builder
	for i, h := range t.Hosts {
		if i > 0 {
			b.WriteByte(',')
		}
		switch {
		case t.Port != 0:
			b.WriteString("[" + h + "]:" + strconv.Itoa(t.Port))
		case strings.Contains(h, ":"):
			b.WriteString("[" + h + "]")
		default:
			b.WriteString(h)
		}
	}
	if t.Names != nil {
		b.WriteByte(' ')
		b.WriteString(strings.Join(t.Names, ","))
	}
	return b.String()
}

// OutputNames returns the names for output lines: Names, or else Hosts.
func (t Target) OutputNames() []string {
	if len(t.Names) > 0 {
		return t.Names
	}
	return t.Hosts
}

// TargetError reports a target that could not be parsed, or a line of a
// target file that could not be read. Name and Line say where it came from
// when it was read by [ReadTargets].
type TargetError struct {
	Name string // file name; empty for a command-line argument
	Line int    // 1-based; zero for a command-line argument
	// Text is the offending text, empty when the line is too long to
	// repeat (see Length) or the file could not be read.
	Text string
	// Length is the length in bytes of a line longer than
	// [TargetLimits.MaxLineLength], or zero.
	Length int
	Err    error
}

func (e *TargetError) Error() string {
	switch {
	case e.Name == "":
		return fmt.Sprintf("keyscan: target %q: %v", e.Text, e.Err)
	case e.Text == "":
		return fmt.Sprintf("keyscan: %s:%d: %v", e.Name, e.Line, e.Err)
	}
	return fmt.Sprintf("keyscan: %s:%d: %q: %v", e.Name, e.Line, e.Text, e.Err)
}

func (e *TargetError) Unwrap() error { return e.Err }

// ParseTarget parses one target as ssh-keyscan reads it from its command
// line or from a -f file, and more:
//
//	host                      a name or an IP address (IPv6 without brackets too)
//	host:port, [host]:port    a target with its own port ([::1]:2222)
//	192.0.2.0/30, 2001:db8::/126
//	                          a CIDR range: every address in it, including the
//	                          network and broadcast addresses, as ssh-keyscan does
//	addrlist namelist         addresses to try in turn (a,b:2222,[c]) and the
//	                          names to print (web1.example,web1)
//
// Within one addrlist every entry that names a port must name the same one.
// A range expands to at most [MaxRangeSize] targets. The line must not hold
// a comment; [ReadTargets] strips those.
func ParseTarget(line string) ([]Target, error) {
	text := strings.TrimSpace(line)
	if text == "" {
		return nil, &TargetError{Text: line, Err: errors.New("empty target")}
	}
	if ts, ok, err := parseRange(text); ok || err != nil {
		if err != nil {
			return nil, &TargetError{Text: line, Err: err}
		}
		return ts, nil
	}
	fields := strings.Fields(text)
	if len(fields) > 2 {
		return nil, &TargetError{Text: line, Err: errors.New("more than two fields (want: addrlist [namelist])")}
	}
	var t Target
	for _, a := range strings.Split(fields[0], ",") {
		if a == "" {
			continue
		}
		host, port, err := splitHostPort(a)
		if err != nil {
			return nil, &TargetError{Text: line, Err: err}
		}
		if port != 0 {
			if t.Port != 0 && t.Port != port {
				return nil, &TargetError{Text: line, Err: fmt.Errorf("addresses name different ports (%d and %d)", t.Port, port)}
			}
			t.Port = port
		}
		t.Hosts = append(t.Hosts, host)
	}
	if len(t.Hosts) == 0 {
		return nil, &TargetError{Text: line, Err: errors.New("no address")}
	}
	if len(fields) == 2 {
		for _, n := range strings.Split(fields[1], ",") {
			if n == "" {
				continue
			}
			if err := checkName(n); err != nil {
				return nil, &TargetError{Text: line, Err: err}
			}
			t.Names = append(t.Names, n)
		}
	}
	return []Target{t}, nil
}

// parseRange reads a CIDR range or a lone IP address (a range of one, which
// ssh-keyscan prints in canonical form).
func parseRange(s string) ([]Target, bool, error) {
	if strings.ContainsAny(s, " \t,[]") {
		return nil, false, nil
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, false, nil
		}
		return []Target{{Hosts: []string{a.String()}}}, true, nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return nil, false, fmt.Errorf("not a CIDR range: %v", err)
	}
	p = p.Masked()
	hostBits := p.Addr().BitLen() - p.Bits()
	if hostBits > 30 || 1<<hostBits > MaxRangeSize {
		return nil, false, fmt.Errorf("range has 2^%d addresses, more than the %d allowed", hostBits, MaxRangeSize)
	}
	n := 1 << hostBits
	ts := make([]Target, 0, n)
	a := p.Addr()
	for i := 0; i < n; i++ {
		ts = append(ts, Target{Hosts: []string{a.String()}})
		a = a.Next()
	}
	return ts, true, nil
}

// splitHostPort reads one addrlist entry: host, host:port, [host]:port,
// [host], or a bare IPv6 literal.
func splitHostPort(s string) (string, int, error) {
	var host, port string
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, fmt.Errorf("missing ']' in %q", s)
		}
		host = s[1:end]
		rest := s[end+1:]
		if rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return "", 0, fmt.Errorf("junk after ']' in %q", s)
			}
			port = rest[1:]
			if port == "" {
				return "", 0, fmt.Errorf("empty port in %q", s)
			}
		}
	case strings.Count(s, ":") == 1:
		i := strings.IndexByte(s, ':')
		host, port = s[:i], s[i+1:]
		if port == "" {
			return "", 0, fmt.Errorf("empty port in %q", s)
		}
	default:
		host = s
	}
	if host == "" {
		return "", 0, fmt.Errorf("empty host in %q", s)
	}
	if err := checkName(host); err != nil {
		return "", 0, err
	}
	if strings.Contains(host, ":") {
		if _, err := netip.ParseAddr(host); err != nil {
			return "", 0, fmt.Errorf("bad IPv6 address %q", host)
		}
	}
	p := 0
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return "", 0, fmt.Errorf("bad port %q", port)
		}
		p = int(n)
	}
	return host, p, nil
}

// checkName rejects what cannot appear in a known_hosts host field.
func checkName(s string) error {
	for _, c := range s {
		if c <= ' ' || c == 0x7f || c == ',' || c == '#' || c == '[' || c == ']' || c == '/' {
			return fmt.Errorf("bad character %q in %q", c, s)
		}
	}
	return nil
}

// TargetLimits bound the work of [ReadTargets] whatever a file holds. The
// zero value gives the defaults documented on each field.
type TargetLimits struct {
	// MaxLineLength is the longest line read, in bytes without its line
	// end; zero means 16384 (a line of 64 host names of DNS's longest).
	// A longer line is an error giving its length, and is skipped.
	MaxLineLength int
	// MaxSize is the most bytes read from the file; zero means 64 MiB.
	// Reading stops there, with an error.
	MaxSize int64
	// MaxTargets is the most targets returned, CIDR ranges expanded; zero
	// means 1<<20. Reading stops at the line that would exceed it, with an
	// error.
	MaxTargets int
}

func (l *TargetLimits) maxLine() int {
	if l != nil && l.MaxLineLength > 0 {
		return l.MaxLineLength
	}
	return 16 << 10
}

func (l *TargetLimits) maxSize() int64 {
	if l != nil && l.MaxSize > 0 {
		return l.MaxSize
	}
	return 64 << 20
}

func (l *TargetLimits) maxTargets() int {
	if l != nil && l.MaxTargets > 0 {
		return l.MaxTargets
	}
	return 1 << 20
}

// ReadTargets reads targets, one per line, as ssh-keyscan -f does: text
// after '#' and blank lines are ignored. It keeps going after a bad line and
// returns every line's error, each a *[TargetError]; name is used only in
// messages. Limits nil means the zero [TargetLimits]: memory stays within
// about MaxLineLength bytes besides the targets, whatever r holds.
func ReadTargets(r io.Reader, name string, limits *TargetLimits) ([]Target, []error) {
	var ts []Target
	var errs []error
	maxSize := limits.maxSize()
	maxLine := limits.maxLine()
	// Room for the longest line, its CR LF, and one byte to tell a line
	// that is one too long.
	br := bufio.NewReaderSize(io.LimitReader(r, maxSize+1), maxLine+3)
	var pos int64 // bytes read up to the end of line
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadSlice('\n')
		length := len(line)
		for err == bufio.ErrBufferFull {
			// Too long: count the rest of it without keeping it.
			line, err = br.ReadSlice('\n')
			length += len(line)
		}
		if pos += int64(length); pos > maxSize {
			errs = append(errs, &TargetError{Name: name, Line: lineNo,
				Err: fmt.Errorf("file is larger than the %d bytes allowed; the rest is not read", maxSize)})
			return ts, errs
		}
		text := strings.TrimRight(string(line), "\r\n")
		length -= len(line) - len(text)
		switch {
		case length > maxLine:
			errs = append(errs, &TargetError{Name: name, Line: lineNo, Length: length,
				Err: fmt.Errorf("line is %d bytes long, more than the %d allowed", length, maxLine)})
		case length > 0:
			if i := strings.IndexByte(text, '#'); i >= 0 {
				text = text[:i]
			}
			if strings.TrimSpace(text) == "" {
				break
			}
			got, perr := ParseTarget(text)
			if perr != nil {
				var te *TargetError
				if errors.As(perr, &te) {
					te.Name, te.Line, te.Text = name, lineNo, strings.TrimSpace(text)
				}
				errs = append(errs, perr)
			}
			if len(ts)+len(got) > limits.maxTargets() {
				errs = append(errs, &TargetError{Name: name, Line: lineNo,
					Err: fmt.Errorf("more than %d targets; the rest is not read", limits.maxTargets())})
				return ts, errs
			}
			ts = append(ts, got...)
		}
		if err != nil {
			if err != io.EOF {
				errs = append(errs, &TargetError{Name: name, Line: lineNo, Err: err})
			}
			return ts, errs
		}
	}
}
