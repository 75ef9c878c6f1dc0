package hostkeys

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/knownhosts"
)

// maxFuzzAuditInput bounds FuzzAudit's three files together: the rules
// look at lines and pairs of lines, which a few kilobytes exercise, and
// larger inputs only slow the fuzzer down.
const maxFuzzAuditInput = 8 << 10

// FuzzAudit audits arbitrary known_hosts, pin-list and inventory files:
// Audit never panics, every finding names a rule and a line of the file
// it is about, and the three writers produce their formats.
func FuzzAudit(f *testing.F) {
	k1, k2 := edKey(1), edKey(2)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("examples", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		return string(b)
	}
	f.Add(read("fleet_known_hosts"), read("fleet_pins"), read("fleet_inventory"))
	f.Add("a.example "+k1+"\na.example "+k2+"\n@revoked * "+k1+"\n", "Host a.example\n"+k1+"\n", "a.example\n[a.example]:22\n")
	f.Add(knownhosts.HashHost("a.example")+" "+k1+"\n|1|x|y "+k2+"\n", "", "a.example\n\n# c\nb,c\n")
	f.Add("@cert-authority *,!x "+k1+"\n*.example.com "+k2+"\n", "@revoked "+k1+"\n", "")
	f.Fuzz(func(t *testing.T, kh, pins, inv string) {
		if len(kh)+len(pins)+len(inv) > maxFuzzAuditInput {
			t.Skip("input over the fuzz bound")
		}
		// The files are read from memory: writing temporary files made
		// the fuzzer ten times slower.
		const dir = "/fuzz"
		files := map[string]string{}
		name := func(base, text string) string {
			p := filepath.Join(dir, base)
			files[p] = text
			return p
		}
		opts := AuditOptions{KnownHosts: []string{name("known_hosts", kh)}, RequireHashed: true, Workers: 2}
		if pins != "" {
			opts.Pins = []string{name("pins", pins)}
		}
		if inv != "" {
			opts.Inventory = name("inventory", inv)
		}
		open := func(name string) (io.ReadCloser, error) {
			text, ok := files[name]
			if !ok {
				return nil, fs.ErrNotExist
			}
			return io.NopCloser(strings.NewReader(text)), nil
		}
		r, err := runAudit(context.Background(), opts, open)
		if err != nil {
			return // a pin list over its limits
		}
		lines := map[string]int{
			opts.KnownHosts[0]:              strings.Count(kh, "\n") + 1,
			filepath.Join(dir, "pins"):      strings.Count(pins, "\n") + 1,
			filepath.Join(dir, "inventory"): strings.Count(inv, "\n") + 1,
		}
		for _, fd := range r.Findings {
			if _, ok := ruleByID(fd.RuleID); !ok {
				t.Fatalf("unknown rule %q", fd.RuleID)
			}
			if n, ok := lines[fd.File]; !ok || fd.Line < 1 || fd.Line > n {
				t.Fatalf("finding at %s:%d, outside the files given: %+v", fd.File, fd.Line, fd)
			}
		}
		var b bytes.Buffer
		if err := r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		for _, write := range []func() error{
			func() error { return r.WriteJSON(&b) },
			func() error { return r.WriteSARIF(&b, SARIFOptions{BaseDir: dir}) },
		} {
			b.Reset()
			if err := write(); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(b.Bytes()) {
				t.Fatalf("invalid JSON:\n%s", b.Bytes())
			}
		}
	})
}
