package knownhosts

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/mprintf"
	"github.com/hostkeys/hostkeys/internal/testpeer"
	"github.com/hostkeys/hostkeys/knownhosts/internal/khgen"
)

type keygenResult struct {
	stdout, stderr string
	rc             int
}

func runKeygen(t testing.TB, keygen string, args ...string) keygenResult {
	cmd := exec.Command(keygen, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = []string{"LC_ALL=C", "HOME=/nonexistent"}
	err := cmd.Run()
	rc := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		rc = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", keygen, err)
	}
	return keygenResult{out.String(), errb.String(), rc}
}

var foundRe = regexp.MustCompile(`^# Host .* found: line (\d+) ?(CA|REVOKED)?$`)

// foundLines parses ssh-keygen -F output into the line numbers found.
func foundLines(out string) []int {
	got := []int{}
	for _, l := range strings.Split(out, "\n") {
		if m := foundRe.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			got = append(got, n)
		}
	}
	return got
}

// TestDifferentialKeygen compares Lookup, Remove and Hash with the real
// ssh-keygen -F, -lF, -R and -H on generated files and queries.
func TestDifferentialKeygen(t *testing.T) {
	keygen := testpeer.Binary(t, "ssh-keygen", "openssh-client")
	nFiles, nQueries := 24, 30
	if testing.Short() {
		nFiles, nQueries = 6, 15
	}
	r := rand.New(rand.NewPCG(1, 2))
	g := &khgen.Gen{R: r, Keys: khgen.NewKeys(r)}
	dir := t.TempDir()

	type job struct {
		path, content string
		queries       []string
	}
	var jobs []job
	for i := 0; i < nFiles; i++ {
		content := g.File(60 + r.IntN(120))
		// Some files without invalid lines, so that -R and -H rewrite.
		if i%2 == 0 {
			f := parseData(content, "x")
			var b strings.Builder
			for _, l := range f.Lines {
				if l.Kind != InvalidLine && (l.Entry == nil || l.Entry.hostErr == "") {
					b.WriteString(l.Text + "\n")
				}
			}
			content = b.String()
		}
		p := filepath.Join(dir, fmt.Sprintf("kh%d", i))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		var qs []string
		for j := 0; j < nQueries; j++ {
			qs = append(qs, g.Name())
		}
		jobs = append(jobs, job{p, content, qs})
	}

	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan job)
	checks := 0
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				n := diffOneFile(t, keygen, j.path, j.content, j.queries)
				mu.Lock()
				checks += n
				mu.Unlock()
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	t.Logf("%d ssh-keygen runs compared", checks)
}

func diffOneFile(t *testing.T, keygen, path, content string, queries []string) int {
	runs := 0
	f := parseData(content, path)
	db := New(Options{}, f)
	for qi, q := range queries {
		// -F
		res := runKeygen(t, keygen, "-F", q, "-f", path)
		runs++
		want := foundLines(res.stdout)
		var got []int
		var out strings.Builder
		for _, e := range db.Lookup(q) {
			if e.hostErr != "" {
				continue
			}
			got = append(got, e.Line)
			tag := map[fingerprint.Marker]string{"": "", fingerprint.CertAuthority: "CA", fingerprint.Revoked: "REVOKED"}[e.Marker]
			fmt.Fprintf(&out, "# Host %s found: line %d %s\n%s\n", q, e.Line, tag, f.Lines[e.Line-1].Text)
		}
		if got == nil {
			got = []int{}
		}
		if !assert.Equal(t, want, got, "ssh-keygen -F %q -f %s", q, path) {
			continue
		}
		assert.Equal(t, res.stdout, out.String(), "-F %q output", q)
		assert.Equal(t, map[bool]int{true: 0, false: 1}[len(got) > 0], res.rc, "-F %q rc", q)

		// -lF: the lines whose key parses.
		if qi%4 == 0 {
			res = runKeygen(t, keygen, "-l", "-F", q, "-f", path)
			runs++
			want := foundLines(res.stdout)
			got := []int{}
			var out strings.Builder
			for _, e := range db.Lookup(q) {
				if k, err := e.Key(); err == nil && e.hostErr == "" && fingerprint.OpenSSHKnows(k) {
					got = append(got, e.Line)
					tag := map[fingerprint.Marker]string{"": "", fingerprint.CertAuthority: "CA", fingerprint.Revoked: "REVOKED"}[e.Marker]
					sep := ""
					if e.Comment() != "" {
						sep = " "
					}
					fmt.Fprintf(&out, "# Host %s found: line %d %s\n", q, e.Line, tag)
					out.WriteString((&mprintf.Escaper{}).Escape(fmt.Sprintf("%s %s %s%s%s\n", q, fingerprint.TypeLabel(k), fingerprint.Of(k, fingerprint.SHA256), sep, e.Comment())))
				}
			}
			if assert.Equal(t, want, got, "ssh-keygen -lF %q -f %s", q, path) {
				assert.Equal(t, res.stdout, out.String(), "ssh-keygen -lF %q -f %s output", q, path)
			}
		}

		// -R on a copy.
		if qi%2 != 0 {
			continue
		}
		cp := path + ".R"
		require.NoError(t, os.WriteFile(cp, []byte(content), 0o644))
		res = runKeygen(t, keygen, "-R", q, "-f", cp)
		runs++
		after, err := os.ReadFile(cp)
		require.NoError(t, err)
		mine := parseData(content, cp)
		removed, rerr := mine.Remove(q, nil)
		wantRC := 0
		if rerr != nil {
			wantRC = 1
		}
		assert.Equal(t, res.rc, wantRC, "-R %q rc; stderr %q", q, res.stderr)
		var hdr strings.Builder
		for _, n := range removed {
			fmt.Fprintf(&hdr, "# Host %s found: line %d\n", q, n)
		}
		assert.True(t, strings.HasPrefix(res.stdout, hdr.String()), "-R %q stdout %q, want prefix %q", q, res.stdout, hdr.String())
		if rerr == nil {
			assert.Equal(t, string(after), string(mine.Bytes()), "-R %q -f %s result", q, path)
		} else {
			assert.Equal(t, content, string(after))
		}
		os.Remove(cp + ".old")
	}

	// -H on a copy: same lines, hashed names that hash the same names.
	cp := path + ".H"
	require.NoError(t, os.WriteFile(cp, []byte(content), 0o644))
	res := runKeygen(t, keygen, "-H", "-f", cp)
	runs++
	after, err := os.ReadFile(cp)
	require.NoError(t, err)
	mine := parseData(content, cp)
	_, herr := mine.Hash(nil)
	assert.Equal(t, res.rc, map[bool]int{true: 1, false: 0}[herr != nil], "-H rc; stderr %q", res.stderr)
	if herr != nil {
		assert.Equal(t, content, string(after))
		return runs
	}
	theirs := strings.Split(string(after), "\n")
	ours := strings.Split(string(mine.Bytes()), "\n")
	if !assert.Equal(t, len(theirs), len(ours), "-H -f %s: line count", path) {
		return runs
	}
	orig := parseData(content, path)
	// Map each output line back to its name: walk the original lines.
	k := 0
	for _, l := range orig.Lines {
		e := l.Entry
		if e == nil || hasWildcard(e.Hosts) || e.IsHashed() || e.Marker != "" {
			assert.Equal(t, l.Text, theirs[k])
			assert.Equal(t, l.Text, ours[k])
			k++
			continue
		}
		for _, name := range strings.Split(e.Hosts, ",") {
			if name == "" {
				break
			}
			name = lowerASCII(name)
			for _, line := range []string{theirs[k], ours[k]} {
				hf, rest, _ := strings.Cut(line, " ")
				assert.Equal(t, e.KeyText, rest)
				h, err := parseHashed(hf)
				if assert.NoError(t, err) {
					assert.Equal(t, hf, hashWithSalt(name, h.salt[:]), "-H of %q", name)
				}
			}
			k++
		}
	}
	return runs
}
