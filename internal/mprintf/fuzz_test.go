package mprintf

import "testing"

func FuzzEscape(f *testing.F) {
	f.Add("h\xc3\xa9llo\x01\x7f\xff\t\r", true)
	f.Fuzz(func(t *testing.T, s string, utf bool) {
		got := (&Escaper{UTF8: utf}).Escape(s)
		for i := 0; i < len(got); i++ {
			c := got[i]
			if c < ' ' && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
				t.Fatalf("control byte %#x left in %q", c, got)
			}
			if !utf && c >= 0x80 {
				t.Fatalf("high byte left in C locale: %q", got)
			}
		}
	})
}
