package fingerprint

import (
	"bufio"
	"github.com/hostkeys/hostkeys/internal/sshkey"
	"os"
	"strings"
	"testing"
)

// BenchmarkParseKeyText parses one key of each type from the file named by
// $HOSTKEYS_BENCH_FILE (made by go run ./bench/genkh), without any cache.
func BenchmarkParseKeyText(b *testing.B) {
	path := os.Getenv("HOSTKEYS_BENCH_FILE")
	if path == "" {
		b.Skip("set HOSTKEYS_BENCH_FILE to a known_hosts file (go run ./bench/genkh)")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	byType := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || strings.HasPrefix(fields[0], "@") || strings.HasPrefix(fields[0], "#") {
			continue
		}
		t := fields[1]
		if t == "ssh-rsa" {
			t += "-" + string(rune('0'+len(fields[2])/100))
		}
		if _, ok := byType[t]; !ok {
			byType[t] = fields[1] + " " + fields[2]
		}
	}
	for name, text := range byType {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := sshkey.ParseText(text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
