package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/knownhosts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var scanSeed = flag.Uint64("scan-seed", 1, "random seed of TestScanGeneratedMatchesKeyscan's inputs")

// TestScanGeneratedMatchesKeyscan: generated target files and flags, the
// same for hostkeys scan and ssh-keyscan against the same real servers;
// stdout must be the same set of lines and stderr the same comment lines.
// The files mix address lists, CIDR ranges, name lists in mixed case,
// comments and blank lines; the flags -t, -D and -c (sshd) at random.
// Address lists start with the server's address: ssh-keyscan 9.2 gives up
// on a list whose first address is refused, where hostkeys tries the next
// (a deliberate difference, tested elsewhere). Rerun with -scan-seed=N.
func TestScanGeneratedMatchesKeyscan(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ssh-keyscan many times; skipped with -short")
	}
	sshd := testpeer.StartSSHD(t, testpeer.ServerOptions{Certificates: true, RSABits: 2048,
		Config: []string{"MaxStartups 100:30:200"}})
	dropbear := testpeer.StartDropbear(t, testpeer.ServerOptions{RSABits: 2048})
	r := rand.New(rand.NewPCG(*scanSeed, 4))
	t.Logf("seed %d (rerun with -scan-seed=N)", *scanSeed)
	dir := t.TempDir()

	names := []string{"web1", "Web1.Example", "DB-2.example.org", "localhost", "LOCALHOST", "git", "h_3", "xn--bcher-kva.example"}
	mixCase := func(s string) string {
		b := []byte(s)
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = strings.ToUpper(string(b[i]))[0]
			}
		}
		return string(b)
	}
	line := func() string {
		var addrs []string
		switch r.IntN(4) {
		case 0:
			addrs = []string{"127.0.0.1"}
		case 1:
			addrs = []string{"127.0.0.1", fmt.Sprintf("127.0.0.%d", 2+r.IntN(5))}
		case 2:
			addrs = []string{"127.0.0.0/" + strconv.Itoa(30+r.IntN(3))}
		default:
			addrs = []string{"127.0.0.1", "127.0.0.1"}
		}
		l := strings.Join(addrs, ",")
		if r.IntN(2) == 0 && !strings.Contains(l, "/") {
			var ns []string
			for range 1 + r.IntN(3) {
				ns = append(ns, mixCase(names[r.IntN(len(names))]))
			}
			l += " " + strings.Join(ns, ",")
		}
		if r.IntN(4) == 0 {
			l += " # a comment"
		}
		return l
	}
	types := []string{"rsa", "ecdsa", "ed25519"} // the servers have no sk keys
	for i := range 24 {
		srv := sshd
		if i%3 == 2 {
			srv = dropbear
		}
		var lines []string
		for range 1 + r.IntN(4) {
			switch r.IntN(8) {
			case 0:
				lines = append(lines, "")
			case 1:
				lines = append(lines, "# comment line")
			default:
				lines = append(lines, line())
			}
		}
		file := filepath.Join(dir, fmt.Sprintf("hosts%d", i))
		require.NoError(t, os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644))

		args := []string{"-p", strconv.Itoa(srv.Port), "-f", file}
		chosen := types
		if r.IntN(3) > 0 {
			chosen = nil
			for _, ty := range types {
				if r.IntN(2) == 0 {
					chosen = append(chosen, ty)
				}
			}
			if len(chosen) == 0 {
				chosen = []string{types[r.IntN(3)]}
			}
			args = append(args, "-t", strings.Join(chosen, ","))
		}
		var extra []string
		switch {
		case r.IntN(4) == 0:
			extra = []string{"-D"}
		case srv == sshd && r.IntN(4) == 0:
			extra = []string{"-c"}
		case r.IntN(3) == 0:
			extra = []string{"-H"}
		}
		args = append(args, extra...)
		// The oracle. ssh-keyscan opens all its connections at once, and
		// dropbear silently closes those past 5 unauthenticated ones from
		// one address (MAX_UNAUTH_PER_IP), so against dropbear it runs
		// once per line and type, a few connections at a time.
		oracle := func(t *testing.T) (stdout, stderr string) {
			if srv != dropbear {
				return runKeyscan(t, args...)
			}
			var o, e strings.Builder
			for j, l := range lines {
				if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
					continue
				}
				one := filepath.Join(dir, fmt.Sprintf("hosts%d.%d", i, j))
				require.NoError(t, os.WriteFile(one, []byte(l+"\n"), 0o644))
				for _, ty := range chosen {
					so, se := runKeyscan(t, append([]string{"-p", strconv.Itoa(srv.Port), "-f", one, "-t", ty}, extra...)...)
					o.WriteString(so)
					e.WriteString(se)
				}
			}
			return o.String(), e.String()
		}
		t.Run(fmt.Sprintf("%d %s %s", i, srv.Program, strings.Join(args[4:], " ")), func(t *testing.T) {
			wantOut, wantErr := oracle(t)
			gotOut, gotErr, _ := runHostkeys(t, append([]string{"scan"}, args...)...)
			if slices.Contains(extra, "-H") {
				// Salts are random: compare each line by the name it
				// hashes, among every name and address in the file.
				cands := candidates(lines, srv.Port)
				wantOut, gotOut = unhash(t, wantOut, cands), unhash(t, gotOut, cands)
			}
			if !assert.Equal(t, sortedLines(wantOut), sortedLines(gotOut), "file:\n%s", strings.Join(lines, "\n")) {
				t.Logf("server log tail: %s", srv.Log()[max(0, len(srv.Log())-1500):])
			}
			c := "#"
			if slices.Contains(args, "-D") {
				c = ";"
			}
			assert.Equal(t, uniqueLines(wantErr, c+" "), uniqueLines(gotErr, c+" "), "file:\n%s", strings.Join(lines, "\n"))
		})
	}
}

// candidates are the host names a -H line of the scan of lines may hash:
// every name and address in them (a CIDR range's four), as "[name]:port".
func candidates(lines []string, port int) []string {
	var out []string
	for _, l := range lines {
		l, _, _ = strings.Cut(l, "#")
		for _, f := range strings.Fields(l) {
			for _, n := range strings.Split(f, ",") {
				if base, _, ok := strings.Cut(n, "/"); ok {
					for i := range 8 {
						out = append(out, fmt.Sprintf("[%s%d]:%d", strings.TrimSuffix(base, "0"), i, port))
					}
					continue
				}
				out = append(out, fmt.Sprintf("[%s]:%d", strings.ToLower(n), port))
			}
		}
	}
	return out
}

// unhash replaces each line's hashed host (|1|salt|hmac) by the candidate
// it hashes, found by the knownhosts package's lookup, or fails the test.
func unhash(t *testing.T, out string, cands []string) string {
	t.Helper()
	f, err := knownhosts.Parse(strings.NewReader(out), "scan output")
	require.NoError(t, err)
	db := knownhosts.New(knownhosts.Options{}, f)
	seen := map[int]bool{} // line numbers
	var b strings.Builder
	for _, c := range cands {
		for _, e := range db.Lookup(c) {
			if !seen[e.Line] {
				seen[e.Line] = true
				b.WriteString(c + " " + e.KeyText + "\n")
			}
		}
	}
	require.Len(t, seen, len(f.Entries()), "a hashed line matches no name of the file:\n%s", out)
	return b.String()
}
