package main

import (
	"errors"
	"fmt"
	"sort"

	"github.com/hostkeys/hostkeys/knownhosts"
)

func init() {
	register(&command{
		name:    "hash",
		summary: "hash the host names of a known_hosts file (like ssh-keygen -H)",
		run:     runHash,
	})
}

const hashUsage = `usage: hostkeys hash [-f FILE]

Hashes the host names in the known_hosts FILE (default ~/.ssh/known_hosts)
exactly as ssh-keygen -H -f FILE does: every plain entry becomes one hashed
line per name; hashed, wildcard and marker lines, comments and blank lines
are kept. The old file is kept as FILE.old. A file with invalid lines is not
changed. FILE is rewritten in place, so it cannot be "-" (standard input).

Exit status: 0 on success, 1 when the file has invalid lines, 2 on usage or
I/O errors.
`

func runHash(e *env, args []string) int {
	k := newKnownHostsFlags("hash")
	if code, ok := k.parse(e, "hash", hashUsage, args); !ok {
		return code
	}
	if len(k.args) != 0 {
		return usageError(e, "hash", "unexpected arguments %s", joinQuoted(k.args))
	}
	if k.refuseStdin(e, "hash") {
		return exitUsage
	}
	if !knownHostsExists(e, "hash", k.file) {
		return exitUsage
	}
	// Edit reads the file under its lock and starts over if it changed
	// before the rename, so concurrent writers lose no update.
	var res *knownhosts.HashResult
	err := knownhosts.Edit(k.file, &knownhosts.SaveOptions{Backup: true}, func(f *knownhosts.File) error {
		var err error
		res, err = f.Hash(nil)
		return err
	})
	if res == nil { // the file could not be read
		e.errorf("hash: %v", err)
		return exitUsage
	}
	// ssh-keygen reports wildcard and invalid lines in file order.
	type note struct {
		line int
		msg  string
	}
	var notes []note
	for _, en := range res.Wildcard {
		hosts := en.Hosts
		if len(hosts) > 64 {
			hosts = hosts[:64]
		}
		notes = append(notes, note{en.Line, fmt.Sprintf("%s:%d: ignoring host name with wildcard: %s", k.file, en.Line, hosts)})
	}
	for _, l := range res.Invalid {
		notes = append(notes, note{l.Line, fmt.Sprintf("%s:%d: invalid line", k.file, l.Line)})
	}
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].line < notes[j].line })
	for _, n := range notes {
		logit(e.stderr, "%s", n.msg)
	}
	var ife *knownhosts.InvalidFileError
	if errors.As(err, &ife) {
		logit(e.stderr, "%s is not a valid known_hosts file.", k.file)
		logit(e.stderr, "Not replacing existing known_hosts file because of errors")
		return exitFindings
	}
	if err != nil {
		e.errorf("hash: %v", err)
		return exitUsage
	}
	fmt.Fprintf(e.stdout, "%s updated.\n", k.file)
	fmt.Fprintf(e.stdout, "Original contents retained as %s.old\n", k.file)
	if res.Hashed > 0 {
		logit(e.stderr, "WARNING: %s.old contains unhashed entries", k.file)
		logit(e.stderr, "Delete this file to ensure privacy of hostnames")
	}
	return exitOK
}
