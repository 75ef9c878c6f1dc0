package sshfp

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzParse: Parse never panics, every record it returns prints (in both
// forms) as text that parses back to the same record, and every entry is
// accounted for.
func FuzzParse(f *testing.F) {
	for _, v := range vectors {
		for line := range strings.Lines(v.want) {
			f.Add(line)
		}
	}
	f.Add("host 3600 IN SSHFP 4 2 ( a87f1b687ac0e57d2a081a2f2826723\n 34d90ed316d2b818ca9580ea384d924\n 01 ) ; c\n")
	f.Add("$ORIGIN example.test.\n@ IN SOA ns1 hostmaster 1 3600 900 604800 300\n\tIN TYPE44 \\# 3 04 02 aa\n")
	f.Add("h IN SSHFP 4 2 ((00)) )(\n\"q\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		// Longer inputs add nothing the short ones do not reach, and the
		// minimizer is quadratic in the input's length: a kilobyte input
		// new to the coverage stalls the run for seconds.
		if len(s) > 512 {
			return
		}
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
// the validator (trust mode B): it must never panic, nothing but the
// zone's real SSHFP records may ever come out Secure however the
// responses are mangled, and no input may make a lookup exceed its
// budget of queries and signature verifications.
//
// The responses are the real ones of a signed hierarchy, recorded once;
// the input is an edit script over them rather than the messages
// themselves. Inputs stay tens of bytes instead of kilobytes, which
// matters: Go's minimizer is quadratic in the input's length, and with
// kilobyte inputs it spent the whole run (60 s per new input) minimizing
// with no execution counted, so FuzzValidate seemed to stall after a few
// executions. The first byte picks the answer (bit 0: the CNAME one) and
// whether the validator's key cache is kept across inputs (bit 1); then
// each 4 bytes are one edit (see [fuzzEdit]).
func FuzzValidate(f *testing.F) {
	w := newWorld(f)
	shared := w.validating()
	ctx := context.Background()
	get := func(name string, t uint16) *dns.Msg {
		m, err := shared.exchange(ctx, w.srv.addr, name, t)
		if err != nil {
			f.Fatal(err)
		}
		return m
	}
	answers := []*dns.Msg{get("host.example.test.", dns.TypeSSHFP), get("alias.example.test.", dns.TypeSSHFP)}
	chain := []*dns.Msg{get(".", dns.TypeDNSKEY), get("test.", dns.TypeDNSKEY), get("example.test.", dns.TypeDNSKEY),
		get("test.", dns.TypeDS), get("example.test.", dns.TypeDS)}
	f.Add([]byte{0})
	f.Add([]byte{1})
	f.Add([]byte{2})
	f.Add([]byte{0, 0, 0, 1, 0}) // delete the first RR of the answer
	f.Add([]byte{0, 5, 0, 2, 9}) // RRSIG signer of the answer changed
	f.Add([]byte{2, 1, 3, 0, 0}) // duplicate an RR of example.test.'s DNSKEY answer
	f.Add([]byte{0, 6, 5, 1, 1}) // flip a byte in a DS record
	f.Add([]byte{0, 8, 5, 0, 1}) // DS digest type changed

	real := map[string]bool{}
	for _, l := range []string{labSHA1, labSHA256} {
		rec, err := ParseRecord(l)
		if err != nil {
			f.Fatal(err)
		}
		real[rec.String()] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 1+4*64 {
			return
		}
		msgs := []*dns.Msg{answers[data[0]&1].Copy()}
		for _, m := range chain {
			msgs = append(msgs, m.Copy())
		}
		for e := data[1:]; len(e) >= 4; e = e[4:] {
			fuzzEdit(msgs, e[0], e[1], e[2], e[3])
		}
		r := shared
		if data[0]&2 == 0 {
			r = w.validating() // a fresh key cache
		}
		q := &querier{ask: func(_ context.Context, name string, qtype uint16) (*dns.Msg, error) {
			for _, m := range msgs[1:] {
				if len(m.Question) == 1 && strings.EqualFold(m.Question[0].Name, name) && m.Question[0].Qtype == qtype {
					return m, nil
				}
			}
			return new(dns.Msg), nil
		}}
		before := r.Validator.verifications.Load()
		a, err := r.answerWith(ctx, q, server{addr: "fuzz"}, msgs[0].Question[0].Name, msgs[0])
		if q.count > defaultMaxQueries {
			t.Fatalf("%d queries", q.count)
		}
		// Failures are bounded by MaxFailures; successes by the zones
		// the queries can name.
		if n := r.Validator.verifications.Load() - before; n > defaultMaxFailures+2*defaultMaxQueries+8 {
			t.Fatalf("%d signature verifications", n)
		}
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

// fuzzNames and fuzzTypes are what FuzzValidate's edits rename things to.
var (
	fuzzNames = []string{".", "test.", "example.test.", "host.example.test.", "alias.example.test.", "ample.test.",
		"x.host.example.test.", "EXAMPLE.TEST.", "other.", "*.example.test."}
	fuzzTypes = []uint16{dns.TypeSSHFP, dns.TypeDNSKEY, dns.TypeDS, dns.TypeCNAME, dns.TypeRRSIG, dns.TypeA}
	fuzzAlgs  = []uint8{dns.ED25519, dns.RSASHA1, dns.RSASHA256, dns.ECDSAP256SHA256, 0, 253}
	fuzzTTLs  = []uint32{0, 1, 300, 3600, 86400, 1<<31 - 1, 1<<32 - 1}
)

// fuzzEdit applies one edit to the answer section of msgs[mi]: op says
// what, ri which record, arg how.
func fuzzEdit(msgs []*dns.Msg, op, mi, ri, arg byte) {
	m := msgs[int(mi)%len(msgs)]
	other := msgs[int(arg)%len(msgs)]
	if op%12 == 11 { // the question the message answers
		if len(m.Question) == 1 {
			m.Question[0].Name = fuzzNames[int(arg)%len(fuzzNames)]
			m.Question[0].Qtype = fuzzTypes[int(arg>>4)%len(fuzzTypes)]
		}
		return
	}
	if len(m.Answer) == 0 {
		return
	}
	i := int(ri) % len(m.Answer)
	rr := m.Answer[i]
	switch op % 12 {
	case 0: // delete
		m.Answer = slices.Delete(m.Answer, i, i+1)
	case 1: // duplicate
		m.Answer = append(m.Answer, dns.Copy(rr))
	case 2: // move to another message
		m.Answer = slices.Delete(m.Answer, i, i+1)
		other.Answer = append(other.Answer, rr)
	case 3: // copy into another message
		other.Answer = append(other.Answer, dns.Copy(rr))
	case 4:
		rr.Header().Ttl = fuzzTTLs[int(arg)%len(fuzzTTLs)]
	case 5:
		rr.Header().Name = fuzzNames[int(arg)%len(fuzzNames)]
	case 6: // flip bits of one byte of the wire form
		buf := make([]byte, dns.Len(rr)+64)
		n, err := dns.PackRR(rr, buf, 0, nil, false)
		if err != nil || n == 0 {
			return
		}
		buf[int(ri^arg)%n] ^= arg | 1
		if back, _, err := dns.UnpackRR(buf[:n], 0); err == nil && back != nil {
			m.Answer[i] = back
		}
	case 7: // RRSIG fields
		sig, ok := rr.(*dns.RRSIG)
		if !ok {
			return
		}
		switch arg % 8 {
		case 0:
			sig.SignerName = fuzzNames[int(arg>>3)%len(fuzzNames)]
		case 1:
			sig.Labels += arg>>3 - 16
		case 2:
			sig.KeyTag += uint16(arg >> 3)
		case 3:
			sig.Algorithm = fuzzAlgs[int(arg>>3)%len(fuzzAlgs)]
		case 4:
			sig.Expiration = sig.Inception - uint32(arg>>3)
		case 5:
			sig.Inception, sig.Expiration = sig.Inception+uint32(arg>>3)<<12, sig.Expiration+uint32(arg>>3)<<12
		case 6:
			sig.OrigTtl = fuzzTTLs[int(arg>>3)%len(fuzzTTLs)]
		case 7:
			sig.TypeCovered = fuzzTypes[int(arg>>3)%len(fuzzTypes)]
		}
	case 8: // DS fields
		ds, ok := rr.(*dns.DS)
		if !ok {
			return
		}
		switch arg % 4 {
		case 0:
			ds.DigestType = arg >> 2 % 6
		case 1:
			ds.KeyTag += uint16(arg >> 2)
		case 2:
			ds.Algorithm = fuzzAlgs[int(arg>>2)%len(fuzzAlgs)]
		case 3:
			ds.Digest = strings.ToLower(ds.Digest)
		}
	case 9: // DNSKEY fields
		k, ok := rr.(*dns.DNSKEY)
		if !ok {
			return
		}
		switch arg % 4 {
		case 0:
			k.Flags ^= uint16(1) << (arg >> 2 % 16)
		case 1:
			k.Protocol = arg >> 2
		case 2:
			k.Algorithm = fuzzAlgs[int(arg>>2)%len(fuzzAlgs)]
		case 3:
			k.PublicKey = k.PublicKey[:len(k.PublicKey)/2]
		}
	case 10: // swap two records
		j := int(arg) % len(m.Answer)
		m.Answer[i], m.Answer[j] = m.Answer[j], m.Answer[i]
	}
}

// FuzzResolvConf: the resolv.conf reader never panics, gives every
// nameserver as an IP address and port and agrees with a plain reading of
// the options lines on trust-ad.
func FuzzResolvConf(f *testing.F) {
	f.Add("nameserver 127.0.0.1\nnameserver ::1\noptions edns0 trust-ad\n", "")
	f.Add("# comment\nsearch example.test\nnameserver 192.0.2.1\noptions ndots:2\n", "trust-ad")
	f.Add("options trust-ad\noptions rotate\nnameserver fe80::1%eth0\n", "ndots:1")
	f.Fuzz(func(t *testing.T, text, resOptions string) {
		// Short inputs say all there is to say, and keep the
		// minimizer, quadratic in the input's length, from spending
		// the run on kilobytes the mutator grew.
		if len(text)+len(resOptions) > 256 {
			return
		}
		servers, err := parseResolvConf([]byte(text), "fuzz", resOptions)
		if err != nil {
			return
		}
		want := strings.Contains(" "+strings.Join(strings.Fields(resOptions), " ")+" ", " trust-ad ")
		for _, line := range strings.Split(text, "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "options" && slices.Contains(f[1:], "trust-ad") {
				want = true
			}
		}
		for _, s := range servers {
			host, _, err := net.SplitHostPort(s.addr)
			if _, perr := netip.ParseAddr(host); err != nil || perr != nil || s.conf != "fuzz" || s.trustAD != want {
				t.Fatalf("%+v (trust-ad %v)", s, want)
			}
		}
	})
}
