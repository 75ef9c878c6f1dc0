package knownhosts_test

import (
	"fmt"
	"strings"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/knownhosts"
)

const exampleFile = `# office
git.example.net,192.0.2.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx
*.example.org,!bad.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINnfSlU05sM7V+HDaawHusZiFV4UG1NBzxs8jHFJyPMV
@cert-authority *.corp.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBrFhnjf1jZXXypfRQvk7hes38SCXNCAOpJu88ZPAHGE
this line is broken
`

// Checking a key as ssh would, and telling unknown hosts from changed keys.
func ExampleDB_Check() {
	f, _ := knownhosts.Parse(strings.NewReader(exampleFile), "known_hosts")
	db := knownhosts.New(knownhosts.Options{}, f)

	key, _, _ := fingerprint.ParseKeyText("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx")
	fmt.Println(db.Check("GIT.example.net", key))      // names are case-insensitive
	fmt.Println(db.Check("git.example.net:2222", key)) // falls back to the entry without a port
	fmt.Println(knownhosts.IsHostKeyChanged(db.Check("www.example.org", key)))
	fmt.Println(knownhosts.IsHostUnknown(db.Check("bad.example.org", key)))
	// Output:
	// <nil>
	// <nil>
	// true
	// true
}

// Every line is kept, invalid ones with the reason.
func ExampleParse() {
	f, _ := knownhosts.Parse(strings.NewReader(exampleFile), "known_hosts")
	for _, l := range f.Lines {
		fmt.Println(l.Num, l.Kind)
	}
	for _, p := range f.Problems() {
		fmt.Println(p)
	}
	fmt.Println(string(f.Bytes()) == exampleFile)
	// Output:
	// 1 comment
	// 2 entry
	// 3 entry
	// 4 entry
	// 5 invalid
	// knownhosts: known_hosts:5: unknown key type "line"
	// true
}

// Removing a host as ssh-keygen -R does.
func ExampleFile_Remove() {
	f, _ := knownhosts.Parse(strings.NewReader(exampleFile), "known_hosts")
	removed, err := f.Remove("192.0.2.10", nil)
	fmt.Println(removed, err)
	removed, err = f.Remove("192.0.2.10", &knownhosts.EditOptions{KeepInvalid: true})
	fmt.Println(removed, err)
	// Output:
	// [2] knownhosts: known_hosts is not a valid known_hosts file: 1 invalid line; line 5: unknown key type "line"
	// [2] <nil>
}

// The algorithms to offer for a host, in the order ssh would offer them.
func ExampleDB_HostKeyAlgorithms() {
	f, _ := knownhosts.Parse(strings.NewReader(exampleFile), "known_hosts")
	db := knownhosts.New(knownhosts.Options{}, f)
	fmt.Println(db.HostKeyAlgorithms("x.corp.example")[:2])
	// Output:
	// [ssh-ed25519-cert-v01@openssh.com ecdsa-sha2-nistp256-cert-v01@openssh.com]
}

// Explaining a rejected key in words, with where the known key is.
func ExampleDB_Explain() {
	f, _ := knownhosts.Parse(strings.NewReader(exampleFile), "known_hosts")
	db := knownhosts.New(knownhosts.Options{}, f)

	key, _, _ := fingerprint.ParseKeyText("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx")
	err := db.Check("www.example.org:22", key)
	p := db.Explain("www.example.org:22", key, err)
	fmt.Println(p.Summary())
	fmt.Println(p.Hints()[0])
	// Output:
	// host key changed: it offered ED25519 key SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw, but known_hosts:3 holds another key for www.example.org; someone may be intercepting the connection
	// if the host's key was replaced on purpose (check SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw with its administrator), remove the old key with: ssh-keygen -f known_hosts -R 'www.example.org'
}

// Recording a host under the name a HostKeyCallback receives: Add writes
// it as ssh does.
func ExampleFile_Add() {
	f, _ := knownhosts.Parse(strings.NewReader(""), "known_hosts")
	key, _, _ := fingerprint.ParseKeyText("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx")
	fmt.Println(f.Add([]string{"Git.Example.net:2222", "192.0.2.10:2222"}, key, nil))
	fmt.Println(f.Add([]string{"[2001:db8::1]:22"}, key, nil))
	fmt.Println(f.Add([]string{"git.example.net:ssh"}, key, nil))
	fmt.Print(string(f.Bytes()))
	// Output:
	// <nil>
	// <nil>
	// knownhosts: cannot add host name "git.example.net:ssh": invalid port "ssh"
	// [git.example.net]:2222,[192.0.2.10]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx
	// 2001:db8::1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx
}
