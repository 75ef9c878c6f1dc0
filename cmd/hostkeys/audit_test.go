package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAuditNoDefaultFiles: without --known-hosts and with none of ssh's
// files there, audit is a usage error.
func TestAuditNoDefaultFiles(t *testing.T) {
	for _, f := range []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"} {
		if _, err := os.Stat(f); err == nil {
			t.Skipf("this machine has %s", f)
		}
	}
	home := t.TempDir()
	var stdout, stderr bytes.Buffer
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}}
	assert.Equal(t, exitUsage, run(e, []string{"audit"}))
	assert.Empty(t, stdout.String())
	assert.Equal(t, "hostkeys: error: audit: none of ssh's known_hosts files exists\n"+
		"hostkeys: hint: name one with --known-hosts FILE\n", stderr.String())
}
