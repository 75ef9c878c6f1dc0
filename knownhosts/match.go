package knownhosts

import (
	"runtime"
	"strings"
	"sync"
)

// maxPatternElement is the length at which OpenSSH's match_pattern_list
// gives up on a host list: an element of this many bytes or more (after
// any "!") makes the whole list a non-match.
const maxPatternElement = 1023

// wildmatch reports whether name matches pattern, in which '*' matches any
// run of bytes (including none) and '?' exactly one byte; every other byte
// matches itself. Both are compared as given (callers lowercase them).
//
// It is OpenSSH's match_pattern without the exponential backtracking: on a
// mismatch it only resumes after the most recent '*', which is enough for
// patterns made of '*' and '?', so it takes O(len(name)·len(pattern)) time
// at worst and linear time in the usual case.
func wildmatch(name, pattern string) bool {
	n, p := 0, 0
	starP, starN := -1, 0
	for n < len(name) {
		if p < len(pattern) {
			switch c := pattern[p]; c {
			case '*':
				starP, starN = p, n
				p++
				continue
			case '?':
				n++
				p++
				continue
			default:
				if c == name[n] {
					n++
					p++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last '*' swallow one more byte and try again.
		starN++
		n = starN
		p = starP + 1
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchResult is the outcome of matching a name against a host list.
type matchResult int8

const (
	noMatch matchResult = 0
	matched matchResult = 1
	negated matchResult = -1 // a "!" element matched: the line is rejected
)

// matchList matches name, already lowercased, against a comma-separated
// host list as OpenSSH's match_hostname does: elements are lowercased
// (ASCII only), a leading "!" negates an element, a negated match rejects
// the list, an element of maxPatternElement bytes or more ends the scan
// with no match, and a trailing comma does not add an empty element.
func matchList(name, list string) matchResult {
	if !hasWildcard(list) {
		return matchNames(name, list)
	}
	got := noMatch
	for i := 0; i < len(list); {
		neg := false
		if list[i] == '!' {
			neg = true
			i++
		}
		j := i
		for j < len(list) && list[j] != ',' && j-i < maxPatternElement {
			j++
		}
		if j-i >= maxPatternElement {
			return noMatch
		}
		elem := list[i:j]
		if j < len(list) {
			j++ // the comma
		}
		i = j
		if wildmatch(name, lowerASCII(elem)) {
			if neg {
				return negated
			}
			got = matched
		}
	}
	return got
}

// matchNames is matchList for a list without '*', '?' or '!': a list of
// names, one of which must equal name but for case.
func matchNames(name, list string) matchResult {
	got := noMatch
	for len(list) > 0 {
		elem := list
		if i := strings.IndexByte(list, ','); i >= 0 {
			elem, list = list[:i], list[i+1:]
		} else {
			list = ""
		}
		if len(elem) >= maxPatternElement {
			return noMatch
		}
		if got == noMatch && len(elem) == len(name) && equalLower(elem, name) {
			got = matched
		}
	}
	return got
}

// equalLower reports whether s lowercased (ASCII only) is lower.
func equalLower(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// lowerASCII lowercases A-Z only, as OpenSSH does in the C locale; it
// does not allocate when s has no upper-case letter.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for k := i; k < len(b); k++ {
				if c := b[k]; 'A' <= c && c <= 'Z' {
					b[k] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// hasWildcard reports whether a host list uses '*', '?' or '!', the
// characters that make ssh-keygen -H leave a line alone and that keep a
// line out of the exact-name index.
func hasWildcard(list string) bool {
	for i := 0; i < len(list); i++ {
		if c := list[i]; c == '*' || c == '?' || c == '!' {
			return true
		}
	}
	return false
}

// lookup is [File.Lookup]: one pass over the lines, as ssh-keygen -F
// makes it, with no index to build for a single name. Plain host fields
// are matched as the DB matches them (an exact name is a pattern without
// wildcards), and hashed names by their HMAC, two at a time where the
// CPU has SHA instructions. Large files are cut into one run of lines per
// core.
func (f *File) lookup(name string) []*Entry {
	q := lowerASCII(name)
	var tail []byte
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || len(f.Lines) < minParallelLines {
		return lookupLines(f.Lines, q, name, &tail)
	}
	parts := make([][]*Entry, workers)
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := len(f.Lines)*w/workers, len(f.Lines)*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			var tail []byte
			parts[w] = lookupLines(f.Lines[lo:hi], q, name, &tail)
		}()
	}
	wg.Wait()
	var out []*Entry
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// minParallelLines is the number of lines from which File.Lookup spreads
// over the cores.
const minParallelLines = 16384

// lookupLines returns the entries of lines that match: q is the name
// lowercased, for plain host fields, and name as given, for hashed ones;
// tail is the name padded for the HMAC, made on first use.
func lookupLines(lines []Line, q, name string, tail *[]byte) []*Entry {
	var out []*Entry
	// Hashed names are held back to be hashed two at a time; pend is the
	// one waiting for a partner.
	var pend *Entry
	var c *sha1Blocks
	if !hasSHANI {
		c = sha1Pool.Get().(*sha1Blocks)
		defer sha1Pool.Put(c)
	}
	check := func(a, b *Entry) {
		if *tail == nil {
			*tail = prepareTail(name)
		}
		t := *tail
		if hasSHANI {
			sa, sb := newHMACState(a.hashed.salt[:]), newHMACState(b.hashed.salt[:])
			var ha, hb [5]uint32
			hmacX2(&sa, &sb, &t[0], len(t)/64, &ha, &hb)
			if ha == a.hashed.sum {
				out = append(out, a)
			}
			if hb == b.hashed.sum && b != a {
				out = append(out, b)
			}
			return
		}
		for _, e := range []*Entry{a, b} {
			if st := newHMACState(e.hashed.salt[:]); st.sum(c, t) == e.hashed.sum {
				out = append(out, e)
			}
			if b == a {
				break
			}
		}
	}
	for i := range lines {
		e := lines[i].Entry
		switch {
		case e == nil:
		case e.hashed != nil:
			if !e.hashed.canonical {
				break
			}
			if pend == nil {
				pend = e
				break
			}
			check(pend, e)
			pend = nil
		case e.hostErr != "":
		case matchList(q, e.Hosts) == matched:
			if pend != nil {
				// Keep file order: settle the held-back name first.
				check(pend, pend)
				pend = nil
			}
			out = append(out, e)
		}
	}
	if pend != nil {
		check(pend, pend)
	}
	return out
}
