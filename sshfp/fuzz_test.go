package sshfp

import (
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, every record it returns prints (in both
// forms) as text that parses back to the same record, and every entry is
// accounted for.
func FuzzParse(f *testing.F) {
	for _, v := range vectors {
		f.Add(v.want)
	}
	f.Add("host 3600 IN SSHFP 4 2 ( a87f1b687ac0e57d2a081a2f2826723\n 34d90ed316d2b818ca9580ea384d924\n 01 ) ; c\n")
	f.Add("$ORIGIN example.test.\n@ IN SOA ns1 hostmaster 1 3600 900 604800 300\n\tIN TYPE44 \\# 3 04 02 aa\n")
	f.Add("h IN SSHFP 4 2 ((00)) )(\n\"q\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		file, err := Parse(strings.NewReader(s), "fuzz")
		if err != nil {
			return // a line longer than MaxLineLength
		}
		if len(file.Records) != len(file.Lines) {
			t.Fatalf("%d records, %d lines", len(file.Records), len(file.Lines))
		}
		for _, r := range file.Records {
			for _, text := range []string{r.String(), r.Generic()} {
				back, err := ParseRecord(text)
				if err != nil {
					t.Fatalf("%q: %v", text, err)
				}
				if back.Name != r.Name || !back.Equal(r) {
					t.Fatalf("%q parsed back as %+v, want %+v", text, back, r)
				}
			}
		}
		for _, e := range file.Invalid {
			if e.Line < 1 || e.Reason == "" {
				t.Fatalf("invalid entry without line or reason: %+v", e)
			}
		}
	})
}
