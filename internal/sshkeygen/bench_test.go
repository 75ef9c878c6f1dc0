package sshkeygen

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// BenchmarkListFile lists the file named by $HOSTKEYS_BENCH_FILE (made by
// go run ./bench/genkh), as hostkeys fingerprint -f does.
func BenchmarkListFile(b *testing.B) {
	path := os.Getenv("HOSTKEYS_BENCH_FILE")
	if path == "" {
		b.Skip("set HOSTKEYS_BENCH_FILE to a known_hosts file (go run ./bench/genkh)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := List(io.Discard, bytes.NewReader(data), path, ListOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
