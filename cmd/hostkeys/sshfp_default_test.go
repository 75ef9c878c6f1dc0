package main

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/internal/testpeer"
)

// TestSSHFPDefaultHostKeys: without -f, hostkeys sshfp prints what
// ssh-keygen -r prints from this machine's host keys in /etc/ssh
// (sshfp.DefaultHostKeyFiles), or fails as it does when there are none.
func TestSSHFPDefaultHostKeys(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	for _, args := range [][]string{{"host.example.test"}, {"host.example.test.", "-g"}} {
		cmd := exec.Command(keygen, append([]string{"-r"}, args...)...)
		cmd.Env = []string{"LC_ALL=C", "HOME=/nonexistent"}
		want, err := cmd.Output()
		if _, ok := err.(*exec.ExitError); !ok {
			require.NoError(t, err)
		}
		out, errOut, code := runHostkeys(t, append([]string{"sshfp"}, args...)...)
		if err != nil {
			// "no keys found.": ssh-keygen's fatal, our usage error.
			assert.Equal(t, exitUsage, code, "ssh-keygen -r %v failed (%v); hostkeys printed %q", args, err, out)
			assert.Contains(t, errOut, "no keys found.")
			continue
		}
		assert.Equal(t, exitOK, code, "%v: %s", args, errOut)
		assert.Equal(t, string(want), out, "ssh-keygen -r %v", args)
		t.Logf("ssh-keygen -r %v: %d bytes of records", args, len(want))
	}
}
