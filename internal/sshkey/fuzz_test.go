package sshkey

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParsePrivateFile: OpenSSH private key envelopes never panic the
// parser, and whatever parses has a known public key.
func FuzzParsePrivateFile(f *testing.F) {
	dir := f.TempDir()
	if keygen, err := exec.LookPath("ssh-keygen"); err == nil {
		for i, args := range [][]string{{"-t", "ed25519"}, {"-t", "ecdsa"}, {"-t", "rsa", "-b", "1024"}, {"-t", "ed25519", "-N", "pw"}} {
			p := filepath.Join(dir, string(rune('a'+i)))
			a := append([]string{"-q", "-N", "", "-C", "fuzz seed", "-f", p}, args...)
			if exec.Command(keygen, a...).Run() == nil {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Add([]byte(privateBegin + "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ==\n" + privateEnd + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := ParsePrivateFile(data)
		if err != nil {
			return
		}
		if pf.Public == nil || len(pf.Public.PlainBlob) == 0 {
			t.Fatalf("parsed without a public key")
		}
		if pf.Encrypted && pf.HasComment {
			t.Fatalf("comment read from an encrypted key")
		}
	})
}

// FuzzParseText: the text form never panics, and what parses re-parses
// from its canonical blob to the same key.
func FuzzParseText(f *testing.F) {
	f.Add("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMBSRVN3KceIP5XB9aPM5XPHuS2AMFhIBiZiiMBsLICx c")
	f.Add("rsa-sha2-512 AAAAB3NzaC1yc2EAAAADAQABAAAAgQDB x")
	f.Add("ssh-dss AAAAB3NzaC1kc3MAAACBAP8=")
	f.Fuzz(func(t *testing.T, s string) {
		k, _, err := ParseText(s)
		// ParseTextBytes, the listing's fast path, reads the same keys as
		// ParseText for every type OpenSSH knows.
		end := len(s)
		if sp := strings.IndexAny(s, " \t"); sp >= 0 {
			rest := strings.TrimLeft(s[sp:], " \t")
			if e := strings.IndexAny(rest, " \t"); e >= 0 {
				end = len(s) - len(rest) + e
			}
		}
		kb, errb := ParseTextBytes([]byte(s[:end]))
		wantKnown := err == nil && k.Known
		if (errb == nil) != wantKnown {
			t.Fatalf("ParseTextBytes(%q) err=%v, ParseText err=%v known=%v", s[:end], errb, err, err == nil && k.Known)
		}
		if errb == nil && (string(kb.PlainBlob) != string(k.PlainBlob) || kb.Type != k.Type || kb.Bits != k.Bits) {
			t.Fatalf("ParseTextBytes and ParseText disagree on %q", s[:end])
		}
		if err != nil {
			return
		}
		k2, err := Parse(k.Blob)
		if err != nil {
			t.Fatalf("canonical blob does not parse: %v", err)
		}
		if string(k2.PlainBlob) != string(k.PlainBlob) || k2.Bits != k.Bits || k2.Label() != k.Label() {
			t.Fatalf("canonical form is not stable")
		}
	})
}

// FuzzReadPrivate: private key files in every format ssh-keygen writes
// (OpenSSH, PEM, PKCS#8; DSA included) never panic the reader, take
// bounded time, and whatever reads has a known public key that parses
// back from its blob.
func FuzzReadPrivate(f *testing.F) {
	dir := f.TempDir()
	if keygen, err := exec.LookPath("ssh-keygen"); err == nil {
		i := 0
		for _, typ := range [][]string{{"-t", "dsa"}, {"-t", "ecdsa"}, {"-t", "rsa", "-b", "1024"}} {
			for _, m := range []string{"PEM", "PKCS8", "RFC4716"} {
				p := filepath.Join(dir, string(rune('a'+i)))
				i++
				a := append([]string{"-q", "-N", "", "-C", "seed", "-m", m, "-f", p}, typ...)
				if exec.Command(keygen, a...).Run() == nil {
					if b, err := os.ReadFile(p); err == nil {
						f.Add(b)
					}
				}
			}
		}
	}
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, _, hasComment, err := ReadPrivate(data)
		if err != nil {
			return
		}
		if k == nil || !k.Known || len(k.PlainBlob) == 0 {
			t.Fatalf("read without a known public key: %+v", k)
		}
		if hasComment && !strings.Contains(string(data), "OPENSSH") {
			t.Fatalf("a comment from a PEM key")
		}
		k2, err := Parse(k.Blob)
		if err != nil || string(k2.PlainBlob) != string(k.PlainBlob) {
			t.Fatalf("the public key does not parse back: %v", err)
		}
	})
}
