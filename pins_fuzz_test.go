package hostkeys

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func FuzzParsePins(f *testing.F) {
	meta, err := os.ReadFile("testdata/pins/github-meta.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("Host github.com\n" + ghSHA256 + " (Ed25519)\n" + ghMD5 + " (RSA)\n@revoked " + ghSHA256 + "\n")
	f.Add("github.com,[a]:2222 " + ghKeyText + "\n@cert-authority *.example.com " + ghKeyText + "\n")
	f.Add("# c\n\nHost a b,c\nInclude meta.json\n" + ghKeyText + "\r\n")
	f.Add("|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= " + ghKeyText)
	f.Add("Host *.com,!x.com\n@cert-authority " + ghKeyText + "\nx ssh-ed25519 AAAA\n")
	f.Fuzz(func(t *testing.T, text string) {
		readFile := func(name string) ([]byte, error) {
			if strings.HasSuffix(name, "meta.json") {
				return meta, nil
			}
			return nil, errors.New("no such file")
		}
		p, err := parsePins(strings.NewReader(text), "fuzz/pins", readFile)
		if p == nil {
			if err == nil {
				t.Fatal("nil Pins without error")
			}
			return
		}
		if got := p.Bytes(); !bytes.Equal(got, []byte(text)) {
			t.Fatalf("not lossless:\n%q\n%q", text, got)
		}
		var ie *InvalidPinsError
		if errors.As(err, &ie) != (len(p.Problems()) > 0) {
			t.Fatalf("error %v with %d problems", err, len(p.Problems()))
		}
		for i, l := range p.Lines {
			if l.Num != i+1 || (l.Kind == PinInvalid) != (l.Err != nil) {
				t.Fatalf("line %d: %+v", i+1, l)
			}
			if l.Err != nil && (l.Err.Line != l.Num || l.Err.File != "fuzz/pins" || l.Err.Reason == "") {
				t.Fatalf("bad error %+v", l.Err)
			}
		}
		for _, pin := range p.All() {
			if pin.Line == 0 || (pin.Key == nil && pin.Fingerprint.Hash == 0) {
				t.Fatalf("bad pin %+v", pin)
			}
			for _, q := range p.Lookup("github.com", 22) {
				_ = q.Matches(ghKey(t))
			}
		}
		p.Lookup("a", 2222)
		p.Lookup("x.com", 22)
	})
}
