// Package testpeer finds the real programs that tests use as peers and
// oracles (ssh-keygen, sshd, dropbear, nsd, unbound, ...).
//
// Locally a missing program skips the test with a message that says how to
// install it; in CI (CI=true) it fails the test, so that a CI run can never
// pass by skipping its real-peer tests.
package testpeer

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run in CI, where missing peers are fatal.
func InCI() bool { return os.Getenv("CI") == "true" }

// Binary returns the path of the named program, looking in PATH and in
// /usr/sbin and /usr/lib (where Debian puts sshd and friends). If it is
// missing, the test is skipped locally and fails in CI; debianPkg names the
// package that provides it.
func Binary(tb testing.TB, name, debianPkg string) string {
	tb.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/lib/openssh"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	msg := name + " not found; install it with: apt-get install " + debianPkg
	if InCI() {
		tb.Fatalf("testpeer: %s (CI=true: real peers are required)", msg)
	}
	tb.Skipf("testpeer: %s", msg)
	return ""
}
