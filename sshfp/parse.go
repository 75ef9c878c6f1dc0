package sshfp

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxLineLength is the longest physical line [Parse] accepts.
const MaxLineLength = 64 << 10

// ParseError reports text that is not an SSHFP record.
type ParseError struct {
	File   string // the name given to Parse, or empty
	Line   int    // 1-based line where the record starts, or 0
	Reason string
}

func (e *ParseError) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("sshfp: %s:%d: %s", e.File, e.Line, e.Reason)
	case e.Line > 0:
		return fmt.Sprintf("sshfp: line %d: %s", e.Line, e.Reason)
	}
	return "sshfp: " + e.Reason
}

// errOtherType marks a well-formed line that holds another record type or
// a directive; Parse counts it in File.Skipped.
var errOtherType = errors.New("not an SSHFP record")

// File is what [Parse] found.
type File struct {
	Records []Record
	// Lines holds the line each record starts on, in step with Records.
	Lines []int
	// Invalid lists entries that look like SSHFP records but are not
	// valid, and lines that cannot be read at all.
	Invalid []*ParseError
	// Skipped counts entries that are other record types or $ directives.
	Skipped int
}

// ParseRecord parses one SSHFP record in zone-file form, as ssh-keygen -r
// prints it or as zone files hold it:
//
//	host.example.test. 3600 IN SSHFP 4 2 ( da7d8aba7071d08eaa8954455d72a67c
//	                                       ecc1d8a197bacd65e4ce4ebfbe7a0c71 )
//	host.example.test IN TYPE44 \# 34 04 02 da7d8aba...
//
// TTL and class are optional and may come in either order; the hex digest
// may be split by blanks; parentheses may span lines; ";" starts a comment.
// The owner name is kept exactly as written.
func ParseRecord(s string) (Record, error) {
	f, err := Parse(strings.NewReader(s), "")
	if err != nil {
		return Record{}, err
	}
	switch {
	case len(f.Invalid) > 0:
		return Record{}, f.Invalid[0]
	case len(f.Records) == 1 && f.Skipped == 0:
		return f.Records[0], nil
	case len(f.Records) == 0 && f.Skipped == 0:
		return Record{}, &ParseError{Reason: "no record"}
	case len(f.Records) == 0:
		return Record{}, &ParseError{Line: 1, Reason: errOtherType.Error()}
	}
	return Record{}, &ParseError{Reason: "more than one record"}
}

// Parse reads SSHFP records in zone-file form (see [ParseRecord]) from r:
// ssh-keygen -r output, ssh-keyscan -D output, or a zone file. An entry
// that starts with a blank reuses the previous owner name, as in zone
// files. Entries of other types and $ directives are counted in Skipped;
// broken SSHFP entries are reported in Invalid with their line, and
// parsing goes on. The name is used in messages only. The error is
// non-nil only if reading fails.
func Parse(r io.Reader, name string) (*File, error) {
	f := &File{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineLength)
	var (
		toks     []string
		start    int
		depth    int
		blank    bool // the entry starts with a blank: owner omitted
		owner    string
		haveOwn  bool
		lineNo   int
		badParen string
	)
	flush := func() {
		defer func() { toks, badParen = toks[:0], "" }()
		if len(toks) == 0 && badParen == "" {
			return
		}
		if badParen != "" {
			f.Invalid = append(f.Invalid, &ParseError{File: name, Line: start, Reason: badParen})
			return
		}
		t := toks
		if blank {
			if !haveOwn {
				f.Invalid = append(f.Invalid, &ParseError{File: name, Line: start, Reason: "no owner name"})
				return
			}
			t = append([]string{owner}, t...)
		} else if !strings.HasPrefix(t[0], "$") {
			owner, haveOwn = t[0], true
		}
		rec, err := parseTokens(t)
		switch {
		case errors.Is(err, errOtherType):
			f.Skipped++
		case err != nil:
			f.Invalid = append(f.Invalid, &ParseError{File: name, Line: start, Reason: err.Error()})
		default:
			f.Records = append(f.Records, rec)
			f.Lines = append(f.Lines, start)
		}
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if depth == 0 {
			start = lineNo
			blank = len(line) > 0 && (line[0] == ' ' || line[0] == '\t')
		}
		for i := 0; i < len(line); {
			c := line[i]
			switch {
			case c == ';':
				i = len(line)
			case c == ' ' || c == '\t' || c == '\r':
				i++
			case c == '(':
				depth++
				i++
			case c == ')':
				if depth == 0 {
					badParen = "unbalanced \")\""
				} else {
					depth--
				}
				i++
			case c == '"':
				badParen = "quoted strings are not valid in SSHFP records"
				i = len(line)
			default:
				j := i
				for j < len(line) && !strings.ContainsRune(" \t\r;()\"", rune(line[j])) {
					j++
				}
				toks = append(toks, line[i:j])
				i = j
			}
		}
		if depth == 0 {
			flush()
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return f, fmt.Errorf("sshfp: %s:%d: line longer than %d bytes", name, lineNo+1, MaxLineLength)
		}
		return f, err
	}
	if depth > 0 {
		badParen = "unbalanced \"(\""
		flush()
	}
	return f, nil
}

// parseTokens parses OWNER [TTL] [CLASS] TYPE RDATA...
func parseTokens(t []string) (Record, error) {
	if strings.HasPrefix(t[0], "$") {
		return Record{}, errOtherType
	}
	rec := Record{Name: t[0]}
	for _, c := range rec.Name {
		if c < ' ' || c == 0x7f {
			return Record{}, fmt.Errorf("owner name %q contains a control character", rec.Name)
		}
	}
	i := 1
	var sawTTL, sawClass bool
prefix:
	for ; i < len(t) && i < 3; i++ {
		switch {
		case !sawTTL && isTTL(t[i]):
			sawTTL = true
		case !sawClass && (strings.EqualFold(t[i], "IN") || strings.EqualFold(t[i], "CLASS1")):
			sawClass = true
		case !sawClass && isClass(t[i]):
			return Record{}, errOtherType
		default:
			break prefix
		}
	}
	if i >= len(t) {
		return Record{}, errors.New("missing record type")
	}
	typ := t[i]
	rd := t[i+1:]
	switch {
	case strings.EqualFold(typ, "SSHFP"):
		return parseRData(rec, rd)
	case strings.EqualFold(typ, "TYPE44"):
		return parseGeneric(rec, rd)
	}
	return Record{}, errOtherType
}

func isTTL(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	for _, c := range strings.ToLower(s) {
		if !strings.ContainsRune("0123456789smhdw", c) {
			return false
		}
	}
	return true
}

func isClass(s string) bool {
	switch strings.ToUpper(s) {
	case "CH", "CS", "HS", "NONE", "ANY":
		return true
	}
	return strings.HasPrefix(strings.ToUpper(s), "CLASS")
}

func parseOctet(s, what string) (uint8, error) {
	if s == "" || len(s) > 3 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%s %q is not a number from 0 to 255", what, s)
	}
	v, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a number from 0 to 255", what, s)
	}
	return uint8(v), nil
}

func parseRData(rec Record, rd []string) (Record, error) {
	if len(rd) < 3 {
		return Record{}, errors.New("SSHFP needs an algorithm, a fingerprint type and a fingerprint")
	}
	a, err := parseOctet(rd[0], "algorithm")
	if err != nil {
		return Record{}, err
	}
	ft, err := parseOctet(rd[1], "fingerprint type")
	if err != nil {
		return Record{}, err
	}
	fp, err := decodeHex(rd[2:])
	if err != nil {
		return Record{}, err
	}
	rec.Algorithm, rec.Type, rec.Fingerprint = Algorithm(a), FingerprintType(ft), fp
	return rec, nil
}

func parseGeneric(rec Record, rd []string) (Record, error) {
	if len(rd) < 2 || rd[0] != `\#` {
		return Record{}, errors.New(`TYPE44 needs the generic form \# LENGTH HEX`)
	}
	n, err := strconv.ParseUint(rd[1], 10, 16)
	if err != nil || strings.Trim(rd[1], "0123456789") != "" {
		return Record{}, fmt.Errorf("RDATA length %q is not a number", rd[1])
	}
	data, err := decodeHex(rd[2:])
	if err != nil {
		return Record{}, err
	}
	if uint64(len(data)) != n {
		return Record{}, fmt.Errorf("RDATA length is %d, but %d bytes follow", n, len(data))
	}
	if len(data) < 3 {
		return Record{}, errors.New("SSHFP RDATA shorter than 3 bytes")
	}
	rec.Algorithm, rec.Type, rec.Fingerprint = Algorithm(data[0]), FingerprintType(data[1]), data[2:]
	return rec, nil
}

func decodeHex(parts []string) ([]byte, error) {
	s := strings.Join(parts, "")
	if s == "" {
		return nil, errors.New("missing fingerprint")
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		if len(s)%2 == 1 {
			return nil, errors.New("fingerprint has an odd number of hex digits")
		}
		return nil, fmt.Errorf("fingerprint is not hex: %q", truncate(s, 80))
	}
	return b, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
