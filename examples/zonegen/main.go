// Command zonegen turns a pin list and a scan into SSHFP records for a DNS
// zone: it scans each host, keeps only the keys the pin list approves, and
// prints their SSHFP records as ssh-keygen -r does, so that what DNS
// publishes is what the admins approved, not whatever answered the scan.
//
//	go run ./examples/zonegen -pins approved.txt web1.example.com 192.0.2.10,192.0.2.11 db.example.com
//
// Each target may be "addrlist namelist" as for ssh-keyscan: the addresses
// are scanned, the names pinned and written. Names that are IP addresses
// get no records. The exit status is 0 when every host has an approved
// key, 1 when one has none (its records are then not printed), 2 on errors.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/hostkeys/hostkeys"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/sshfp"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zonegen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pinsFile := fs.String("pins", "", "the pin list")
	if err := fs.Parse(args); err != nil || *pinsFile == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: zonegen -pins FILE TARGET...")
		return 2
	}
	pins, err := hostkeys.ParsePinsFile(*pinsFile)
	if err != nil {
		fmt.Fprintln(stderr, "zonegen:", err)
		return 2
	}
	var targets []keyscan.Target
	for _, a := range fs.Args() {
		ts, err := keyscan.ParseTarget(a)
		if err != nil {
			fmt.Fprintln(stderr, "zonegen:", err)
			return 2
		}
		targets = append(targets, ts...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	report, err := hostkeys.Verify(ctx, targets, hostkeys.VerifyOptions{
		Policy:  &hostkeys.Policy{Pins: []*hostkeys.Pins{pins}, Require: []hostkeys.Requirement{{hostkeys.SourcePins}}},
		Scanner: &keyscan.Scanner{Timeout: 10 * time.Second},
	})
	if err != nil {
		fmt.Fprintln(stderr, "zonegen:", err)
		return 1
	}
	status := 0
	for _, h := range report.Hosts {
		if h.Err != nil {
			fmt.Fprintln(stderr, "zonegen:", h.Err)
			status = 1
			continue
		}
		for _, k := range h.Keys {
			for _, v := range k.Verdicts {
				if !v.Accepted() {
					continue
				}
				if _, err := netip.ParseAddr(v.Host); err == nil {
					continue // SSHFP is for names
				}
				rrs, err := sshfp.ForKey(strings.TrimSuffix(v.Host, ".")+".", k.Key.Key)
				if err != nil {
					fmt.Fprintf(stderr, "zonegen: %s: %v\n", v.Host, err)
					continue
				}
				for _, rr := range rrs {
					fmt.Fprintln(stdout, rr)
				}
			}
		}
	}
	return status
}
