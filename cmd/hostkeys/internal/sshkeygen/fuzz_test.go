package sshkeygen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/keyline"
	"github.com/hostkeys/hostkeys/internal/mprintf"
)

const fuzzKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx"

// FuzzList checks that List never panics and prints exactly one line per
// key it reports (randomart adds eleven).
func FuzzList(f *testing.F) {
	f.Add("h1 "+fuzzKey+"\n"+fuzzKey+"\n", false)
	f.Add(strings.Repeat("x", 200)+" "+fuzzKey+"\n"+fuzzKey+"\n\x00 "+fuzzKey, true)
	f.Add("4294967296 "+fuzzKey+" c\r\n-5 "+fuzzKey+"\n\"a b\" "+fuzzKey, false)
	f.Add("@cert-authority * "+fuzzKey+"\n#\n \t\n", true)
	f.Add("@revoked \"a b\" "+fuzzKey+" c\r\n@revoked\th "+fuzzKey+"\n@revoked h ssh-ed25519 AAAA\n", false)
	f.Fuzz(func(t *testing.T, in string, visual bool) {
		var out bytes.Buffer
		var keys []Listed
		res, err := List(&out, strings.NewReader(in), "f", ListOptions{Visual: visual, Escaper: &mprintf.Escaper{UTF8: true},
			OnKey: func(k Listed) { keys = append(keys, k) }})
		if err != nil {
			t.Fatal(err)
		}
		// The prefetch memos are only a shortcut: without them the output
		// is the same.
		testNoMemo = true
		var plain bytes.Buffer
		res2, err := List(&plain, strings.NewReader(in), "f", ListOptions{Visual: visual, Escaper: &mprintf.Escaper{UTF8: true}})
		testNoMemo = false
		if err != nil || plain.String() != out.String() {
			t.Fatalf("memos change the output:\n%q\n%q", out.String(), plain.String())
		}
		if len(res.Skipped) != len(res2.Skipped) {
			t.Fatalf("memos change the skipped lines")
		}
		for i, s := range res.Skipped {
			if *s != *res2.Skipped[i] {
				t.Fatalf("memos change the reason: %v, without: %v", s, res2.Skipped[i])
			}
		}
		per := 1
		if visual {
			per = 12
		}
		if res.PrivateKey {
			return
		}
		if got := strings.Count(out.String(), "\n"); got != per*res.Count {
			t.Fatalf("%d lines for %d keys:\n%s", got, res.Count, out.String())
		}
		if len(keys) != res.Count {
			t.Fatalf("OnKey saw %d keys, Count %d", len(keys), res.Count)
		}
		for i := 1; i < len(keys); i++ {
			if keys[i].Line <= keys[i-1].Line {
				t.Fatalf("keys out of line order: %v", keys)
			}
		}
		// fingerprint --json (ReadKeys) lists every key -f lists, and
		// gives the same reason for a line both pass over. Except on
		// marker lines: ssh-keygen -l knows no markers, and lists the key
		// of "@revoked KEY", a line without hosts to ReadKeys.
		kf, err := fingerprint.ReadKeys(strings.NewReader(in), "f")
		if err != nil {
			t.Fatal(err)
		}
		found := map[int]bool{}
		for _, k := range kf.Keys {
			found[k.Line] = true
		}
		invalid := map[int]string{}
		for _, e := range kf.Invalid {
			invalid[e.Line] = e.Reason
		}
		lines := strings.Split(in, "\n")
		for _, k := range keys {
			if !found[k.Line] && !strings.HasPrefix(keyline.TrimBlanks(lines[k.Line-1]), "@") {
				t.Fatalf("line %d: listed by -f, not by ReadKeys: %s", k.Line, invalid[k.Line])
			}
		}
		for _, s := range res.Skipped {
			if r, ok := invalid[s.Line]; ok && r != s.Reason {
				t.Fatalf("line %d: -f: %s; ReadKeys: %s", s.Line, s.Reason, r)
			}
		}
	})
}
