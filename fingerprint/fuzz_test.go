package fingerprint

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		k1SHA, k1MD5, kecSHA, "78:56:3a:66:88:0c:e3:d4:e2:36:73:fd:22:ac:7a:58 (RSA)",
		"256 SHA256:+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw c (ED25519)",
		"+PLhLiN5lhW8/hEz/0IBoWrBcUE9KgPnJJiuK8YYHTw=", "SHA1:abc", "(", ")", "",
		"ED25519 key fingerprint is " + k1SHA + ".", "Host key fingerprint is " + k1MD5,
		"The fingerprint for the RSA key sent by the remote host is\n" + kecSHA + ".",
		k1SHA + " " + kecSHA, k1SHA + " (RSA) trailing", k1SHA + " (ED25519) (RSA)", "SHA512:" + k1SHA[7:],
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Input != s || pe.Reason == "" || !strings.Contains(s, pe.Part) {
				t.Fatalf("bad error %#v", err)
			}
			if !strings.HasPrefix(err.Error(), "fingerprint: cannot parse ") {
				t.Fatalf("bad error form: %v", err)
			}
			return
		}
		if len(fp.Sum) != fp.Hash.Size() || fp.Hash.Size() == 0 {
			t.Fatalf("Parse(%q) = %#v: digest of the wrong size", s, fp)
		}
		// The OpenSSH form parses back to the same fingerprint, and so
		// does it with the label.
		again, err := Parse(fp.String())
		if err != nil || !again.Equal(fp) {
			t.Fatalf("round trip of %q via %q: %v", s, fp.String(), err)
		}
		if fp.KeyType != "" {
			again, err = Parse(fp.String() + " (" + fp.KeyType + ")")
			if err != nil || !again.Equal(fp) || again.KeyType != fp.KeyType {
				t.Fatalf("round trip of %q with its label: %v", s, err)
			}
		}
		// Nothing is dropped: text added after what parsed is an error,
		// unless it is a comment inside an ssh-keygen -l line.
		fields := strings.Fields(s)
		if !isDigits(fields[0]) {
			if _, err := Parse(s + " x"); err == nil {
				t.Fatalf("Parse(%q + \" x\") dropped the x", s)
			}
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	k1, _, _ := ParseKeyText(k1Text)
	kec, _, _ := ParseKeyText(kecText)
	f.Add(k1.Marshal())
	f.Add(kec.Marshal())
	f.Add(blobOf([]byte("ssh-ed448"), make([]byte, 57)))
	f.Add(mpints("ssh-dss", bigBits(1024), bigBits(160), bigBits(1000), bigBits(1000)))
	f.Add(blobOf([]byte("ssh-ed25519-cert-v01@openssh.com"), []byte("n"), make([]byte, 32)))
	f.Fuzz(func(t *testing.T, blob []byte) {
		k, err := ParsePublicKey(blob)
		if err != nil {
			return
		}
		// Whatever parses has a type, a fingerprint, a label and a
		// canonical blob that parses to the same key.
		_ = Bits(k)
		_ = TypeLabel(k)
		_ = Randomart(k, SHA256)
		k2, err := ParsePublicKey(k.Marshal())
		if err != nil {
			t.Fatalf("canonical blob does not parse: %v", err)
		}
		if !bytes.Equal(k.Marshal(), k2.Marshal()) || !Of(k, SHA256).Equal(Of(k2, SHA256)) {
			t.Fatalf("canonical form is not stable")
		}
	})
}

func FuzzReadKeys(f *testing.F) {
	f.Add("example.com,192.0.2.10 " + k1Text + "\n# c\n\n@revoked * " + kecText + " x\r\n")
	f.Add(`command="a b" ` + k1Text + " c\n")
	f.Add("bad foo-v1 AAAA\n@cert-authority\n\x00\xff")
	f.Add("ssh-ed25519 " + base64.StdEncoding.EncodeToString([]byte("garbage")))
	f.Fuzz(func(t *testing.T, in string) {
		kf, err := ReadKeys(strings.NewReader(in), "f")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(in, "\n") + 1
		for _, k := range kf.Keys {
			if k.Key == nil || k.Line < 1 || k.Line > lines {
				t.Fatalf("bad key line %+v", k)
			}
		}
		for _, e := range kf.Invalid {
			if e.Line < 1 || e.Line > lines || e.Reason == "" {
				t.Fatalf("bad invalid line %+v", e)
			}
		}
		if len(kf.Keys)+len(kf.Invalid) > lines {
			t.Fatalf("more results than lines")
		}
	})
}
