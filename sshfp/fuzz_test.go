package sshfp

import (
	"context"
	"strings"
	"testing"

	"github.com/miekg/dns"
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

// FuzzValidate feeds hostile DNS responses to the answer processing and
// the validator (trust mode B): it must never panic, and nothing but the
// zone's real SSHFP records may ever come out Secure, however the
// responses are mangled, even with the key cache kept across inputs. The
// input is a sequence of DNS messages, each prefixed by its length in two
// bytes; the first is the answer, the others answer the validator's
// DNSKEY and DS queries by their question. Seeds are the real responses
// of a signed hierarchy.
func FuzzValidate(f *testing.F) {
	w := newWorld(f)
	r := w.validating()
	ctx := context.Background()
	pack := func(msgs ...*dns.Msg) []byte {
		var b []byte
		for _, m := range msgs {
			p, err := m.Pack()
			if err != nil {
				f.Fatal(err)
			}
			b = append(b, byte(len(p)>>8), byte(len(p)))
			b = append(b, p...)
		}
		return b
	}
	get := func(name string, t uint16) *dns.Msg {
		m, err := r.exchange(ctx, w.srv.addr, name, t)
		if err != nil {
			f.Fatal(err)
		}
		return m
	}
	answer := get("host.example.test.", dns.TypeSSHFP)
	chain := []*dns.Msg{get(".", dns.TypeDNSKEY), get("test.", dns.TypeDNSKEY), get("example.test.", dns.TypeDNSKEY),
		get("test.", dns.TypeDS), get("example.test.", dns.TypeDS)}
	f.Add(pack(append([]*dns.Msg{answer}, chain...)...))
	f.Add(pack(append([]*dns.Msg{get("alias.example.test.", dns.TypeSSHFP)}, chain...)...))
	f.Add(pack(answer))

	real := map[string]bool{}
	for _, l := range []string{labSHA1, labSHA256} {
		rec, err := ParseRecord(l)
		if err != nil {
			f.Fatal(err)
		}
		real[rec.String()] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var msgs []*dns.Msg
		for len(data) >= 2 && len(msgs) < 16 {
			n := int(data[0])<<8 | int(data[1])
			data = data[2:]
			if n > len(data) {
				n = len(data)
			}
			m := new(dns.Msg)
			if m.Unpack(data[:n]) == nil {
				msgs = append(msgs, m)
			}
			data = data[n:]
		}
		if len(msgs) == 0 {
			return
		}
		q := &querier{ask: func(_ context.Context, name string, qtype uint16) (*dns.Msg, error) {
			for _, m := range msgs[1:] {
				if len(m.Question) == 1 && strings.EqualFold(m.Question[0].Name, name) && m.Question[0].Qtype == qtype {
					return m, nil
				}
			}
			return new(dns.Msg), nil
		}}
		a, err := r.answerWith(ctx, q, server{addr: "fuzz"}, "host.example.test.", msgs[0])
		if err != nil || a.Security != Secure {
			return
		}
		for _, rec := range a.Records {
			rec.Name = "host.example.test."
			if !real[rec.String()] {
				t.Fatalf("forged record came out secure: %s (%s)", rec, a.Reason)
			}
		}
	})
}
