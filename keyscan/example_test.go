package keyscan_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hostkeys/hostkeys/keyscan"
	"golang.org/x/crypto/ssh"
)

func ExampleParseTarget() {
	for _, line := range []string{"web1.example", "[2001:db8::1]:2222", "192.0.2.10,192.0.2.11 web1,web1.example", "192.0.2.0/31"} {
		ts, err := keyscan.ParseTarget(line)
		if err != nil {
			fmt.Println(err)
			continue
		}
		for _, t := range ts {
			fmt.Printf("hosts %q port %d names %q\n", t.Hosts, t.Port, t.OutputNames())
		}
	}
	// Output:
	// hosts ["web1.example"] port 0 names ["web1.example"]
	// hosts ["2001:db8::1"] port 2222 names ["2001:db8::1"]
	// hosts ["192.0.2.10" "192.0.2.11"] port 0 names ["web1" "web1.example"]
	// hosts ["192.0.2.0"] port 0 names ["192.0.2.0"]
	// hosts ["192.0.2.1"] port 0 names ["192.0.2.1"]
}

func ExampleKnownHostsLines() {
	key, _, _, _, _ := ssh.ParseAuthorizedKey([]byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFa9jOwSV6I8pEKQ2CTzoyslAd4+WNNHbzrBtylGof5Y"))
	for _, l := range keyscan.KnownHostsLines([]string{"Web1", "web1.example"}, 22, key, false) {
		fmt.Println(l)
	}
	for _, l := range keyscan.KnownHostsLines([]string{"Web1", "web1.example"}, 2222, key, false) {
		fmt.Println(l)
	}
	// Output:
	// web1,web1.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFa9jOwSV6I8pEKQ2CTzoyslAd4+WNNHbzrBtylGof5Y
	// [web1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFa9jOwSV6I8pEKQ2CTzoyslAd4+WNNHbzrBtylGof5Y
	// [web1.example]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFa9jOwSV6I8pEKQ2CTzoyslAd4+WNNHbzrBtylGof5Y
}

// A scan of an inventory, streaming results. (Not run: it needs servers.)
func ExampleScanner_Scan() {
	targets, _ := keyscan.ParseTarget("web1.example,web1-backup.example web1")
	s := &keyscan.Scanner{Timeout: 5 * time.Second, KeyTypes: []keyscan.KeyType{keyscan.Ed25519}}
	s.Scan(context.Background(), targets, func(r *keyscan.Result) {
		for _, k := range r.Keys {
			for _, line := range keyscan.KnownHostsLines(r.Target.OutputNames(), r.Port, k.Key, true) {
				fmt.Println(line)
			}
		}
		for _, err := range r.Errors {
			fmt.Println("error:", err)
		}
	})
}

// Scanning through a jump host: the jump host's client dials, names are
// resolved on its side, and the deadline still holds although its
// connections have no deadlines of their own. (Not run: it needs servers.)
func ExampleScanner_jumpHost() {
	var jump *ssh.Client // from ssh.Dial("tcp", "bastion.example:22", config)
	s := &keyscan.Scanner{Dial: jump.DialContext}
	r := s.ScanTarget(context.Background(), keyscan.Target{Hosts: []string{"db1.internal"}})
	fmt.Println(len(r.Keys), r.Err())
}

// Scanning through a SOCKS5 proxy, such as "ssh -N -D 127.0.0.1:1080
// bastion.example": the proxy resolves the names. (Not run: it needs
// servers.)
func ExampleSOCKS5Dialer() {
	s := &keyscan.Scanner{Dial: keyscan.SOCKS5Dialer("127.0.0.1:1080", nil)}
	r := s.ScanTarget(context.Background(), keyscan.Target{Hosts: []string{"db1.internal"}})
	fmt.Println(len(r.Keys), r.Err())
}
