package sshkey

import (
	"strings"
	"testing"
)

// TestKnownTextTypeBytes: the byte-slice form agrees with KnownTextType on
// every type name and on look-alikes, and never allocates.
func TestKnownTextTypeBytes(t *testing.T) {
	names := []string{"", "s", "ssh-rsa ", "SSH-RSA", "ECDSA", "rsa", "|1|mpyJOQJIkuMkSDUfwfni1SBESWw=|2Rt4zn8UwtwHCUNX9K6erS1x4c0=",
		"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com-and-then-some", "example.com", "webauthn"}
	for n := range canonicalType {
		names = append(names, n, n+"x", strings.ToUpper(n))
	}
	for n := range certBase {
		names = append(names, n, n[:len(n)-1])
	}
	for _, n := range names {
		b := []byte(n)
		if got, want := KnownTextTypeBytes(b), KnownTextType(n); got != want {
			t.Errorf("KnownTextTypeBytes(%q) = %v, KnownTextType = %v", n, got, want)
		}
		if a := testing.AllocsPerRun(20, func() { KnownTextTypeBytes(b) }); a != 0 {
			t.Errorf("KnownTextTypeBytes(%q): %v allocations", n, a)
		}
	}
}
