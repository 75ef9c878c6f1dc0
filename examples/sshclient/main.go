// Command sshclient runs a command on an SSH server whose host key is
// checked by a hostkeys.Policy: the site's pin list and the user's
// known_hosts, any contradiction refused. It shows the two lines of
// ssh.ClientConfig that change:
//
//	HostKeyCallback:   policy.HostKeyCallback(),
//	HostKeyAlgorithms: policy.HostKeyAlgorithms(host, port),
//
// Usage:
//
//	go run ./examples/sshclient -pins approved.txt -known-hosts ~/.ssh/known_hosts \
//		-i ~/.ssh/id_ed25519 -l deploy host.example.com:22 uptime
//
// The exit status is the command's, 1 when the host key is refused, 2 on
// other errors.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys"
	"github.com/hostkeys/hostkeys/knownhosts"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sshclient", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var pinFiles, khFiles stringList
	fs.Var(&pinFiles, "pins", "pin list (repeatable)")
	fs.Var(&khFiles, "known-hosts", "known_hosts file (repeatable)")
	identity := fs.String("i", "", "private key file")
	user := fs.String("l", "", "user name")
	if err := fs.Parse(args); err != nil || fs.NArg() < 2 || *identity == "" || *user == "" {
		fmt.Fprintln(stderr, "usage: sshclient [-pins FILE]... [-known-hosts FILE]... -i KEY -l USER HOST:PORT COMMAND...")
		return 2
	}
	addr := fs.Arg(0)
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		host, portStr, addr = addr, "22", net.JoinHostPort(addr, "22")
	}
	port, _ := strconv.Atoi(portStr)

	policy := &hostkeys.Policy{}
	for _, name := range pinFiles {
		p, err := hostkeys.ParsePinsFile(name)
		if err != nil {
			fmt.Fprintln(stderr, "sshclient:", err)
			return 2
		}
		policy.Pins = append(policy.Pins, p)
	}
	for _, name := range khFiles {
		db, err := knownhosts.Open(name)
		if err != nil {
			fmt.Fprintln(stderr, "sshclient:", err)
			return 2
		}
		policy.KnownHosts = append(policy.KnownHosts, db)
	}
	keyData, err := os.ReadFile(*identity)
	if err != nil {
		fmt.Fprintln(stderr, "sshclient:", err)
		return 2
	}
	signer, err := ssh.ParsePrivateKey(keyData)
	if err != nil {
		fmt.Fprintln(stderr, "sshclient:", err)
		return 2
	}

	config := &ssh.ClientConfig{
		User:              *user,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback:   policy.HostKeyCallback(),
		HostKeyAlgorithms: policy.HostKeyAlgorithms(host, port),
		Timeout:           10 * time.Second,
	}
	client, err := ssh.Dial("tcp", addr, config)
	var ve *hostkeys.VerdictError
	if errors.As(err, &ve) {
		fmt.Fprintln(stderr, "sshclient: host key refused:", ve.Verdict.Reason)
		for _, e := range ve.Verdict.Evidence {
			fmt.Fprintf(stderr, "  %s: %s %s %s\n", e.Source, e.Status, e.Where, e.Detail)
		}
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "sshclient:", err)
		return 2
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		fmt.Fprintln(stderr, "sshclient:", err)
		return 2
	}
	defer session.Close()
	session.Stdout, session.Stderr = stdout, stderr
	err = session.Run(strings.Join(fs.Args()[1:], " "))
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		return ee.ExitStatus()
	}
	if err != nil {
		fmt.Fprintln(stderr, "sshclient:", err)
		return 2
	}
	return 0
}
