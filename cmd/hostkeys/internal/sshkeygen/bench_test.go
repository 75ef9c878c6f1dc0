package sshkeygen

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// BenchmarkListFile lists the file named by $HOSTKEYS_BENCH_FILE (made by
// go run ./bench/genkh), as hostkeys fingerprint -f does: no OnKey, only
// the number of keys is kept.
func BenchmarkListFile(b *testing.B) {
	benchmarkList(b, ListOptions{})
}

// BenchmarkListFileStream is BenchmarkListFile with each key passed to
// an OnKey callback.
func BenchmarkListFileStream(b *testing.B) {
	benchmarkList(b, ListOptions{OnKey: func(Listed) {}})
}

func benchmarkList(b *testing.B, opt ListOptions) {
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
		if _, err := List(io.Discard, bytes.NewReader(data), path, opt); err != nil {
			b.Fatal(err)
		}
	}
}
