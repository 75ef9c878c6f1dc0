// Command vendorcheck compares a known_hosts file with the approved-hosts
// list (a pin list, as vendors publish fingerprints and admins keep them)
// and reports, host by host, every key the list does not approve and every
// pinned host the file has no approved key for.
//
//	go run ./examples/vendorcheck -pins approved.txt -f ~/.ssh/known_hosts
//
// A pin vouches only for the hosts its section or line names: a
// fingerprint pinned for github.com says nothing about a key recorded for
// evil.example.com. The names checked are the plain names of the file's
// entries and the literal names of the pin list (which also finds hashed
// entries). The exit status is 0 when every key is approved and every
// pinned host has an approved key, 1 otherwise, 2 on errors.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hostkeys/hostkeys"
	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/knownhosts"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vendorcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pinsFile := fs.String("pins", "", "the approved-hosts list")
	khFile := fs.String("f", "", "the known_hosts file to check")
	if err := fs.Parse(args); err != nil || *pinsFile == "" || *khFile == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: vendorcheck -pins PINS -f KNOWN_HOSTS")
		return 2
	}
	pins, err := hostkeys.ParsePinsFile(*pinsFile)
	if err != nil {
		fmt.Fprintln(stderr, "vendorcheck:", err)
		return 2
	}
	kh, err := knownhosts.ParseFile(*khFile)
	if err != nil {
		fmt.Fprintln(stderr, "vendorcheck:", err)
		return 2
	}
	for _, p := range kh.Problems() {
		fmt.Fprintln(stderr, "vendorcheck: warning:", p)
	}
	db := knownhosts.New(knownhosts.Options{}, kh)
	// Pins only, and they must confirm: the file is what is being checked.
	policy := &hostkeys.Policy{Pins: []*hostkeys.Pins{pins}, Require: []hostkeys.Requirement{{hostkeys.SourcePins}}}

	status := 0
	checked := map[int]bool{} // known_hosts lines looked at
	for _, name := range names(kh, pins) {
		approved := 0
		for _, e := range db.HostKeys(name) {
			if e.Marker != "" {
				continue
			}
			key, err := e.Key()
			if err != nil {
				continue
			}
			checked[e.Line] = true
			host, port := splitName(name)
			v := policy.Check(context.Background(), host, port, key)
			where := fmt.Sprintf("%s:%d", e.File, e.Line)
			fp := fingerprint.Of(key, fingerprint.SHA256)
			if v.Accepted() {
				approved++
				weak := ""
				if v.Weak() {
					weak = " (weak: MD5 pin)"
				}
				fmt.Fprintf(stdout, "ok         %s %s %s at %s%s\n", name, fingerprint.TypeLabel(key), fp, where, weak)
				continue
			}
			status = 1
			fmt.Fprintf(stdout, "UNAPPROVED %s %s %s at %s: %s\n", name, fingerprint.TypeLabel(key), fp, where, v.Reason)
		}
		if approved == 0 && len(pins.Lookup(splitName(name))) > 0 {
			status = 1
			fmt.Fprintf(stdout, "MISSING    %s: pinned, but no approved key in %s\n", name, *khFile)
		}
	}
	for _, e := range kh.Entries() {
		if e.Marker == "" && e.IsHashed() && !checked[e.Line] {
			fmt.Fprintf(stdout, "UNCHECKED  hashed entry at %s:%d: no pinned host name hashes to it\n", e.File, e.Line)
		}
	}
	return status
}

// names are the host names to check, in order: the plain names of the
// file's unmarked entries without wildcards, then the literal names of the
// pin list.
func names(kh *knownhosts.File, pins *hostkeys.Pins) []string {
	var out []string
	seen := map[string]bool{}
	add := func(pats []string) {
		for _, p := range pats {
			p = strings.ToLower(p)
			if p == "" || strings.ContainsAny(p, "*?!|") || seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, e := range kh.Entries() {
		if e.Marker == "" {
			add(e.Patterns())
		}
	}
	for _, p := range pins.All() {
		add(strings.Split(p.Hosts, ","))
	}
	return slices.Clip(out)
}

// splitName splits "host" or "[host]:port" (the form known_hosts and
// pins write) into host and port.
func splitName(name string) (string, int) {
	if strings.HasPrefix(name, "[") {
		if i := strings.LastIndex(name, "]:"); i > 0 {
			var port int
			if _, err := fmt.Sscanf(name[i+2:], "%d", &port); err == nil {
				return name[1:i], port
			}
		}
	}
	return name, 22
}
