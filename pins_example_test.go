package hostkeys_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/hostkeys/hostkeys"
	"github.com/hostkeys/hostkeys/fingerprint"
)

func ExampleParsePins() {
	list := `# Approved host keys, as GitHub publishes them.
Host github.com
SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU (Ed25519)
`
	pins, err := hostkeys.ParsePins(strings.NewReader(list), "approved.txt")
	if err != nil {
		panic(err)
	}
	for _, pin := range pins.Lookup("github.com", 22) {
		fmt.Println(pin.Location(), pin)
	}
	fmt.Println(len(pins.Lookup("github.com", 443)), "pins on port 443")
	// Output:
	// approved.txt:3 SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU (ED25519)
	// 0 pins on port 443
}

func ExamplePolicy_Check() {
	pins, _ := hostkeys.ParsePins(strings.NewReader("Host github.com\nSHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU\n"), "approved.txt")
	key, _, _ := fingerprint.ParseKeyText("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
	policy := &hostkeys.Policy{Pins: []*hostkeys.Pins{pins}}

	v := policy.Check(context.Background(), "github.com", 22, key)
	fmt.Println(v.Decision, v.Rule, v.Reason)
	v = policy.Check(context.Background(), "gitlab.com", 22, key)
	fmt.Println(v.Decision, v.Rule, v.Reason)
	// Output:
	// accept confirmed confirmed by pins
	// reject unconfirmed no trusted source confirms the key; pins approved.txt: no pin for the host
}
