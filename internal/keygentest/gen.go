package keygentest

import (
	"bytes"
	"errors"
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

// Run runs the real ssh-keygen (keygen is its path) with args, with only
// env in its environment unless env is nil, and returns what it wrote on
// standard output and standard error and its exit status, the oracle's
// side of a differential test. The test fails if ssh-keygen cannot be
// run at all.
func Run(t *testing.T, keygen string, env []string, args ...string) (stdout, stderr []byte, code int) {
	t.Helper()
	cmd := exec.Command(keygen, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return o.Bytes(), e.Bytes(), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("ssh-keygen %v: %v", args, err)
	}
	return o.Bytes(), e.Bytes(), 0
}
