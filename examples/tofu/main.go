// Command tofu connects to an SSH server and checks its host key against a
// known_hosts file, as ssh does. When the host is not known yet, it shows
// the key's fingerprint and asks whether to trust it; on "yes" it records
// the key, as ssh with StrictHostKeyChecking=ask does. This is trust on
// first use: it is only as safe as the check of the fingerprint against
// one obtained another way (the host's administrator, its console, DNS
// with DNSSEC).
//
//	go run ./examples/tofu -f ~/.ssh/known_hosts host.example.com:22
//
// A key that differs from the recorded one, or a revoked key, is refused
// with an explanation and never offered for trust. A host that presents a
// host certificate is recorded with the plain key it certifies, as ssh
// records it. The file is saved atomically, under a lock, so concurrent
// runs never lose each other's lines; a file that does not exist yet is
// created.
//
// The example stops after the host key check: it offers no credentials,
// so the server's refusal to log it in is expected. A real client adds
// its ssh.ClientConfig.Auth and goes on with the ssh.Client.
//
// The exit status is 0 when the host key is known (or was accepted), 1
// when it is refused, 2 on errors.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/knownhosts"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tofu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("f", "", "known_hosts `file` to check and add to")
	timeout := fs.Duration("T", 10*time.Second, "connection `timeout`")
	if err := fs.Parse(args); err != nil || *file == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: tofu -f KNOWN_HOSTS HOST[:PORT]")
		return 2
	}
	addr := fs.Arg(0)
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "22")
	}

	offered, err := connect(*file, addr, *timeout)
	if err == nil {
		fmt.Fprintf(stdout, "host key of %s verified: %s\n", addr, describe(offered))
		return 0
	}
	db, dbErr := openDB(*file)
	if dbErr != nil {
		fmt.Fprintln(stderr, "tofu:", dbErr)
		return 2
	}
	problem := db.Explain(addr, offered, err)
	if problem == nil { // not a host key error: the network, the protocol
		fmt.Fprintln(stderr, "tofu:", err)
		return 2
	}
	if !knownhosts.IsHostUnknown(err) {
		// A changed or revoked key is never a question for the user.
		fmt.Fprintln(stderr, "tofu:", problem.Summary())
		for _, h := range problem.Hints() {
			fmt.Fprintln(stderr, "tofu: hint:", h)
		}
		return 1
	}

	fmt.Fprintf(stdout, "The authenticity of host %q can't be established.\n", addr)
	fmt.Fprintf(stdout, "%s key fingerprint is %s.\n", fingerprint.TypeLabel(problem.Key), fingerprint.Of(problem.Key, fingerprint.SHA256))
	fmt.Fprint(stdout, "Are you sure you want to continue connecting (yes/no)? ")
	answer, _ := bufio.NewReader(stdin).ReadString('\n')
	fmt.Fprintln(stdout)
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
	default:
		fmt.Fprintln(stderr, "tofu: host key verification failed: not trusted")
		return 1
	}

	// Record the key under the name the callback got ("host:port"; Add
	// writes it as ssh does). Edit reads, changes and saves the file under
	// its lock; another run may have added the host meanwhile.
	err = knownhosts.Edit(*file, nil, func(f *knownhosts.File) error {
		if len(knownhosts.New(knownhosts.Options{}, f).HostKeys(addr)) > 0 {
			return nil
		}
		return f.Add([]string{addr}, offered, nil)
	})
	if err != nil {
		fmt.Fprintln(stderr, "tofu:", err)
		return 2
	}
	fmt.Fprintf(stdout, "Permanently added %s (%s) to %s.\n", problem.Name, fingerprint.TypeLabel(problem.Key), *file)

	// The next connection is checked against the file, as every later one.
	if _, err := connect(*file, addr, *timeout); err != nil {
		fmt.Fprintln(stderr, "tofu:", err)
		return 1
	}
	fmt.Fprintf(stdout, "host key of %s verified: %s\n", addr, describe(offered))
	return 0
}

// openDB reads the known_hosts file; one that does not exist yet holds
// no keys.
func openDB(file string) (*knownhosts.DB, error) {
	return knownhosts.OpenOptions(knownhosts.Options{SkipMissing: true}, file)
}

// connect makes an SSH connection to addr with its host key checked
// against file, and returns the key the server offered. It offers no
// credentials: once the host key is accepted, the server's refusal to
// log in is success here.
func connect(file, addr string, timeout time.Duration) (ssh.PublicKey, error) {
	db, err := openDB(file)
	if err != nil {
		return nil, err
	}
	var offered ssh.PublicKey
	accepted := false
	check := db.HostKeyCallback()
	config := &ssh.ClientConfig{
		User: "tofu",
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			offered = key
			err := check(hostname, remote, key)
			accepted = err == nil
			return err
		},
		// The algorithms of the keys known for the host first, so that the
		// server presents one of them (as ssh orders them).
		HostKeyAlgorithms: db.HostKeyAlgorithms(addr),
		Timeout:           timeout,
	}
	client, err := ssh.Dial("tcp", addr, config)
	if client != nil {
		client.Close()
	}
	if accepted {
		return offered, nil
	}
	if err == nil {
		err = errors.New("connected without a host key check")
	}
	return offered, err
}

func describe(key ssh.PublicKey) string {
	if c, ok := key.(*ssh.Certificate); ok {
		return "certificate of " + fingerprint.TypeLabel(c.Key) + " key " + fingerprint.Of(c.Key, fingerprint.SHA256).String() + " signed by " + fingerprint.Of(c.SignatureKey, fingerprint.SHA256).String()
	}
	return fingerprint.TypeLabel(key) + " key " + fingerprint.Of(key, fingerprint.SHA256).String()
}
