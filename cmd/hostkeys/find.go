package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/mprintf"
	"github.com/hostkeys/hostkeys/knownhosts"
)

func init() {
	register(&command{
		name:    "find",
		summary: "find a host's entries in a known_hosts file (like ssh-keygen -F)",
		run:     runFind,
	})
}

const findUsage = `usage: hostkeys find [-l] [-q] [-H] [-E md5|sha1|sha256] [--json] [-f FILE] HOST

Prints the lines of the known_hosts FILE (default ~/.ssh/known_hosts; "-"
is standard input) that match HOST, exactly as ssh-keygen -F HOST -f FILE
does: HOST is a name or "[name]:port", matched as ssh matches it (patterns,
negation, hashed names).

  -f FILE   the known_hosts file
  -l        print fingerprints instead of lines (ssh-keygen -lF)
  -H        print the matching lines with their names hashed, as
            ssh-keygen -H would write them (ssh-keygen -HF): one line per
            name; hashed, wildcard and marker lines as they are (not with -l)
  -q        leave out the "# Host ... found" header lines
  -E HASH   fingerprint hash for -l: sha256 (default), md5 or sha1
  --json    print a JSON document instead (see README, "JSON output")

Exit status: 0 when HOST was found, 1 when not, 2 on usage or I/O errors.
`

// knownHostsFlags parses the flags shared by find, hash and remove.
type knownHostsFlags struct {
	fs   *flag.FlagSet
	file string
	args []string // the arguments that are not flags
}

func newKnownHostsFlags(name string) *knownHostsFlags {
	k := &knownHostsFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	k.fs.SetOutput(io.Discard)
	k.fs.StringVar(&k.file, "f", "", "")
	return k
}

// parse parses args, flags before or after the other arguments (as
// ssh-keygen's getopt allows); ok is false when the command should exit
// with code.
func (k *knownHostsFlags) parse(e *env, name, usage string, args []string) (code int, ok bool) {
	if k.args, code, ok = parseArgs(e, k.fs, args, name, usage); !ok {
		return code, false
	}
	if k.file == "" {
		home := e.getenv("HOME")
		if home == "" {
			e.errorf("%s: no file given and $HOME is not set", name)
			e.hintf("name the known_hosts file with -f FILE")
			return exitUsage, false
		}
		k.file = home + "/.ssh/known_hosts"
	}
	return 0, true
}

// refuseStdin is for hash and remove, which rewrite their file in place:
// standard input cannot be rewritten.
func (k *knownHostsFlags) refuseStdin(e *env, name string) bool {
	if k.file != "-" {
		return false
	}
	e.errorf("%s: cannot rewrite standard input (-f -): %s edits a known_hosts file in place", name, name)
	e.hintf("name the file with -f FILE; FILE.old keeps the original")
	return true
}

// readKnownHosts reads the file for find; "-" is standard input (hash
// and remove edit theirs with knownhosts.Edit). A missing file is our I/O
// error (ssh-keygen says "Cannot stat" and exits 255).
func readKnownHosts(e *env, name string) (*knownhosts.File, bool) {
	var f *knownhosts.File
	var err error
	if name == "-" {
		f, err = knownhosts.Parse(e.stdin, displayName(name))
	} else {
		f, err = knownhosts.ParseFile(name)
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		e.errorf("find: %v", pe) // "open FILE: REASON" says it all
		return nil, false
	}
	if err != nil {
		e.errorf("find: %v", err)
		return nil, false
	}
	return f, true
}

// hintHostPort follows a search for host that found nothing: a
// "host:port" argument is not how known_hosts names a port (OpenSSH
// writes "[host]:port", and the host alone for port 22), so it can never
// match; say what would.
func hintHostPort(e *env, cmd, host string) {
	h, p, ok := strings.Cut(host, ":")
	if !ok || h == "" || strings.ContainsAny(h, "[]:") || strings.ContainsAny(p, ":") {
		return
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 || strconv.Itoa(port) != p {
		return
	}
	if port == 22 {
		e.hintf("known_hosts names a host on port 22 without the port: try hostkeys %s %q", cmd, h)
		return
	}
	e.hintf("known_hosts names a host on port %d as \"[host]:%d\": try hostkeys %s %q", port, port, cmd, knownhosts.HostPort(h, port))
}

// logit writes a message as ssh-keygen's logit does on standard error:
// unsafe bytes escaped as \ooo and the line ended with "\r\n".
func logit(w io.Writer, format string, args ...any) {
	mprintf.Logit(w, fmt.Sprintf(format, args...))
}

// cLine is the line as OpenSSH sees it: up to the first NUL.
func cLine(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

type findJSON struct {
	Host    string          `json:"host"`
	File    string          `json:"file"`
	Found   bool            `json:"found"`
	Entries []findEntryJSON `json:"entries"`
}

type findEntryJSON struct {
	Line        int      `json:"line"`
	Marker      string   `json:"marker,omitempty"`
	Hosts       string   `json:"hosts"`
	Hashed      bool     `json:"hashed"`
	KeyType     string   `json:"key_type"`
	Fingerprint string   `json:"fingerprint,omitempty"`
	Comment     string   `json:"comment,omitempty"`
	KeyError    string   `json:"key_error,omitempty"`
	Text        string   `json:"text"`
	HashedText  []string `json:"hashed_text,omitempty"` // with -H
}

func runFind(e *env, args []string) int {
	k := newKnownHostsFlags("find")
	list := k.fs.Bool("l", false, "")
	quiet := k.fs.Bool("q", false, "")
	hashNames := k.fs.Bool("H", false, "")
	hashName := k.fs.String("E", "sha256", "")
	asJSON := k.fs.Bool("json", false, "")
	if code, ok := k.parse(e, "find", findUsage, args); !ok {
		return code
	}
	if len(k.args) != 1 {
		e.errorf("find: want exactly one HOST, got %d arguments", len(k.args))
		e.hintf("hostkeys find -f FILE HOST, where HOST is a name or [name]:port")
		return exitUsage
	}
	if *list && *hashNames {
		return usageError(e, "find", "-l and -H do not go together (as in ssh-keygen)")
	}
	host := k.args[0]
	h, ok := hashFlag(e, "find", *hashName)
	if !ok {
		return exitUsage
	}
	f, ok := readKnownHosts(e, k.file)
	if !ok {
		return exitUsage
	}
	entries := f.Lookup(host)
	if *asJSON {
		doc := findJSON{Host: host, File: f.Name, Entries: []findEntryJSON{}}
		for _, en := range entries {
			text := f.Lines[en.Line-1].Text
			j := findEntryJSON{Line: en.Line, Marker: string(en.Marker), Hosts: en.Hosts, Hashed: en.IsHashed(), KeyType: en.KeyType(), Text: text}
			if key, err := en.Key(); err != nil {
				j.KeyError = keyErrorReason(err)
			} else {
				j.Fingerprint = fingerprint.Of(key, h).String()
				j.Comment = en.Comment()
			}
			if *hashNames {
				j.HashedText = hashedLines(f, en)
			}
			doc.Entries = append(doc.Entries, j)
		}
		doc.Found = len(doc.Entries) > 0
		if err := writeJSON(e, doc); err != nil {
			e.errorf("find: %v", err)
			return exitUsage
		}
		if !doc.Found {
			hintHostPort(e, "find", host)
			return exitFindings
		}
		return exitOK
	}
	esc := mprintf.LocaleEscaper(e.getenv)
	found := false
	for _, en := range entries {
		key, err := en.Key()
		if *list && (err != nil || !fingerprint.OpenSSHKnows(key)) {
			continue // ssh-keygen -lF skips lines whose key does not parse
		}
		found = true
		if !*quiet {
			tag := ""
			switch en.Marker {
			case fingerprint.CertAuthority:
				tag = "CA"
			case fingerprint.Revoked:
				tag = "REVOKED"
			}
			fmt.Fprintf(e.stdout, "# Host %s found: line %d %s\n", host, en.Line, tag)
		}
		switch {
		case *hashNames:
			for _, l := range hashedLines(f, en) {
				fmt.Fprintf(e.stdout, "%s\n", l)
			}
		case *list:
			comment := en.Comment()
			sep := ""
			if comment != "" {
				sep = " "
			}
			fmt.Fprint(e.stdout, esc.Escape(fmt.Sprintf("%s %s %s%s%s\n", host, fingerprint.TypeLabel(key), fingerprint.Of(key, h), sep, comment)))
		default:
			fmt.Fprintf(e.stdout, "%s\n", cLine(f.Lines[en.Line-1].Text))
		}
	}
	if !found {
		hintHostPort(e, "find", host)
		return exitFindings
	}
	return exitOK
}

// hashedLines returns what ssh-keygen -H writes for the entry's line of
// f: one line per name, hashed, for an entry of plain names (and a blank
// line after each where a NUL ends the host field); the line itself as
// OpenSSH reads it (up to a NUL) for hashed, wildcard and marker entries.
// The line, as parsed, is hashed by File.Hash, the one implementation of
// -H, in a File of its own.
func hashedLines(f *knownhosts.File, en *knownhosts.Entry) []string {
	one := &knownhosts.File{
		Name:           f.Name,
		Lines:          []knownhosts.Line{f.Lines[en.Line-1]},
		NoFinalNewline: en.Line == len(f.Lines) && f.NoFinalNewline,
	}
	if _, err := one.Hash(&knownhosts.EditOptions{KeepInvalid: true}); err != nil {
		return []string{cLine(f.Lines[en.Line-1].Text)} // not reached: KeepInvalid
	}
	lines := make([]string, 0, len(one.Lines))
	for _, l := range one.Lines {
		lines = append(lines, cLine(l.Text))
	}
	return lines
}

// keyErrorReason is why an entry's key does not parse, without the
// package prefix its Error adds.
func keyErrorReason(err error) string {
	var le *knownhosts.LineError
	if errors.As(err, &le) {
		return le.Reason
	}
	return err.Error()
}

// writeJSON prints v as the indented JSON document of a --json command.
func writeJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
