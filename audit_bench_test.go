package hostkeys

import (
	"context"
	"io"
	"os"
	"testing"
)

// BenchmarkAudit audits the files bench/audit.sh generates:
//
//	HOSTKEYS_AUDIT_KH=kh HOSTKEYS_AUDIT_PINS=pins HOSTKEYS_AUDIT_INVENTORY=inv \
//	    go test -run XXX -bench Audit .
func BenchmarkAudit(b *testing.B) {
	kh := os.Getenv("HOSTKEYS_AUDIT_KH")
	if kh == "" {
		b.Skip("set HOSTKEYS_AUDIT_KH (and HOSTKEYS_AUDIT_PINS, HOSTKEYS_AUDIT_INVENTORY); see bench/audit.sh")
	}
	opts := AuditOptions{KnownHosts: []string{kh}, Inventory: os.Getenv("HOSTKEYS_AUDIT_INVENTORY")}
	if p := os.Getenv("HOSTKEYS_AUDIT_PINS"); p != "" {
		opts.Pins = []string{p}
	}
	for b.Loop() {
		r, err := Audit(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Stats.HMACs), "hmacs")
	}
}
