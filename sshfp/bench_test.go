package sshfp

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The benchmarks interleave the measured operation with its anchor in the
// same loop and report both and their ratio: absolute times drift on
// shared machines, ratios much less.

// BenchmarkValidateAnswer measures the CPU cost of validating one SSHFP
// answer with the zone keys cached (signer checks, validity period, one
// Ed25519 verification). Anchor: miekg/dns's bare RRSIG.Verify of the same
// RRset. x-verify is the ratio; queries/op must be 0.
func BenchmarkValidateAnswer(b *testing.B) {
	w := newWorld(b)
	r := w.validating()
	ctx := context.Background()
	if _, err := r.Lookup(ctx, "host.example.test"); err != nil {
		b.Fatal(err)
	}
	resp, err := r.exchange(ctx, w.srv.addr, "host.example.test.", dns.TypeSSHFP)
	if err != nil {
		b.Fatal(err)
	}
	set := rrsetOf(resp.Answer, "host.example.test.", dns.TypeSSHFP)
	sigs := sigsFor(resp.Answer, set)
	q := r.querier(w.srv.addr)
	var ours, anchor time.Duration
	for b.Loop() {
		t0 := time.Now()
		if res := r.Validator.newChase(ctx, q).validate(set, sigs, 0); res.sec != Secure {
			b.Fatal(res.why)
		}
		t1 := time.Now()
		if err := sigs[0].Verify(w.zone.zsk, set); err != nil {
			b.Fatal(err)
		}
		ours, anchor = ours+t1.Sub(t0), anchor+time.Since(t1)
	}
	report(b, ours, anchor, "verify")
	b.ReportMetric(float64(q.count)/float64(b.N), "queries/op")
}

// BenchmarkLookupWarm measures a validated lookup with a warm cache
// against the in-process server on loopback: one round trip (queries/op)
// and the validation. Anchor: the same lookup in trust mode A (AD bit,
// nothing validated).
func BenchmarkLookupWarm(b *testing.B) {
	w := newWorld(b)
	w.srv.set(func(s *signServer) { s.setAD = true })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	validated, ad := w.validating(), w.adMode()
	for _, r := range []*Resolver{validated, ad} {
		if _, err := r.Lookup(ctx, "host.example.test"); err != nil {
			b.Fatal(err)
		}
	}
	var ours, anchor time.Duration
	var queries int64
	for b.Loop() {
		before := w.srv.queries.Load()
		t0 := time.Now()
		a, err := validated.Lookup(ctx, "host.example.test")
		if err != nil || a.Security != Secure {
			b.Fatal(err, a)
		}
		t1 := time.Now()
		queries += w.srv.queries.Load() - before
		if _, err := ad.Lookup(ctx, "host.example.test"); err != nil {
			b.Fatal(err)
		}
		ours, anchor = ours+t1.Sub(t0), anchor+time.Since(t1)
	}
	report(b, ours, anchor, "ad-lookup")
	b.ReportMetric(float64(queries)/float64(b.N), "queries/op")
}

func report(b *testing.B, ours, anchor time.Duration, name string) {
	n := float64(b.N)
	b.ReportMetric(float64(ours.Nanoseconds())/n, "ours-ns/op")
	b.ReportMetric(float64(anchor.Nanoseconds())/n, name+"-ns/op")
	b.ReportMetric(float64(ours)/float64(anchor), "x-"+name)
}
