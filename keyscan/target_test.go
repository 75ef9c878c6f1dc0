package keyscan

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in    string
		want  []Target
		error string
	}{
		{in: "host1", want: []Target{{Hosts: []string{"host1"}}}},
		{in: "  Web1.Example\t", want: []Target{{Hosts: []string{"Web1.Example"}}}},
		{in: "host1:2222", want: []Target{{Hosts: []string{"host1"}, Port: 2222}}},
		{in: "[host1]:2222", want: []Target{{Hosts: []string{"host1"}, Port: 2222}}},
		{in: "[::1]:2222", want: []Target{{Hosts: []string{"::1"}, Port: 2222}}},
		{in: "[::1]", want: []Target{{Hosts: []string{"::1"}}}},
		{in: "::1", want: []Target{{Hosts: []string{"::1"}}}},
		{in: "::0001", want: []Target{{Hosts: []string{"::1"}}}}, // canonical, as ssh-keyscan prints it
		{in: "fe80::1%eth0", want: []Target{{Hosts: []string{"fe80::1%eth0"}}}},
		{in: "127.0.0.1", want: []Target{{Hosts: []string{"127.0.0.1"}}}},
		{in: "127.0.0.1,localhost", want: []Target{{Hosts: []string{"127.0.0.1", "localhost"}}}},
		{in: "127.0.0.1,127.0.0.9 web1.example,web1", want: []Target{{Hosts: []string{"127.0.0.1", "127.0.0.9"}, Names: []string{"web1.example", "web1"}}}},
		{in: "127.0.0.2,[127.0.0.1]:42022 web1", want: []Target{{Hosts: []string{"127.0.0.2", "127.0.0.1"}, Port: 42022, Names: []string{"web1"}}}},
		{in: "127.0.0.0/30", want: []Target{
			{Hosts: []string{"127.0.0.0"}}, {Hosts: []string{"127.0.0.1"}},
			{Hosts: []string{"127.0.0.2"}}, {Hosts: []string{"127.0.0.3"}}}},
		{in: "127.0.0.5/30", want: []Target{ // host bits masked, as addr_pton_cidr does
			{Hosts: []string{"127.0.0.4"}}, {Hosts: []string{"127.0.0.5"}},
			{Hosts: []string{"127.0.0.6"}}, {Hosts: []string{"127.0.0.7"}}}},
		{in: "2001:db8::/127", want: []Target{{Hosts: []string{"2001:db8::"}}, {Hosts: []string{"2001:db8::1"}}}},
		{in: "10.0.0.0/8", error: "more than the 65536 allowed"},
		{in: "10.0.0.0/33", error: "not a CIDR range"},
		{in: "", error: "empty target"},
		{in: "a b c", error: "more than two fields"},
		{in: "host:", error: "empty port"},
		{in: "host:0", error: "bad port"},
		{in: "host:65536", error: "bad port"},
		{in: "host:ssh", error: "bad port"},
		{in: "[host", error: "missing ']'"},
		{in: "[host]x", error: "junk after ']'"},
		{in: "a:1,b:2", error: "different ports"},
		{in: "1:2:3:zz", error: "bad IPv6 address"},
		{in: "a\x00b", error: "bad character"},
		{in: "a web\x7f1", error: "bad character"},
		{in: ",,,", error: "no address"},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if tt.error != "" {
			require.Error(t, err, "%q", tt.in)
			assert.Contains(t, err.Error(), tt.error, "%q", tt.in)
			var te *TargetError
			assert.True(t, errors.As(err, &te))
			continue
		}
		require.NoError(t, err, "%q", tt.in)
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func TestTargetStringRoundTrip(t *testing.T) {
	for _, in := range []string{"host1", "[host1]:2222", "[::1]:2222", "[::1]", "a,b c,d", "[a]:22,[b]:22 x"} {
		ts, err := ParseTarget(in)
		require.NoError(t, err)
		require.Len(t, ts, 1)
		assert.Equal(t, in, ts[0].String())
	}
}

func TestReadTargets(t *testing.T) {
	in := "# inventory\n\nweb1 # primary\n127.0.0.1,127.0.0.9 Web1.Example,web1\nbad:port\n[::1]:2222\n127.0.0.0/31"
	ts, errs := ReadTargets(strings.NewReader(in), "hosts.txt", nil)
	require.Len(t, errs, 1)
	var te *TargetError
	require.True(t, errors.As(errs[0], &te))
	assert.Equal(t, "hosts.txt", te.Name)
	assert.Equal(t, 5, te.Line)
	assert.Equal(t, `keyscan: hosts.txt:5: "bad:port": bad port "port"`, errs[0].Error())
	assert.Equal(t, []Target{
		{Hosts: []string{"web1"}},
		{Hosts: []string{"127.0.0.1", "127.0.0.9"}, Names: []string{"Web1.Example", "web1"}},
		{Hosts: []string{"::1"}, Port: 2222},
		{Hosts: []string{"127.0.0.0"}},
		{Hosts: []string{"127.0.0.1"}},
	}, ts)
}

// FuzzParseTarget: no panic, and every target parsed has hosts and names
// that can go into a known_hosts line, and a valid port.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"host1", "[::1]:2222", "127.0.0.1,127.0.0.9 web1.example,web1",
		"127.0.0.0/30", "2001:db8::/126", "a:1,b:2", "[a]:22,[b]:22 x", "fe80::1%eth0", "::0001", ",,[", "[]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseTarget(s)
		if err != nil {
			var te *TargetError
			if !errors.As(err, &te) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if len(ts) == 0 || len(ts) > MaxRangeSize {
			t.Fatalf("%d targets", len(ts))
		}
		for _, tg := range ts {
			if len(tg.Hosts) == 0 || tg.Port < 0 || tg.Port > 65535 {
				t.Fatalf("bad target %+v", tg)
			}
			for _, n := range append(append([]string{}, tg.Hosts...), tg.Names...) {
				if n == "" || strings.ContainsAny(n, " \t\r\n,#") {
					t.Fatalf("bad name %q in %+v", n, tg)
				}
			}
			if len(ts) == 1 {
				again, err := ParseTarget(tg.String())
				if err != nil || len(again) != 1 {
					t.Fatalf("%q -> %q: %v", s, tg.String(), err)
				}
			}
		}
	})
}

// longLine reads as "web1\n", then a line of n bytes of 'a', then "\nweb2\n",
// without holding the long line in memory.
type longLine struct {
	n    int
	head string
	tail string
	off  int
}

var aaa = bytes.Repeat([]byte{'a'}, 4096)

func (l *longLine) Read(p []byte) (int, error) {
	total := len(l.head) + l.n + len(l.tail)
	if l.off >= total {
		return 0, io.EOF
	}
	i := 0
	for i < len(p) && l.off < total {
		switch {
		case l.off < len(l.head):
			p[i] = l.head[l.off]
		case l.off < len(l.head)+l.n:
			k := min(len(p)-i, len(l.head)+l.n-l.off, len(aaa))
			copy(p[i:i+k], aaa)
			i += k
			l.off += k
			continue
		default:
			p[i] = l.tail[l.off-len(l.head)-l.n]
		}
		i++
		l.off++
	}
	return i, nil
}

// TestReadTargetsLongLine: one 200 MB line (issue 10: 1.95 GB of memory
// and 419 MB on stderr) is an error naming file:line and its length, read
// in bounded memory, and the lines after it are still read.
func TestReadTargetsLongLine(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ts, errs := ReadTargets(&longLine{n: 200 << 20, head: "web1\n", tail: "\nweb2\n"}, "hosts.txt",
		&TargetLimits{MaxSize: 1 << 30})
	runtime.ReadMemStats(&after)
	t.Logf("a 200 MB line: %d bytes allocated", after.TotalAlloc-before.TotalAlloc)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "bytes allocated")
	assert.Equal(t, []Target{{Hosts: []string{"web1"}}, {Hosts: []string{"web2"}}}, ts)
	require.Len(t, errs, 1)
	var te *TargetError
	require.ErrorAs(t, errs[0], &te)
	assert.Equal(t, 2, te.Line)
	assert.Equal(t, 200<<20, te.Length)
	assert.Equal(t, "keyscan: hosts.txt:2: line is 209715200 bytes long, more than the 16384 allowed", errs[0].Error())

	// By default, such a file is larger than allowed.
	ts, errs = ReadTargets(&longLine{n: 200 << 20, head: "web1\n", tail: "\nweb2\n"}, "hosts.txt", nil)
	assert.Equal(t, []Target{{Hosts: []string{"web1"}}}, ts)
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "keyscan: hosts.txt:2: file is larger than the 67108864 bytes allowed; the rest is not read")
}

func TestReadTargetsLimits(t *testing.T) {
	in := "web1\n" + strings.Repeat("b", 100) + "\nweb2\n192.0.2.0/30\nweb3\n"
	ts, errs := ReadTargets(strings.NewReader(in), "h", &TargetLimits{MaxLineLength: 100})
	assert.Empty(t, errs)
	assert.Len(t, ts, 8)

	ts, errs = ReadTargets(strings.NewReader(in), "h", &TargetLimits{MaxLineLength: 99})
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "keyscan: h:2: line is 100 bytes long, more than the 99 allowed")
	assert.Len(t, ts, 7)

	// The size limit stops the reading: what follows is not read.
	ts, errs = ReadTargets(strings.NewReader(in), "h", &TargetLimits{MaxSize: 110})
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "keyscan: h:3: file is larger than the 110 bytes allowed; the rest is not read")
	assert.Len(t, ts, 2)

	ts, errs = ReadTargets(strings.NewReader(in), "h", &TargetLimits{MaxTargets: 4})
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "keyscan: h:4: more than 4 targets; the rest is not read")
	assert.Len(t, ts, 3)

	// A line without a newline at the end of the file counts too.
	_, errs = ReadTargets(strings.NewReader("web1\n"+strings.Repeat("c", 50)), "h", &TargetLimits{MaxLineLength: 10})
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "keyscan: h:2: line is 50 bytes long, more than the 10 allowed")
}

// FuzzReadTargets: any file gives targets and errors within the limits,
// never a panic; every error names its line, and no error repeats a line
// longer than the limit.
func FuzzReadTargets(f *testing.F) {
	f.Add([]byte("# inventory\n\nweb1 # primary\n127.0.0.1,127.0.0.9 Web1.Example,web1\nbad:port\n[::1]:2222\n127.0.0.0/31"))
	f.Add([]byte("web1\r\n" + strings.Repeat("a", 70) + "\n192.0.2.0/29\nweb2"))
	f.Fuzz(func(t *testing.T, b []byte) {
		limits := &TargetLimits{MaxLineLength: 64, MaxSize: 512, MaxTargets: 20}
		ts, errs := ReadTargets(bytes.NewReader(b), "f", limits)
		if len(ts) > limits.MaxTargets {
			t.Fatalf("%d targets", len(ts))
		}
		for _, err := range errs {
			var te *TargetError
			if !errors.As(err, &te) || te.Name != "f" || te.Line < 1 {
				t.Fatalf("error %v does not name its line", err)
			}
			if len(te.Text) > limits.MaxLineLength {
				t.Fatalf("error repeats %d bytes", len(te.Text))
			}
		}
	})
}
