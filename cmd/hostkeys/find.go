package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/sshkeygen"
	"github.com/hostkeys/hostkeys/knownhosts"
)

func init() {
	register(&command{
		name:    "find",
		summary: "find a host's entries in a known_hosts file (like ssh-keygen -F)",
		run:     runFind,
	})
}

const findUsage = `usage: hostkeys find [-l] [-q] [-E md5|sha1|sha256] [--json] [-f FILE] HOST

Prints the lines of the known_hosts FILE (default ~/.ssh/known_hosts) that
match HOST, exactly as ssh-keygen -F HOST -f FILE does: HOST is a name or
"[name]:port", matched as ssh matches it (patterns, negation, hashed names).

  -f FILE   the known_hosts file
  -l        print fingerprints instead of lines (ssh-keygen -lF)
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
	for {
		if code, ok := parseFlags(e, k.fs, args, name, usage); !ok {
			return code, false
		}
		args = k.fs.Args()
		if len(args) == 0 {
			break
		}
		if len(args) > 0 && args[0] == "--" {
			k.args = append(k.args, args[1:]...)
			break
		}
		k.args = append(k.args, args[0])
		args = args[1:]
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

// readKnownHosts reads the file for find, hash and remove. A missing file
// is our I/O error (ssh-keygen says "Cannot stat" and exits 255).
func readKnownHosts(e *env, cmd, name string) (*knownhosts.File, bool) {
	f, err := knownhosts.ParseFile(name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			e.errorf("%s: %v", cmd, pe)
		} else {
			e.errorf("%s: %v", cmd, err)
		}
		return nil, false
	}
	return f, true
}

// logit writes a message as ssh-keygen's logit does on standard error:
// unsafe bytes escaped as \ooo and the line ended with "\r\n".
func logit(w io.Writer, format string, args ...any) {
	fmt.Fprint(w, visSafe(fmt.Sprintf(format, args...))+"\r\n")
}

// visSafe is OpenSSH's strnvis(VIS_SAFE|VIS_OCTAL) as its log functions
// use it: printable ASCII, tab, newline, carriage return, backspace and
// bell pass; a backslash is doubled; other bytes become \ooo.
func visSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f, c == '\t', c == '\n', c == '\r', c == '\b', c == '\a':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\%03o", c)
		}
	}
	return b.String()
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
	Line        int    `json:"line"`
	Marker      string `json:"marker,omitempty"`
	Hosts       string `json:"hosts"`
	Hashed      bool   `json:"hashed"`
	KeyType     string `json:"key_type"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Comment     string `json:"comment,omitempty"`
	KeyError    string `json:"key_error,omitempty"`
	Text        string `json:"text"`
}

func runFind(e *env, args []string) int {
	k := newKnownHostsFlags("find")
	list := k.fs.Bool("l", false, "")
	quiet := k.fs.Bool("q", false, "")
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
	host := k.args[0]
	h, ok := hashFlag(e, "find", *hashName)
	if !ok {
		return exitUsage
	}
	f, ok := readKnownHosts(e, "find", k.file)
	if !ok {
		return exitUsage
	}
	entries := f.Lookup(host)
	if *asJSON {
		doc := findJSON{Host: host, File: k.file, Entries: []findEntryJSON{}}
		for _, en := range entries {
			j := findEntryJSON{Line: en.Line, Marker: string(en.Marker), Hosts: en.Hosts, Hashed: en.IsHashed(), KeyType: en.KeyType(), Text: f.Lines[en.Line-1].Text}
			if key, err := en.Key(); err != nil {
				j.KeyError = strings.TrimPrefix(err.Error(), "knownhosts: ")
			} else {
				j.Fingerprint = fingerprint.Of(key, h).String()
				j.Comment = en.Comment()
			}
			doc.Entries = append(doc.Entries, j)
		}
		doc.Found = len(doc.Entries) > 0
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(doc)
		if !doc.Found {
			return exitFindings
		}
		return exitOK
	}
	esc := sshkeygen.LocaleEscaper(e.getenv)
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
		if *list {
			comment := en.Comment()
			sep := ""
			if comment != "" {
				sep = " "
			}
			fmt.Fprint(e.stdout, esc.Escape(fmt.Sprintf("%s %s %s%s%s\n", host, fingerprint.TypeLabel(key), fingerprint.Of(key, h), sep, comment)))
		} else {
			fmt.Fprintf(e.stdout, "%s\n", cLine(f.Lines[en.Line-1].Text))
		}
	}
	if !found {
		return exitFindings
	}
	return exitOK
}
