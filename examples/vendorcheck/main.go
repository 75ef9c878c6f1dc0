// Command vendorcheck compares the host key fingerprints a vendor publishes
// (in whatever form the vendor's page uses) with the keys of a known_hosts
// file, and says which published fingerprints no key in the file has.
//
//	go run ./examples/vendorcheck -published fingerprints.txt -f ~/.ssh/known_hosts
//
// The published file holds one fingerprint per line, as pasted from a web
// page: "SHA256:...", "MD5:...", bare colon-separated MD5, hex or base64,
// optionally followed by a key type label such as "(RSA)"; blank lines and
// # comments are ignored. The exit status is 0 when every published
// fingerprint matches a key, 1 when one does not, 2 on errors.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hostkeys/hostkeys/fingerprint"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vendorcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	published := fs.String("published", "", "file of published fingerprints")
	knownHosts := fs.String("f", "", "known_hosts (or authorized_keys, or .pub) file")
	if err := fs.Parse(args); err != nil || *published == "" || *knownHosts == "" {
		fmt.Fprintln(stderr, "usage: vendorcheck -published FILE -f KNOWN_HOSTS")
		return 2
	}
	pins, err := readPublished(*published)
	if err != nil {
		fmt.Fprintln(stderr, "vendorcheck:", err)
		return 2
	}
	f, err := os.Open(*knownHosts)
	if err != nil {
		fmt.Fprintln(stderr, "vendorcheck:", err)
		return 2
	}
	defer f.Close()
	kf, err := fingerprint.ReadKeys(f, *knownHosts)
	if err != nil {
		fmt.Fprintln(stderr, "vendorcheck:", err)
		return 2
	}
	for _, bad := range kf.Invalid {
		fmt.Fprintln(stderr, "vendorcheck: warning:", bad)
	}

	status := 0
	for _, pin := range pins {
		var where []string
		for _, k := range kf.Keys {
			if k.Marker == "" && pin.fp.Matches(k.Key) {
				where = append(where, fmt.Sprintf("%s:%d %s", *knownHosts, k.Line, k.Prefix))
			}
		}
		if len(where) == 0 {
			fmt.Fprintf(stdout, "MISSING %s (line %d of %s): no key in %s has it\n", pin.text, pin.line, *published, *knownHosts)
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "ok      %s: %s\n", pin.text, strings.Join(where, "; "))
	}
	return status
}

type pin struct {
	fp   fingerprint.Fingerprint
	text string
	line int
}

func readPublished(name string) ([]pin, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pins []pin
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fp, err := fingerprint.Parse(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		pins = append(pins, pin{fp: fp, text: line, line: n})
	}
	return pins, sc.Err()
}
