package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hostkeys/hostkeys/cmd/hostkeys/internal/sshkeygen"
	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/mprintf"
)

func init() {
	register(&command{
		name:    "fingerprint",
		summary: "list key fingerprints of key files (like ssh-keygen -l)",
		run:     runFingerprint,
	})
}

const fingerprintUsage = `usage: hostkeys fingerprint [-E md5|sha1|sha256] [-v] [--json] [-f FILE]... [FILE]...

Prints one line per public key in each FILE (a known_hosts, authorized_keys
or .pub file, or a private key file; "-" is standard input), exactly as
ssh-keygen -l -f FILE does. Lines that hold no key are reported on standard
error (the first 1000 of a file, then their number).

  -E HASH   fingerprint hash: sha256 (default), md5 or sha1
  -v        also print the visual host key (randomart), as ssh-keygen -lv
  -f FILE   a file to read (may be repeated; files may also follow the flags)
  --json    print a JSON document instead (see README, "JSON output")

Exit status: 0 when every file held a key, 255 when a file held none (as
ssh-keygen), 2 on usage or I/O errors.
`

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runFingerprint(e *env, args []string) int {
	fs := flag.NewFlagSet("fingerprint", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var files stringList
	hashName := fs.String("E", "sha256", "")
	verbose := fs.Bool("v", false, "")
	asJSON := fs.Bool("json", false, "")
	fs.Bool("l", true, "") // accepted for ssh-keygen habits; always on
	fs.Var(&files, "f", "")
	rest, code, ok := parseArgs(e, fs, args, "fingerprint", fingerprintUsage)
	if !ok {
		return code
	}
	files = append(files, rest...)
	if len(files) == 0 {
		e.errorf("fingerprint: no file given")
		e.hintf("name a key file with -f FILE, or - for standard input")
		return exitUsage
	}
	h, ok := hashFlag(e, "fingerprint", *hashName)
	if !ok {
		return exitUsage
	}
	if *asJSON {
		return fingerprintJSON(e, files)
	}
	esc := mprintf.LocaleEscaper(e.getenv)
	// Warnings about skipped lines can number thousands: buffer them.
	stderr := bufio.NewWriterSize(e.stderr, 64<<10)
	defer stderr.Flush()
	e = &env{stdin: e.stdin, stdout: e.stdout, stderr: stderr, getenv: e.getenv}
	status := exitOK
	for _, name := range files {
		r, closeFn, err := openInput(e, name)
		if err != nil {
			e.errorf("fingerprint: %v", err)
			return exitUsage
		}
		res, err := sshkeygen.List(e.stdout, r, name, sshkeygen.ListOptions{Hash: h, Visual: *verbose, Escaper: esc})
		closeFn()
		if err != nil {
			e.errorf("fingerprint: %s: %v", name, err)
			return exitUsage
		}
		if res.PrivateKey {
			warnings, ok, err := sshkeygen.ListPrivate(e.stdout, name, sshkeygen.ListOptions{Hash: h, Visual: *verbose, Escaper: esc})
			if err != nil {
				e.errorf("fingerprint: %v", err)
				return exitUsage
			}
			for _, w := range warnings {
				e.warnf("fingerprint: %s", w)
			}
			if !ok {
				e.errorf("fingerprint: %s is not a key file.", name)
				status = 255
			}
			continue
		}
		for _, s := range res.Skipped {
			e.warnf("fingerprint: %s:%d: skipped: %s", s.File, s.Line, s.Reason)
		}
		if res.MoreSkipped > 0 {
			e.warnf("fingerprint: %s: %d more lines skipped (only the first %d are named)",
				displayName(name), res.MoreSkipped, fingerprint.MaxInvalid)
		}
		if res.Count == 0 {
			e.errorf("fingerprint: %s is not a public key file.", displayName(name))
			status = 255
		}
	}
	return status
}

// displayName is how ssh-keygen names an input in messages: "(stdin)"
// for "-".
func displayName(name string) string {
	if name == "-" {
		return "(stdin)"
	}
	return name
}

func openInput(e *env, name string) (io.Reader, func(), error) {
	if name == "-" {
		return e.stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: is a directory", name)
	}
	return f, func() { f.Close() }, nil
}

// jsonKey is one key in `hostkeys fingerprint --json` output.
type jsonKey struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Marker  string `json:"marker,omitempty"`
	Hosts   string `json:"hosts,omitempty"`
	Comment string `json:"comment,omitempty"`
	Type    string `json:"type"`
	KeyType string `json:"key_type"`
	Bits    int    `json:"bits"`
	SHA256  string `json:"sha256"`
	MD5     string `json:"md5"`
	OpenSSH bool   `json:"openssh_supported"`
}

type jsonInvalid struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// jsonMoreInvalid counts the invalid lines of a file after the first
// fingerprint.MaxInvalid, which are listed in "invalid".
type jsonMoreInvalid struct {
	File  string `json:"file"`
	Count int    `json:"count"`
}

type jsonFingerprints struct {
	Keys        []jsonKey         `json:"keys"`
	Invalid     []jsonInvalid     `json:"invalid"`
	MoreInvalid []jsonMoreInvalid `json:"more_invalid,omitempty"`
}

func fingerprintJSON(e *env, files []string) int {
	out := jsonFingerprints{Keys: []jsonKey{}, Invalid: []jsonInvalid{}}
	status := exitOK
	for _, name := range files {
		r, closeFn, err := openInput(e, name)
		if err != nil {
			e.errorf("fingerprint: %v", err)
			return exitUsage
		}
		display := displayName(name)
		kf, err := fingerprint.ReadKeys(r, display)
		closeFn()
		if err != nil {
			e.errorf("fingerprint: %v", err)
			return exitUsage
		}
		for _, k := range kf.Keys {
			out.Keys = append(out.Keys, jsonKey{
				File: display, Line: k.Line, Marker: string(k.Marker), Hosts: k.Prefix, Comment: k.Comment,
				Type: fingerprint.TypeLabel(k.Key), KeyType: k.Key.Type(), Bits: fingerprint.Bits(k.Key),
				SHA256:  fingerprint.Of(k.Key, fingerprint.SHA256).String(),
				MD5:     fingerprint.Of(k.Key, fingerprint.MD5).String(),
				OpenSSH: fingerprint.OpenSSHKnows(k.Key),
			})
		}
		for _, inv := range kf.Invalid {
			out.Invalid = append(out.Invalid, jsonInvalid{File: inv.File, Line: inv.Line, Reason: inv.Reason})
		}
		if kf.MoreInvalid > 0 {
			out.MoreInvalid = append(out.MoreInvalid, jsonMoreInvalid{File: display, Count: kf.MoreInvalid})
		}
		if len(kf.Keys) == 0 {
			status = 255
		}
	}
	if err := writeJSON(e, out); err != nil {
		e.errorf("fingerprint: %v", err)
		return exitUsage
	}
	return status
}
