package knownhosts

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkFileCmds is what hostkeys find, remove and hash do on the
// generated 100,000-line file: ParseFile, then the lookup or the edit and
// the new content (Save's write is left out).
func BenchmarkFileCmds(b *testing.B) {
	path, _ := benchFile(b)
	q := benchQueries(b, path)
	name := HostPort(q[1].addr[:len(q[1].addr)-3], 22) // the hashed entry's host
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			if _, err := ParseFile(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("find", func(b *testing.B) {
		for b.Loop() {
			f, err := ParseFile(path)
			if err != nil {
				b.Fatal(err)
			}
			if len(f.Lookup(name)) == 0 {
				b.Fatal("not found")
			}
		}
	})
	b.Run("remove", func(b *testing.B) {
		for b.Loop() {
			f, err := ParseFile(path)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := f.Remove(name, &EditOptions{KeepInvalid: true}); err != nil || len(n) == 0 {
				b.Fatal(n, err)
			}
			f.Bytes()
		}
	})
	b.Run("hash", func(b *testing.B) {
		for b.Loop() {
			f, err := ParseFile(path)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.Hash(&EditOptions{KeepInvalid: true}); err != nil {
				b.Fatal(err)
			}
			f.Bytes()
		}
	})
}

// TestFileLookupMatchesDB: File.Lookup's single pass finds what a DB
// built from the file finds, on the generated 100,000-line file (hashed
// names scanned in parallel) for names of every kind in it.
func TestFileLookupMatchesDB(t *testing.T) {
	if testing.Short() {
		t.Skip("parses the 100,000-line benchmark file")
	}
	path, _ := benchFile(t)
	f, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db := New(Options{}, f)
	names := []string{"nowhere.example"}
	for _, q := range benchQueries(t, path) {
		names = append(names, q.addr[:len(q.addr)-3])
	}
	for i := 0; i < len(f.Lines); i += 997 {
		if e := f.Lines[i].Entry; e != nil && !e.IsHashed() {
			names = append(names, e.Patterns()...)
		}
	}
	for _, n := range names {
		a, b := db.Lookup(n), f.Lookup(n)
		if len(a) != len(b) {
			t.Fatalf("Lookup(%q): DB %d entries, File %d", n, len(a), len(b))
		}
		for i := range a {
			if a[i].Line != b[i].Line {
				t.Fatalf("Lookup(%q): entry %d is line %d in the DB, %d in the File", n, i, a[i].Line, b[i].Line)
			}
		}
	}
}

// TestHashLinesAsParsed: the lines File.Hash builds are what parsing
// their text gives, and each hashed name is HMAC-SHA1 of the name.
func TestHashLinesAsParsed(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "Host%d.Example,10.0.%d.%d %s c%d\n", i, i/250, i%250, k1, i)
	}
	b.WriteString("|1|AAECAwQFBgcICQoLDA0ODxAREhM=|nnUK16ANsXd3hL31YfAkGOluSjU= " + k2 + "\n")
	f := parseString(t, b.String())
	f.Lines[0].Entry.Key() // a parsed key is shared with the new lines
	res, err := f.Hash(nil)
	if err != nil || res.Hashed != 600 {
		t.Fatalf("Hash: %v, %d names hashed", err, res.Hashed)
	}
	for i, l := range f.Lines {
		var e Entry
		kind, _ := parseLine(l.Text, &e)
		got := l.Entry
		if kind != l.Kind || got == nil || l.Num != i+1 || got.Line != i+1 || got.File != f.Name ||
			got.Hosts != e.Hosts || got.KeyText != e.KeyText || got.Marker != e.Marker ||
			*got.hashed != *e.hashed || got.hostErr != e.hostErr {
			t.Fatalf("line %d: built %+v, parsed %+v", i+1, got, &e)
		}
		if i < 600 {
			name := fmt.Sprintf("host%d.example", i/2)
			if i%2 == 1 {
				name = fmt.Sprintf("10.0.%d.%d", i/2/250, i/2%250)
			}
			m := hmac.New(sha1.New, got.hashed.salt[:])
			m.Write([]byte(name))
			if want := hashMagic + base64.StdEncoding.EncodeToString(got.hashed.salt[:]) + "|" + base64.StdEncoding.EncodeToString(m.Sum(nil)); got.Hosts != want {
				t.Fatalf("line %d: %s, want %s", i+1, got.Hosts, want)
			}
			if c := got.Comment(); c != fmt.Sprintf("c%d", i/2) {
				t.Fatalf("line %d: comment %q", i+1, c)
			}
		}
	}
}
