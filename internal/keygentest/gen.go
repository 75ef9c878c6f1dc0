package keygentest

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// Generator returns gen, which writes a key pair with the real ssh-keygen:
// gen(name, args...) runs "ssh-keygen -q -f dir/name args..." (keygen is
// its path) and returns dir/name; the test fails if ssh-keygen does.
func Generator(t *testing.T, keygen, dir string) func(name string, args ...string) string {
	return func(name string, args ...string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		out, err := exec.Command(keygen, append([]string{"-q", "-f", path}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ssh-keygen -q -f %s %v: %v\n%s", path, args, err, out)
		}
		return path
	}
}
