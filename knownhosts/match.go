package knownhosts

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
