package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/hostkeys/hostkeys/knownhosts"
)

func init() {
	register(&command{
		name:    "remove",
		summary: "remove a host's entries from a known_hosts file (like ssh-keygen -R)",
		run:     runRemove,
	})
}

const removeUsage = `usage: hostkeys remove [-q] [-f FILE] HOST

Removes the entries for HOST from the known_hosts FILE (default
~/.ssh/known_hosts) exactly as ssh-keygen -R HOST -f FILE does: every
unmarked line that matches HOST goes, whole; @cert-authority and @revoked
lines stay. The old file is kept as FILE.old. A file with invalid lines is
not changed. FILE is rewritten in place, so it cannot be "-" (standard
input).

  -q   leave out the "# Host ... found" lines

Exit status: 0 on success or when HOST is not in the file (as ssh-keygen),
1 when the file has invalid lines, 2 on usage or I/O errors.
`

func runRemove(e *env, args []string) int {
	k := newKnownHostsFlags("remove")
	quiet := k.fs.Bool("q", false, "")
	if code, ok := k.parse(e, "remove", removeUsage, args); !ok {
		return code
	}
	if len(k.args) != 1 {
		e.errorf("remove: want exactly one HOST, got %d arguments", len(k.args))
		e.hintf("hostkeys remove -f FILE HOST, where HOST is a name or [name]:port")
		return exitUsage
	}
	if k.refuseStdin(e, "remove") {
		return exitUsage
	}
	host := k.args[0]
	if !knownHostsExists(e, "remove", k.file) {
		return exitUsage
	}
	// Edit reads the file under its lock and starts over if it changed
	// before the rename, so concurrent writers lose no update.
	var removed []int
	err := knownhosts.Edit(k.file, &knownhosts.SaveOptions{Backup: true}, func(f *knownhosts.File) error {
		var err error
		removed, err = f.Remove(host, nil)
		if err == nil && len(removed) == 0 {
			return errNoChange
		}
		return err
	})
	if errors.Is(err, errNoChange) {
		err = nil
	}
	if !*quiet {
		for _, n := range removed {
			fmt.Fprintf(e.stdout, "# Host %s found: line %d\n", host, n)
		}
	}
	var ife *knownhosts.InvalidFileError
	if errors.As(err, &ife) {
		for _, l := range ife.Lines {
			logit(e.stderr, "%s:%d: invalid line", k.file, l.Line)
		}
		logit(e.stderr, "%s is not a valid known_hosts file.", k.file)
		logit(e.stderr, "Not replacing existing known_hosts file because of errors")
		return exitFindings
	}
	if err != nil {
		e.errorf("remove: %v", err)
		return exitUsage
	}
	if len(removed) == 0 {
		logit(e.stderr, "Host %s not found in %s", host, k.file)
		hintHostPort(e, "remove", host)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "%s updated.\n", k.file)
	fmt.Fprintf(e.stdout, "Original contents retained as %s.old\n", k.file)
	return exitOK
}

// errNoChange ends a knownhosts.Edit that has nothing to write.
var errNoChange = errors.New("no change")

// knownHostsExists reports, as readKnownHosts would, a file that cannot be
// opened: knownhosts.Edit would make a missing file, and ssh-keygen -R
// and -H refuse one.
func knownHostsExists(e *env, cmd, name string) bool {
	fh, err := os.Open(name)
	if err != nil {
		e.errorf("%s: %v", cmd, err)
		return false
	}
	fh.Close()
	return true
}
