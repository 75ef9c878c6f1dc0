package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestEveryCommandHelpAndUsageError holds every registered command,
// including ones added later, to the same rules: "hostkeys help NAME",
// "NAME -h" and "NAME --help" print NAME's usage on stdout and exit 0; an
// unknown flag is "hostkeys: error: NAME: ..." and a hint at "hostkeys
// NAME -h" on stderr, nothing on stdout, exit 2.
func TestEveryCommandHelpAndUsageError(t *testing.T) {
	runCLI := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
		return run(e, args), stdout.String(), stderr.String()
	}
	for name := range commands {
		t.Run(name, func(t *testing.T) {
			for _, args := range [][]string{{"help", name}, {name, "-h"}, {name, "--help"}} {
				code, stdout, stderr := runCLI(args...)
				assert.Equal(t, exitOK, code, "%v", args)
				assert.True(t, strings.HasPrefix(stdout, "usage: hostkeys "+name+" "), "%v prints %q", args, stdout)
				assert.Empty(t, stderr, "%v", args)
			}
			code, stdout, stderr := runCLI(name, "--no-such-flag", "x")
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if assert.Len(t, lines, 2, "%q", stderr) {
				assert.True(t, strings.HasPrefix(lines[0], "hostkeys: error: "+name+": "), "%q", lines[0])
				assert.Contains(t, lines[0], "no-such-flag")
				assert.Equal(t, `hostkeys: hint: run "hostkeys `+name+` -h" for the flags`, lines[1])
			}
		})
	}
	code, stdout, _ := runCLI("help")
	assert.Equal(t, exitOK, code)
	for name := range commands {
		assert.Contains(t, stdout, "\n  "+name+" ", "help lists %s", name)
	}
	assert.Contains(t, stdout, "hostkeys --version")
}
