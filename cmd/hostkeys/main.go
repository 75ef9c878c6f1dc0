// Command hostkeys verifies SSH host keys and audits known_hosts files.
//
// Subcommands mirror the OpenSSH tools they replace, with the same flag
// letters and, by default, the same output byte for byte:
//
//	hostkeys fingerprint [-E md5|sha1|sha256] [-v] [-f FILE]... [FILE]...   like ssh-keygen -l
//	hostkeys find [-l] [-q] [-H] [-E ...] -f FILE HOST                       like ssh-keygen -F
//	hostkeys hash -f FILE                                                    like ssh-keygen -H
//	hostkeys remove -f FILE HOST                                             like ssh-keygen -R
//	hostkeys scan [-46cDHqv] ... HOST...                                     like ssh-keyscan
//	hostkeys sshfp [-g] [-O hashalg=...] [-f KEYFILE]... NAME                like ssh-keygen -r
//
// Run "hostkeys help" for the list and "hostkeys help COMMAND" for a
// command's flags. Errors go to standard error as "hostkeys: error:
// COMMAND: ...", usage errors with a hint at "hostkeys COMMAND -h". Exit
// codes: 0 ok, 1 findings, mismatch or not found (as the OpenSSH tool
// mirrored), 2 usage or I/O error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// command is one subcommand. Each lives in its own file and registers
// itself from an init function.
type command struct {
	name    string
	summary string // one line for "hostkeys help"
	run     func(e *env, args []string) int
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// Exit codes shared by all subcommands.
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
)

// env is what a subcommand may touch of the outside world, so that tests
// run main in-process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func (e *env) errorf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "hostkeys: error: "+format+"\n", args...)
}

func (e *env) warnf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "hostkeys: warning: "+format+"\n", args...)
}

func (e *env) hintf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "hostkeys: hint: "+format+"\n", args...)
}

func main() {
	os.Exit(run(&env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
}

func run(e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		if len(args) > 1 && args[0] == "help" {
			return runHelp(e, args[1:])
		}
		usage(e.stdout)
		return exitOK
	case "version", "--version", "-version":
		fmt.Fprintln(e.stdout, "hostkeys", version())
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		if strings.HasPrefix(args[0], "-") {
			e.errorf("unknown flag %q", args[0])
		} else {
			e.errorf("unknown command %q", args[0])
		}
		e.hintf("run \"hostkeys help\" for the list of commands")
		return exitUsage
	}
	return c.run(e, args[1:])
}

// runHelp is "hostkeys help COMMAND": the command's own usage, which every
// command prints for -h.
func runHelp(e *env, args []string) int {
	if len(args) != 1 {
		e.errorf("help: want one COMMAND, got %d arguments", len(args))
		e.hintf("run \"hostkeys help\" for the list of commands")
		return exitUsage
	}
	c, ok := commands[args[0]]
	if !ok {
		e.errorf("help: unknown command %q", args[0])
		e.hintf("run \"hostkeys help\" for the list of commands")
		return exitUsage
	}
	return c.run(e, []string{"-h"})
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: hostkeys COMMAND [FLAGS] [ARGS]")
	fmt.Fprintln(w, "       hostkeys help [COMMAND]")
	fmt.Fprintln(w, "       hostkeys --version")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"hostkeys help COMMAND\" or \"hostkeys COMMAND -h\" for a command's flags.")
	fmt.Fprintln(w, "Errors are printed as \"hostkeys: error: COMMAND: ...\" on standard error.")
	fmt.Fprintln(w, "Exit status: 0 ok, 1 findings, mismatch or not found, 2 usage or I/O error.")
}

// Version is set at link time (-ldflags "-X main.Version=v1.2.3"); by default
// the module version from the build info is used.
var Version string

func version() string {
	if Version != "" {
		return Version
	}
	if v := buildVersion(); v != "" {
		return v
	}
	return "(devel)"
}

// joinQuoted is for messages that list remote-controlled names.
func joinQuoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// parseFlags parses args into fs. With -h or --help it prints usage on
// stdout; with a bad flag, the error and a hint at -h on stderr, as for
// every other usage error. ok false means the command ends with code.
func parseFlags(e *env, fs *flag.FlagSet, args []string, name, usage string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(e.stdout, usage)
		return exitOK, false
	}
	return usageError(e, name, "%v", err), false
}

// parseArgs is parseFlags for a command whose flags may also follow its
// other arguments, as OpenSSH's getopt allows ("find HOST -f FILE"); "--"
// ends the flags. It returns the arguments that are not flags.
func parseArgs(e *env, fs *flag.FlagSet, args []string, name, usage string) (rest []string, code int, ok bool) {
	for {
		if code, ok := parseFlags(e, fs, args, name, usage); !ok {
			return nil, code, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, 0, true
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), 0, true
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// usageError reports a usage error of command name the one way every
// command does: the error, then a hint at the command's -h; exit status 2.
func usageError(e *env, name, format string, args ...any) int {
	e.errorf("%s: "+format, append([]any{name}, args...)...)
	e.hintf("run \"hostkeys %s -h\" for the flags", name)
	return exitUsage
}

// hashFlag reads -E with fingerprint.ParseHash: md5, sha1 or sha256 in
// any case, as ssh-keygen does. ssh-keygen also takes sha384 and sha512,
// which hostkeys does not print.
func hashFlag(e *env, cmd, name string) (fingerprint.Hash, bool) {
	h, err := fingerprint.ParseHash(name)
	if err == nil {
		return h, true
	}
	e.errorf("%s: invalid hash algorithm %q", cmd, name)
	e.hintf("use -E sha256, -E md5 or -E sha1")
	return 0, false
}
