package sshkey

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hostkeys/hostkeys/internal/keyline"
)

// MaxKeyFileSize is the largest private key file read, OpenSSH's
// MAX_KEY_FILE_SIZE (authfile.c).
const MaxKeyFileSize = 1 << 20

// Loaded is what LoadPublic found.
type Loaded struct {
	Key *Key
	// File is the file the key was read from: the path given, or it with
	// ".pub" appended.
	File string
	// FromLine is set when the key came from a public key line; Comment
	// is then the text after the key ("" if there is none). A key from a
	// private key's envelope has no comment.
	FromLine bool
	Comment  string
}

// LoadError reports a key file from which no key could be read; package
// fingerprint returns it as its LoadError.
type LoadError struct {
	Path   string
	Reason string
}

func (e *LoadError) Error() string { return e.Path + ": " + e.Reason }

// LoadPublic reads a public key as OpenSSH's sshkey_load_public does: the
// first key line of path read as a public key file, else of path.pub,
// else the public key an openssh-key-v1 private key file at path carries
// in the clear. Keys of types OpenSSH does not know are passed over, as
// OpenSSH cannot read them. If neither path nor path.pub exists, the
// error is the one of opening path (os.ErrNotExist); otherwise it is a
// *LoadError.
func LoadPublic(path string) (*Loaded, error) {
	k, comment, err := TryLoadPublic(path)
	if err == nil {
		return &Loaded{Key: k, File: path, FromLine: true, Comment: comment}, nil
	}
	openErr := err
	if k, comment, err := TryLoadPublic(path + ".pub"); err == nil {
		return &Loaded{Key: k, File: path + ".pub", FromLine: true, Comment: comment}, nil
	}
	if errors.Is(openErr, os.ErrNotExist) {
		return nil, openErr
	}
	data, err := ReadKeyFile(path)
	if err != nil {
		return nil, err
	}
	if pf, err := ParsePrivateFile(data); err == nil && pf.Public.Known {
		return &Loaded{Key: pf.Public, File: path}, nil
	}
	return nil, &LoadError{Path: path, Reason: "no public key found"}
}

// ReadKeyFile reads a key file of at most MaxKeyFileSize bytes.
func ReadKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, &LoadError{Path: path, Reason: "is a directory"}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxKeyFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxKeyFileSize {
		return nil, &LoadError{Path: path, Reason: fmt.Sprintf("larger than %d bytes, the most OpenSSH reads of a key file", MaxKeyFileSize)}
	}
	return data, nil
}

// TryLoadPublic is OpenSSH's sshkey_try_load_public: the first line of the
// file that holds a key OpenSSH knows, with the text after it (CR and LF
// cut). Lines starting with '#' are skipped, and reading stops at a line
// that starts a private key ("-----BEGIN", "SSH PRIVATE KEY FILE").
func TryLoadPublic(path string) (key *Key, comment string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, "", &LoadError{Path: path, Reason: "is a directory"}
	}
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, tooLong, err := keyline.ReadLine(br, keyline.MaxLineLength)
		if line == nil && err != nil {
			if err == io.EOF {
				return nil, "", &LoadError{Path: path, Reason: "no public key found"}
			}
			return nil, "", err
		}
		// OpenSSH handles the line as a C string: a NUL ends it.
		if i := bytes.IndexByte(line, 0); i >= 0 {
			line = line[:i]
		}
		switch {
		case tooLong, len(line) == 0, line[0] == '#':
		case bytes.HasPrefix(line, []byte("-----BEGIN")) || string(line) == "SSH PRIVATE KEY FILE":
			return nil, "", &LoadError{Path: path, Reason: "no public key found"}
		default:
			cp := keyline.TrimBlanks(string(line))
			if k, rest, perr := ParseText(cp); cp != "" && perr == nil && k.Known {
				if i := strings.IndexAny(rest, "\r\n"); i >= 0 {
					rest = rest[:i]
				}
				return k, rest, nil
			}
		}
		if err != nil {
			return nil, "", &LoadError{Path: path, Reason: "no public key found"}
		}
	}
}
