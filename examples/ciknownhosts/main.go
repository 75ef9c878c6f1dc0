// Command ciknownhosts is the CI step that replaces
//
//	ssh-keyscan host >> ~/.ssh/known_hosts
//
// with one that trusts only the keys a pin list in the repository approves:
// it scans each host, keeps the keys the pins confirm, and writes them to a
// known_hosts file, or writes nothing and fails when any host has none.
//
//	go run ./examples/ciknownhosts -pins .ssh-pins -o ~/.ssh/known_hosts git.example.com
//
// The exit status is 0 when every host has an approved key (and the file
// was written), 1 when one has none (the file is left as it was), 2 on
// errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hostkeys/hostkeys"
	"github.com/hostkeys/hostkeys/keyscan"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ciknownhosts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pinsFile := fs.String("pins", "", "the pin list")
	out := fs.String("o", "", "the known_hosts file to append to")
	hash := fs.Bool("H", false, "hash host names")
	if err := fs.Parse(args); err != nil || *pinsFile == "" || *out == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: ciknownhosts -pins FILE -o KNOWN_HOSTS [-H] HOST[:PORT]...")
		return 2
	}
	pins, err := hostkeys.ParsePinsFile(*pinsFile)
	if err != nil {
		fmt.Fprintln(stderr, "ciknownhosts:", err)
		return 2
	}
	var targets []keyscan.Target
	for _, a := range fs.Args() {
		ts, err := keyscan.ParseTarget(a)
		if err != nil {
			fmt.Fprintln(stderr, "ciknownhosts:", err)
			return 2
		}
		targets = append(targets, ts...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	report, err := hostkeys.Verify(ctx, targets, hostkeys.VerifyOptions{
		// Only the pins may confirm a key.
		Policy:  &hostkeys.Policy{Pins: []*hostkeys.Pins{pins}, Require: []hostkeys.Requirement{{hostkeys.SourcePins}}},
		Scanner: &keyscan.Scanner{Timeout: 10 * time.Second},
	})
	if err != nil {
		fmt.Fprintln(stderr, "ciknownhosts:", err)
		return 1
	}
	for _, h := range report.Hosts {
		if h.Err != nil {
			fmt.Fprintln(stderr, "ciknownhosts:", h.Err)
		}
	}
	n, err := report.WriteKnownHosts(*out, hostkeys.WriteOptions{Hash: *hash})
	if errors.Is(err, hostkeys.ErrNotVerified) {
		fmt.Fprintln(stderr, "ciknownhosts:", *out, "not written")
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "ciknownhosts:", err)
		return 2
	}
	fmt.Fprintf(stdout, "%d approved key(s) added to %s\n", n, *out)
	return 0
}
