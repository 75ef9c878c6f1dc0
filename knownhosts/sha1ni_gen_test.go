package knownhosts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSHA1NIGenerated checks that sha1ni_amd64.s is what its generator
// writes, so that neither is edited without the other.
func TestSHA1NIGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs internal/gensha1ni")
	}
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to run internal/gensha1ni")
	}
	out := filepath.Join(t.TempDir(), "sha1ni_amd64.s")
	cmd := exec.Command(gotool, "run", "./internal/gensha1ni", "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/gensha1ni: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("sha1ni_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("sha1ni_amd64.s differs from the output of internal/gensha1ni: run go generate in knownhosts")
	}
}
