package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hostkeys": main,
	})
}

// TestScript runs the CLI scripts in testdata/*.txt. Besides testscript's
// own commands they have:
//
//	exitcode N CMD ARGS...   run CMD and require exit status N exactly
//	need PROGRAM             fail without PROGRAM when CI=true; follow it with
//	                         [!exec:PROGRAM] skip, so that a local run skips
//	filter REGEXP IN OUT     write the lines of file IN that match REGEXP to
//	                         file OUT (to compare with one type of an oracle's
//	                         output)
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			env.Setenv("CI", os.Getenv("CI"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitcode,
			"need":     cmdNeed,
			"filter":   cmdFilter,
		},
	})
}

func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

func cmdNeed(ts *testscript.TestScript, neg bool, args []string) {
	for _, name := range args {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("CI") == "true" {
				ts.Fatalf("%s is required in CI", name)
			}
		}
	}
}

func cmdFilter(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: filter REGEXP IN OUT")
	}
	re, err := regexp.Compile(args[0])
	ts.Check(err)
	var out strings.Builder
	for _, line := range strings.SplitAfter(ts.ReadFile(args[1]), "\n") {
		if line != "" && re.MatchString(line) {
			out.WriteString(line)
		}
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(out.String()), 0o644))
}
