package knownhosts

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/knownhosts/internal/khgen"
)

const benchLines = 100_000

var (
	benchOnce sync.Once
	benchPath string
	benchKeys *khgen.Keys
)

// benchFile writes the generated 100,000-line file once per process: half
// hashed, with [host]:port names, comma lists, wildcards and markers.
// With HOSTKEYS_BENCH_FILE set, the file is written there if it does not
// exist, and reused if it does (the keys are the same: the generator is
// seeded).
func benchFile(tb testing.TB) (string, *khgen.Keys) {
	benchOnce.Do(func() {
		r := rand.New(rand.NewPCG(7, 7))
		g := &khgen.Gen{R: r, Keys: khgen.NewKeys(r)}
		benchKeys = g.Keys
		benchPath = os.Getenv("HOSTKEYS_BENCH_FILE")
		if benchPath != "" {
			if _, err := os.Stat(benchPath); err == nil {
				return
			}
		} else {
			dir, err := os.MkdirTemp("", "knownhosts-bench")
			if err != nil {
				panic(err)
			}
			benchPath = filepath.Join(dir, "known_hosts")
		}
		if err := os.WriteFile(benchPath, []byte(g.Big(benchLines)), 0o644); err != nil {
			panic(err)
		}
	})
	return benchPath, benchKeys
}

// benchQuery is a host and the key the file has for it: the last plain
// entry, the last hashed entry, or a miss.
type benchQuery struct {
	name, addr string
	key        ssh.PublicKey
	ok         bool
}

// benchQueries takes the keys from the file itself, which may have been
// written by another process (RSA keys are not reproducible).
func benchQueries(tb testing.TB, path string) []benchQuery {
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	key := func(i int) ssh.PublicKey {
		_, text, _ := strings.Cut(lines[i], " ")
		k, _, err := fingerprint.ParseKeyText(text)
		if err != nil {
			tb.Fatal(err)
		}
		return k
	}
	plain := benchLines - 2 // even: plain "hostN.bench.example,10.x.x.x"
	for plain%10 == 4 || plain%50 == 0 || plain%100 == 2 {
		plain -= 2
	}
	hashed := benchLines - 1 // odd: hashed
	for hashed%10 == 1 {
		hashed -= 2
	}
	return []benchQuery{
		{"plain", fmt.Sprintf("host%d.bench.example:22", plain), key(plain), true},
		{"hashed", fmt.Sprintf("host%d.bench.example:22", hashed), key(hashed), true},
		{"miss", "nowhere.example:22", key(0), false},
	}
}

func BenchmarkLoad(b *testing.B) {
	path, _ := benchFile(b)
	b.Run("hostkeys", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Open(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("xcrypto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := xknownhosts.New(path); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkLookup(b *testing.B) {
	path, _ := benchFile(b)
	db, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	ours := db.HostKeyCallback()
	theirs, err := xknownhosts.New(path)
	if err != nil {
		b.Fatal(err)
	}
	addr := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 22}
	for _, q := range benchQueries(b, path) {
		for _, impl := range []struct {
			name string
			cb   ssh.HostKeyCallback
		}{{"hostkeys", ours}, {"xcrypto", theirs}} {
			b.Run(q.name+"/"+impl.name, func(b *testing.B) {
				if err := impl.cb(q.addr, addr, q.key); (err == nil) != q.ok {
					b.Fatalf("%s %s: %v", impl.name, q.addr, err)
				}
				for b.Loop() {
					impl.cb(q.addr, addr, q.key)
				}
			})
		}
	}
}

// TestBenchReport prints the figures of bench/knownhosts.sh: load time
// and retained heap against x/crypto's knownhosts.New, lookup times
// against its callback and ssh-keygen -F, and the ratios. It runs only
// when HOSTKEYS_BENCH is set.
func TestBenchReport(t *testing.T) {
	if os.Getenv("HOSTKEYS_BENCH") == "" {
		t.Skip("set HOSTKEYS_BENCH=1 (bench/knownhosts.sh does)")
	}
	path, _ := benchFile(t)
	if impl := os.Getenv("HOSTKEYS_BENCH_RSS"); impl != "" {
		benchRSS(t, impl, path)
		return
	}
	fi, _ := os.Stat(path)
	fmt.Printf("file: %d lines, %.1f MB, half hashed; GOMAXPROCS=%d\n", benchLines, float64(fi.Size())/1e6, runtime.GOMAXPROCS(0))

	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	best := func(n int, f func()) time.Duration {
		var min time.Duration
		for i := 0; i < n; i++ {
			start := time.Now()
			f()
			if d := time.Since(start); i == 0 || d < min {
				min = d
			}
		}
		return min
	}

	var db *DB
	var cb ssh.HostKeyCallback
	base := heap()
	cpu0 := cpuTime()
	ourLoad := best(5, func() { db, _ = Open(path) })
	ourCPU := (cpuTime() - cpu0) / 5
	ourHeap := heap() - base
	db2 := db
	db = nil
	base = heap()
	cpu0 = cpuTime()
	xLoad := best(5, func() { cb, _ = xknownhosts.New(path) })
	xCPU := (cpuTime() - cpu0) / 5
	xHeap := heap() - base
	runtime.KeepAlive(db2)

	fmt.Printf("load:   hostkeys %8.1f ms %6.1f MB   x/crypto %8.1f ms %6.1f MB   speed x%.1f, memory /%.1f\n",
		ms(ourLoad), float64(ourHeap)/1e6, ms(xLoad), float64(xHeap)/1e6,
		float64(xLoad)/float64(ourLoad), float64(xHeap)/float64(ourHeap))
	fmt.Printf("load CPU (user+sys, mean of 5, GC included): hostkeys %.1f ms, x/crypto %.1f ms, x%.1f\n",
		ms(ourCPU), ms(xCPU), float64(xCPU)/float64(ourCPU))

	ours := db2.HostKeyCallback()
	addr := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 22}
	keygen, _ := exec.LookPath("ssh-keygen")
	for _, q := range benchQueries(t, path) {
		if err := ours(q.addr, addr, q.key); (err == nil) != q.ok {
			t.Fatalf("%s: %v", q.addr, err)
		}
		runtime.GC()
		o := best(20, func() { ours(q.addr, addr, q.key) })
		x := best(5, func() { cb(q.addr, addr, q.key) })
		line := fmt.Sprintf("lookup %-6s hostkeys %9.3f ms   x/crypto %8.2f ms   x%.0f", q.name, ms(o), ms(x), float64(x)/float64(o))
		if keygen != "" {
			host := strings.TrimSuffix(q.addr, ":22")
			k := best(3, func() { exec.Command(keygen, "-F", host, "-f", path).Run() })
			line += fmt.Sprintf("   ssh-keygen -F %8.1f ms   x%.0f", ms(k), float64(k)/float64(o))
		}
		fmt.Println(line)
	}
}

// benchRSS loads the file with one implementation (or none) and prints
// the process's peak RSS, for bench/knownhosts.sh, which runs it in fresh
// processes.
func benchRSS(t *testing.T, impl, path string) {
	var keep any
	switch impl {
	case "hostkeys":
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		keep = db
	case "xcrypto":
		cb, err := xknownhosts.New(path)
		if err != nil {
			t.Fatal(err)
		}
		keep = cb
	case "none":
	default:
		t.Fatalf("HOSTKEYS_BENCH_RSS=%q: want hostkeys, xcrypto or none", impl)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Printf("rss %s %s\n", impl, strings.Join(strings.Fields(l)[1:], " "))
		}
	}
	runtime.KeepAlive(keep)
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
