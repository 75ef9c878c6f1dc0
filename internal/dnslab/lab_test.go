package dnslab

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestLabStaysOnLoopback: whatever is asked, unbound sends its queries to
// 127.0.0.1 only, never to the root servers.
func TestLabStaysOnLoopback(t *testing.T) {
	unboundVerbosity = 4
	defer func() { unboundVerbosity = 1 }()
	l := Start(t, nil, Options{})
	c := &dns.Client{Timeout: 3 * time.Second}
	for _, q := range []struct {
		name string
		t    uint16
	}{{"example.test.", dns.TypeDS}, {"test.", dns.TypeDNSKEY}, {".", dns.TypeDNSKEY}, {"www.example.com.", dns.TypeA}, {"host.example.test.", dns.TypeSSHFP}} {
		m := new(dns.Msg)
		m.SetQuestion(q.name, q.t)
		m.SetEdns0(1232, true)
		m.CheckingDisabled = true
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _, err := c.ExchangeContext(ctx, m, l.Resolver)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
	}
	log, err := os.ReadFile(filepath.Join(l.Dir, "run", "unbound.log"))
	if err != nil {
		t.Fatal(err)
	}
	targets := regexp.MustCompile(`sending to target: <[^>]*> (\S+)#`).FindAllSubmatch(log, -1)
	if len(targets) == 0 {
		t.Fatalf("no 'sending to target' lines in the unbound log:\n%s", log)
	}
	for _, m := range targets {
		t.Logf("%s", m[0])
		if string(m[1]) != "127.0.0.1" {
			t.Errorf("unbound sent a query to %s", m[1])
		}
	}
}
