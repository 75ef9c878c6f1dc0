package knownhosts

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add(baseFile)
	f.Add("|1|AAECAwQFBgcICQoLDA0ODxAREhM=|nnUK16ANsXd3hL31YfAkGOluSjU= " + k1 + "\n")
	f.Add("@revoked\t* " + k1 + "\r\n\n  # x\nbad.example foo-bar-v1 AAAA")
	f.Add("a\x00b " + k1 + "\n@foo x y z\n")
	f.Fuzz(func(t *testing.T, s string) {
		p := parseData(s, "f")
		out := string(p.Bytes())
		if out != s {
			t.Fatalf("round trip changed the file:\n%q\n%q", s, out)
		}
		q := parseData(out, "f")
		if len(q.Lines) != len(p.Lines) {
			t.Fatalf("line count %d then %d", len(p.Lines), len(q.Lines))
		}
		for i := range p.Lines {
			a, b := p.Lines[i], q.Lines[i]
			if a.Kind != b.Kind || a.Text != b.Text || a.Num != i+1 {
				t.Fatalf("line %d differs: %+v vs %+v", i+1, a, b)
			}
			if a.Entry != nil && (a.Entry.Hosts != b.Entry.Hosts || a.Entry.KeyText != b.Entry.KeyText || a.Entry.Marker != b.Entry.Marker) {
				t.Fatalf("entry %d differs", i+1)
			}
		}
		// Nothing panics on any line.
		p.Problems()
		db := New(Options{}, p)
		// Open's streaming loader finds what the File-based DB finds.
		streamed := newDB(Options{})
		streamed.names = []string{"f"}
		streamed.push(parseDBChunk([]byte(s), "f", 1, 0, map[string]string{}, new([]hashedRef)))
		for _, q := range []string{"example.com", "a", "[h]:22", "|1|x", ""} {
			a, b, c := db.Lookup(q), streamed.Lookup(q), p.Lookup(q)
			if len(a) != len(b) || len(a) != len(c) {
				t.Fatalf("Lookup(%q): %d entries, streamed %d, File %d", q, len(a), len(b), len(c))
			}
			for i := range a {
				if a[i].Line != b[i].Line || a[i].Hosts != b[i].Hosts || a[i].KeyText != b[i].KeyText {
					t.Fatalf("Lookup(%q): entry %d differs", q, i)
				}
				if a[i].Line != c[i].Line || a[i].Hosts != c[i].Hosts || a[i].KeyText != c[i].KeyText {
					t.Fatalf("File.Lookup(%q): entry %d differs", q, i)
				}
			}
		}
		db.Lookup("example.com")
		db.HostKeys("example.com:2222")
		db.HostKeyAlgorithms("example.com")
		p.Remove("example.com", &EditOptions{KeepInvalid: true})
		p.Hash(&EditOptions{KeepInvalid: true})
	})
}

// refMatch is OpenSSH's recursive match_pattern, written as plainly as
// possible (exponential in the worst case; the fuzzer keeps inputs short).
func refMatch(s, p string) bool {
	for {
		if p == "" {
			return s == ""
		}
		if p[0] == '*' {
			for p != "" && p[0] == '*' {
				p = p[1:]
			}
			if p == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if i < len(s) || p == "" {
					if refMatch(s[i:], p) {
						return true
					}
				}
			}
			return false
		}
		if s == "" {
			return false
		}
		if p[0] != '?' && p[0] != s[0] {
			return false
		}
		s, p = s[1:], p[1:]
	}
}

// refList is OpenSSH's match_pattern_list with dolower.
func refList(name, list string) matchResult {
	got := noMatch
	i := 0
	for i < len(list) {
		neg := list[i] == '!'
		if neg {
			i++
		}
		var sub []byte
		for i < len(list) && len(sub) < 1023 && list[i] != ',' {
			c := list[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			sub = append(sub, c)
			i++
		}
		if len(sub) >= 1023 {
			return noMatch
		}
		if i < len(list) && list[i] == ',' {
			i++
		}
		if refMatch(name, string(sub)) {
			if neg {
				return negated
			}
			got = matched
		}
	}
	return got
}

func FuzzMatch(f *testing.F) {
	f.Add("host1.example.com", "*.example.com,!bad.example.com")
	f.Add("aaaa", "*a*a?")
	f.Add("", ",")
	f.Add("x", "a,,x*")
	f.Add("[h]:22", "[*]:2?")
	f.Fuzz(func(t *testing.T, name, list string) {
		if len(name) > 24 || strings.Count(list, "*") > 4 {
			return // keep the reference matcher fast
		}
		name = lowerASCII(name)
		if got, want := matchList(name, list), refList(name, list); got != want {
			t.Fatalf("matchList(%q, %q) = %d, reference %d", name, list, got, want)
		}
		// The DB agrees with the matcher for plain host fields.
		if list == "" || strings.ContainsAny(list, " \t\r\n\x00#") || list[0] == '|' || list[0] == '@' {
			return
		}
		db := New(Options{}, parseData(list+" "+k1+"\n", "f"))
		if name == "" || strings.ContainsAny(name, "\x00") {
			return
		}
		found := len(db.Lookup(name)) == 1
		if found != (refList(name, list) == matched) {
			t.Fatalf("Lookup(%q) in %q: %v", name, list, found)
		}
	})
}
