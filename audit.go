package hostkeys

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/knownhosts"
	"github.com/hostkeys/hostkeys/sshfp"
)

// AuditOptions says what [Audit] reads and how strict it is. The zero
// value audits nothing; set at least KnownHosts.
type AuditOptions struct {
	// KnownHosts are the known_hosts files to audit, in the order ssh
	// reads them. Every file must be readable: a missing file is an
	// error (the CLI drops ssh's default files that do not exist).
	KnownHosts []string
	// Pins are pin lists, the approved host keys (see [ParsePins]). If
	// empty, the pin-list rules (HK2xx) are off.
	Pins []string
	// Inventory is a file naming the hosts that exist, one per line, as
	// ssh looks them up ("host" or "[host]:port"); blank lines and '#'
	// comments are skipped. If empty, the inventory rules (HK3xx) are off,
	// and hashed entries are de-hashed against the pin lists' literal host
	// names instead, if there are pin lists.
	Inventory string
	// RequireHashed reports entries whose host names could be hashed but
	// are not (HK106).
	RequireHashed bool
	// MinRSABits is the smallest RSA key that is not reported (HK103). If
	// zero, 2048 is used.
	MinRSABits int
	// Workers is how many goroutines parse keys and de-hash names. If
	// zero, runtime.GOMAXPROCS(0) is used.
	Workers int
	// Progress, if not nil, is called from Audit's goroutine about ten
	// times a second while inventory names are de-hashed, with the names
	// done and the total, and once at the end.
	Progress func(done, total int)

	// Scan, if not nil, is the scanner of the live rules (HK4xx): every
	// host named by a literal (not wildcard, not hashed) known_hosts or
	// pin-list name, and every inventory name, is scanned with it, for
	// plain keys, and again for host certificates if its KEXINIT offers
	// them (Scan.Certificates is not used). If nil, nothing is scanned.
	Scan *keyscan.Scanner
	// CertWarn is how long before it expires a host certificate is
	// reported (HK407). If zero, 30 days.
	CertWarn time.Duration
	// SSHFP, if not nil, looks up the SSHFP records of the same hosts'
	// names (addresses have none) for the DNS rules (HK5xx). If nil, DNS
	// is not asked.
	SSHFP *sshfp.Resolver
	// Now is the clock that host certificates are checked against. If
	// nil, time.Now is used.
	Now func() time.Time
	// ScanProgress, if not nil, is called from one goroutine at a time,
	// at most about ten times a second, while hosts are scanned, with
	// the hosts done and the total, and once at the end.
	ScanProgress func(done, total int)
}

// DefaultMinRSABits is the RSA size below which keys are reported when
// AuditOptions.MinRSABits is zero.
const DefaultMinRSABits = 2048

// A Finding is one problem Audit found.
type Finding struct {
	RuleID   string   // a [Rule] ID, such as "HK104"
	Severity Severity // the rule's severity
	// File and Line locate the line the finding is about (Line is
	// 1-based); both are empty for findings about no line.
	File string
	Line int
	// Host is the host the finding is about: a name from the line or the
	// inventory, the first pattern of a line's host field, or the hashed
	// field of an entry no inventory name de-hashed. Empty for a line
	// that names no host.
	Host string
	// Key is the SHA-256 fingerprint of the key concerned, if any.
	Key string
	// Message is one sentence saying what is wrong.
	Message string
}

// Location returns "file:line", "file" or "".
func (f *Finding) Location() string {
	if f.Line > 0 {
		return f.File + ":" + strconv.Itoa(f.Line)
	}
	return f.File
}

// Report is the result of [Audit].
type Report struct {
	// Findings are sorted by file (in the order the files were given),
	// line and rule.
	Findings []Finding
	// Files are the files read, in order: known_hosts files, pin lists,
	// then the inventory.
	Files []string
	Stats AuditStats
}

// AuditStats says how much work an audit did.
type AuditStats struct {
	Lines          int // known_hosts lines read
	Entries        int // of which entries
	HashedEntries  int // of which with hashed names
	Pins           int // pins read from the pin lists
	InventoryNames int // distinct names in the inventory
	// DehashNames is the number of distinct names hashed entries were
	// matched against: the inventory's, or the pin lists' host names.
	DehashNames int
	// HMACs is the number of HMAC-SHA1 computations spent de-hashing:
	// one per (hashed entry, name), for the entries whose hashed field
	// is usable (the others match no name and cost none).
	HMACs int64
}

// Count returns the number of findings of severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for i := range r.Findings {
		if r.Findings[i].Severity == s {
			n++
		}
	}
	return n
}

// Max returns the highest severity of the findings, or 0 if there are
// none.
func (r *Report) Max() Severity {
	var m Severity
	for i := range r.Findings {
		m = max(m, r.Findings[i].Severity)
	}
	return m
}

// InventoryError is a problem reading an inventory file as a whole.
type InventoryError struct {
	File string
	Err  error
}

func (e *InventoryError) Error() string {
	return fmt.Sprintf("hostkeys: inventory %s: %v", e.File, e.Err)
}

func (e *InventoryError) Unwrap() error { return e.Err }

// MaxInventoryLineLength is the longest inventory line read; a longer
// line is reported (HK303) and skipped.
const MaxInventoryLineLength = 4096

// Audit checks known_hosts files, against pin lists and an inventory of
// hosts, for the problems listed by [Rules]: lines ssh cannot use, weak
// keys, hosts with conflicting or duplicate keys, clear-text names where
// hashing is required, wildcard and over-broad trust, revoked keys still
// trusted; entries the approved list contradicts or does not cover,
// approved hosts missing, hosts approved only by MD5; entries of hosts
// that are gone and hosts with no entry. With AuditOptions.Scan, the
// hosts are scanned: keys the records contradict, expiring or misnamed
// host certificates, SHA-1 and weak algorithms, Terrapin exposure; with
// AuditOptions.SSHFP, their SSHFP records are looked up: missing,
// insecure, SHA-1-only or not matching.
//
// Every finding is reported; none stops the audit. The error is non-nil
// only when a file cannot be read or ctx is done.
//
// Hashed entries are de-hashed only against inventory names, or without
// an inventory against the pin lists' literal host names: each (hashed
// entry, name) pair costs one HMAC-SHA1, from salt states computed once,
// spread over the workers. A hashed entry no name matches stands for no
// known host, so it is checked alone (its key, its line).
func Audit(ctx context.Context, opts AuditOptions) (*Report, error) {
	return runAudit(ctx, opts, nil)
}

// runAudit is Audit reading each file through open, or from the file
// system if open is nil (FuzzAudit audits byte slices without writing
// files).
func runAudit(ctx context.Context, opts AuditOptions, open func(name string) (io.ReadCloser, error)) (*Report, error) {
	a := &auditor{opts: opts, open: open, fileIndex: map[string]int{}, seen: map[seenKey]bool{}}
	if a.opts.MinRSABits <= 0 {
		a.opts.MinRSABits = DefaultMinRSABits
	}
	if a.opts.Workers <= 0 {
		a.opts.Workers = runtime.GOMAXPROCS(0)
	}
	if err := a.load(ctx); err != nil {
		return nil, err
	}
	// The line checks, the pin lists (when the inventory gives the names)
	// and the index of plain names need no de-hashed names: they run on
	// this goroutine while the workers de-hash, which keeps every core
	// busy.
	if !a.invFile {
		if err := a.loadPins(); err != nil {
			return nil, err
		}
		a.inv = a.pinnedNames()
	}
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wait := a.startDehash(dctx)
	// De-hashing needs only the files' entries, not their keys: the
	// keys are parsed and checked while it runs.
	a.checkUsable()
	var err error
	if a.invFile {
		err = a.loadPins()
	}
	if err == nil {
		a.checkLines()
		a.indexNames()
	} else {
		cancel()
	}
	if werr := wait(); err == nil {
		err = werr
	}
	if err != nil {
		return nil, err
	}
	a.nameHashed()
	a.checkHosts()
	a.checkPins()
	a.checkInventory()
	if err := a.checkRemote(ctx); err != nil {
		return nil, err
	}
	return &Report{Findings: a.sorted(), Files: a.fileNames, Stats: a.stats}, nil
}

// sorted returns the findings ordered by file (in the order given), line,
// rule and host, and else as they were found.
func (a *auditor) sorted() []Finding {
	type key struct {
		file, line, i int
	}
	keys := make([]key, len(a.findings))
	for i := range a.findings {
		f := &a.findings[i]
		keys[i] = key{a.fileIndex[f.File], f.Line, i}
	}
	slices.SortFunc(keys, func(x, y key) int {
		if c := cmp.Compare(x.file, y.file); c != 0 {
			return c
		}
		if c := cmp.Compare(x.line, y.line); c != 0 {
			return c
		}
		fx, fy := &a.findings[x.i], &a.findings[y.i]
		return cmp.Or(cmp.Compare(fx.RuleID, fy.RuleID), cmp.Compare(fx.Host, fy.Host), cmp.Compare(x.i, y.i))
	})
	out := make([]Finding, len(keys))
	for i, k := range keys {
		out[i] = a.findings[k.i]
	}
	return out
}

// auditor holds one audit's state.
type auditor struct {
	opts      AuditOptions
	open      func(name string) (io.ReadCloser, error) // nil: the file system
	files     []*knownhosts.File
	fileNames []string
	fileIndex map[string]int
	khFiles   int // the first khFiles files are known_hosts files
	ents      []entInfo
	// lineEnt maps a file's line numbers to indexes in ents (-1: none).
	lineEnt [][]int32
	inv     []invName // the inventory's names, or the pinned names
	// badHashed counts the hashed entries whose host field is unusable:
	// the DB never hashes a name for them.
	badHashed int
	invFile   bool // inv is the inventory's
	pins      []*Pins
	stats     AuditStats

	findings   []Finding
	findingEnt []int32            // the entry each finding is about, or -1
	seen       map[seenKey]bool   // findings about pairs of lines, made once
	fps        []string           // by entInfo.bid: SHA256 fingerprints, made when needed
	byName     map[string][]int32 // literal plain names -> unmarked usable entries
	nameOrder  []string           // byName's keys in file order
}

type seenKey struct {
	rule string
	a, b int32
}

// entInfo is what the audit knows of one entry.
type entInfo struct {
	e    *knownhosts.Entry
	file int
	key  ssh.PublicKey // nil if the line is not usable
	b64  string        // the key's base64 field
	// kid numbers the distinct (key type, base64 field) pairs, and bid
	// the distinct base64 fields: entries with the same key share them,
	// so that maps about keys are keyed by numbers, not long strings.
	kid, bid int32
	// name is the name the entry is reported under: the first pattern,
	// or for a hashed entry the inventory name that de-hashes it.
	name    string
	matched bool // some inventory name matches the entry
}

// usable reports whether ssh can use the entry's line.
func (x *entInfo) usable() bool { return x.key != nil }

// invName is one inventory name.
type invName struct {
	name string
	line int
	ents []int32 // entries whose host field matches the name
}

func (a *auditor) addFile(name string) bool {
	if _, ok := a.fileIndex[name]; ok {
		return false
	}
	a.fileIndex[name] = len(a.fileNames)
	a.fileNames = append(a.fileNames, name)
	return true
}

func (a *auditor) load(ctx context.Context) error {
	for _, name := range a.opts.KnownHosts {
		if !a.addFile(name) {
			continue // the same file twice
		}
		f, err := a.parseKnownHosts(name)
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		fi := len(a.files)
		a.files = append(a.files, f)
		idx := make([]int32, len(f.Lines)+1)
		for i := range idx {
			idx[i] = -1
		}
		a.stats.Lines += len(f.Lines)
		for _, e := range f.Entries() {
			idx[e.Line] = int32(len(a.ents))
			a.ents = append(a.ents, entInfo{e: e, file: fi, b64: keyField(e.KeyText), name: firstName(e)})
			if e.IsHashed() {
				a.stats.HashedEntries++
			}
		}
		a.lineEnt = append(a.lineEnt, idx)
	}
	a.stats.Entries = len(a.ents)

	a.khFiles = len(a.fileNames)
	for _, name := range a.opts.Pins {
		a.addFile(name)
	}
	if a.opts.Inventory != "" {
		a.invFile = true
		if err := a.readInventory(a.opts.Inventory); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// parseKnownHosts reads one known_hosts file.
func (a *auditor) parseKnownHosts(name string) (*knownhosts.File, error) {
	if a.open == nil {
		return knownhosts.ParseFile(name)
	}
	r, err := a.open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return knownhosts.Parse(r, name)
}

// checkUsable reports the lines ssh cannot use, with the parser's
// reasons, and sets the key of every usable entry. As in knownhosts'
// File.Problems, a line is unusable when it is invalid, when its hashed
// host field is, or when its key does not parse or is of a type OpenSSH
// does not know. Unlike Problems, each distinct key is parsed once, not
// once per line (hosts share keys: genkh's 100,000 lines hold 600), on all
// workers, and entries share the parsed key.
func (a *auditor) checkUsable() {
	type parsed struct {
		key    ssh.PublicKey
		reason string
	}
	type keyText struct{ typ, b64 string }
	index := map[keyText]int32{}
	var firsts []int32
	for i := range a.ents {
		x := &a.ents[i]
		k := keyText{x.e.KeyType(), x.b64}
		kid, ok := index[k]
		if !ok {
			kid = int32(len(firsts))
			index[k] = kid
			firsts = append(firsts, int32(i))
		}
		x.kid = kid
	}
	// The base64 fields, numbered from the few distinct keys.
	bids := make([]int32, len(firsts))
	byB64 := map[string]int32{}
	for j, i := range firsts {
		b64 := a.ents[i].b64
		bid, ok := byB64[b64]
		if !ok {
			bid = int32(len(byB64))
			byB64[b64] = bid
		}
		bids[j] = bid
	}
	for i := range a.ents {
		a.ents[i].bid = bids[a.ents[i].kid]
	}
	a.fps = make([]string, len(byB64))
	keys := make([]parsed, len(firsts))
	a.parallel(len(firsts), func(j int) {
		key, err := a.ents[firsts[j]].e.Key()
		var le *knownhosts.LineError
		switch {
		case errors.As(err, &le):
			keys[j].reason = le.Reason
		case err != nil:
			keys[j].reason = err.Error()
		case !fingerprint.OpenSSHKnows(key):
			keys[j].reason = fmt.Sprintf("key type %q is not supported by OpenSSH", key.Type())
		default:
			keys[j].key = key
		}
	})
	hostErrs := a.hashedHostErrors()
	a.badHashed = len(hostErrs)
	for fi, f := range a.files {
		for li := range f.Lines {
			l := &f.Lines[li]
			var reason, host string
			switch {
			case l.Err != nil:
				reason = l.Err.Reason
			case l.Entry != nil:
				i := a.lineEnt[fi][l.Num]
				x := &a.ents[i]
				host = x.name
				if r, ok := hostErrs[i]; ok {
					reason = r
					break
				}
				p := &keys[x.kid]
				x.key, reason = p.key, p.reason
			}
			if reason != "" {
				a.add(Finding{RuleID: RuleMalformedLine, File: f.Name, Line: l.Num, Host: host,
					Message: "ssh ignores this line: " + reason + "; fix it from a trusted copy of the key, or delete it."})
			}
		}
	}
}

// fixedKey is a valid key for hashedHostErrors' lines.
const fixedKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

// hashedHostErrors returns why hashed host fields are unusable, by entry:
// knownhosts' own reasons, from parsing each field again on a line of its
// own with a fixed key, so that only that key is parsed.
func (a *auditor) hashedHostErrors() map[int32]string {
	var idx []int32
	var b strings.Builder
	for i := range a.ents {
		if e := a.ents[i].e; e.IsHashed() {
			idx = append(idx, int32(i))
			b.WriteString(e.Hosts)
			b.WriteString(" " + fixedKey + "\n")
		}
	}
	if len(idx) == 0 {
		return nil
	}
	f, err := knownhosts.Parse(strings.NewReader(b.String()), "hashed host fields")
	if err != nil {
		return nil // reading a string does not fail
	}
	out := map[int32]string{}
	for _, p := range f.Problems() {
		if p.Line >= 1 && p.Line <= len(idx) {
			out[idx[p.Line-1]] = p.Reason
		}
	}
	return out
}

// parallel calls fn(i) for i from 0 to n-1 on all workers, in blocks.
func (a *auditor) parallel(n int, fn func(i int)) {
	const block = 1024
	if n <= block || a.opts.Workers == 1 {
		// One block: the other workers would find nothing to do.
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < a.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(block)) - block
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+block, n); i++ {
					fn(i)
				}
			}
		}()
	}
	wg.Wait()
}

// keyField returns the base64 field of "TYPE BASE64 [comment]".
func keyField(keyText string) string {
	i := strings.IndexAny(keyText, " \t")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(keyText[i:], " \t")
	if i := strings.IndexAny(rest, " \t"); i >= 0 {
		rest = rest[:i]
	}
	return strings.TrimSuffix(rest, "\r")
}

// firstName is the name an entry is reported under before any
// de-hashing: its first pattern, or its hashed field.
func firstName(e *knownhosts.Entry) string {
	if e.IsHashed() {
		return e.Hosts
	}
	name, _, _ := strings.Cut(e.Hosts, ",")
	return name
}

func (a *auditor) readInventory(name string) error {
	if !a.addFile(name) {
		return &InventoryError{File: name, Err: errors.New("also given as a known_hosts file")}
	}
	open := a.open
	if open == nil {
		open = func(name string) (io.ReadCloser, error) { return os.Open(name) }
	}
	fh, err := open(name)
	if err != nil {
		return &InventoryError{File: name, Err: err}
	}
	defer fh.Close()
	r := bufio.NewReader(fh)
	seen := map[string]bool{}
	for num := 1; ; num++ {
		line, err := readLine(r)
		if err == io.EOF && line == "" {
			break
		}
		if err != nil && err != io.EOF && !errors.Is(err, errLongLine) {
			return &InventoryError{File: name, Err: err}
		}
		bad := func(reason string) {
			a.add(Finding{RuleID: RuleInventoryLine, File: name, Line: num, Message: "Not a host name: " + reason + "; fix or delete the line."})
		}
		if errors.Is(err, errLongLine) {
			bad(fmt.Sprintf("the line is longer than %d bytes", MaxInventoryLineLength))
			continue
		}
		s := strings.Trim(line, " \t\r")
		if s == "" || s[0] == '#' {
			continue
		}
		if reason := badInventoryName(s); reason != "" {
			bad(reason)
			continue
		}
		if _, err := netip.ParseAddr(s); err != nil {
			s = strings.ToLower(s) // as ssh lowercases names, not addresses
		}
		if seen[s] {
			continue
		}
		seen[s] = true
		a.inv = append(a.inv, invName{name: s, line: num})
	}
	a.stats.InventoryNames = len(a.inv)
	return nil
}

var errLongLine = errors.New("line too long")

// readLine reads one line without its "\n"; a line over
// MaxInventoryLineLength is consumed and reported as errLongLine.
func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(b)+len(chunk) > MaxInventoryLineLength+1 {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = r.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return "", err
			}
			return "", errLongLine
		}
		b = append(b, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return strings.TrimSuffix(string(b), "\n"), err
	}
}

// badInventoryName says why s cannot be a host name as ssh looks it up.
func badInventoryName(s string) string {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return fmt.Sprintf("%q has a blank in it (one name per line)", s)
	}
	if strings.ContainsAny(s, ",*?!") {
		return fmt.Sprintf("%q is a list or a pattern", s)
	}
	if s[0] == '|' || s[0] == '@' {
		return fmt.Sprintf("%q is not a name", s)
	}
	if s[0] == '[' {
		host, port, ok := strings.Cut(s[1:], "]:")
		if !ok || host == "" || port == "" || strings.Trim(port, "0123456789") != "" {
			return fmt.Sprintf("%q is not \"[host]:port\"", s)
		}
	}
	return ""
}

// startDehash starts matching every inventory name against every
// entry, on all workers, and returns a function that waits for the end.
// Each worker looks names up in a DB that scans its hashed entries on one
// goroutine, so a (hashed entry, name) pair costs one HMAC and the cores
// never wait for each other.
func (a *auditor) startDehash(ctx context.Context) (wait func() error) {
	if len(a.inv) == 0 || !a.invFile && a.stats.HashedEntries == 0 {
		return func() error { return ctx.Err() }
	}
	a.stats.DehashNames = len(a.inv)
	db := knownhosts.New(knownhosts.Options{Workers: 1}, a.files...)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < a.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(a.inv) {
					return
				}
				n := &a.inv[i]
				for _, e := range db.Lookup(n.name) {
					if j := a.entryAt(e); j >= 0 {
						n.ents = append(n.ents, j)
					}
				}
				done.Add(1)
			}
		}()
	}
	return func() error {
		if a.opts.Progress != nil {
			finished := make(chan struct{})
			go func() { wg.Wait(); close(finished) }()
			t := time.NewTicker(100 * time.Millisecond)
		loop:
			for {
				select {
				case <-finished:
					break loop
				case <-t.C:
					a.opts.Progress(int(done.Load()), len(a.inv))
				}
			}
			t.Stop()
			a.opts.Progress(int(done.Load()), len(a.inv))
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return err
		}
		// Each lookup hashes the name once with every usable hashed
		// entry's salt state (knownhosts' DB.Lookup), and nothing else.
		a.stats.HMACs = int64(len(a.inv)) * int64(a.stats.HashedEntries-a.badHashed)
		return nil
	}
}

// nameHashed marks the entries some name matches, names each hashed entry
// after the first name that matches it, and reports the findings made
// before about such entries under that name.
func (a *auditor) nameHashed() {
	for i := range a.inv {
		n := &a.inv[i]
		for _, j := range n.ents {
			x := &a.ents[j]
			x.matched = true
			if x.e.IsHashed() && x.name == x.e.Hosts {
				x.name = n.name
			}
		}
	}
	for i, j := range a.findingEnt {
		if j >= 0 && a.ents[j].e.IsHashed() {
			a.findings[i].Host = a.ents[j].name
		}
	}
}

// entryAt maps an entry returned by a DB lookup back to the audit's.
func (a *auditor) entryAt(e *knownhosts.Entry) int32 {
	fi, ok := a.fileIndex[e.File]
	if !ok || fi >= a.khFiles || fi >= len(a.lineEnt) || e.Line <= 0 || e.Line >= len(a.lineEnt[fi]) {
		return -1
	}
	return a.lineEnt[fi][e.Line]
}

func (a *auditor) add(f Finding) {
	if r, ok := ruleByID(f.RuleID); ok && f.Severity == 0 {
		f.Severity = r.Severity
	}
	a.findings = append(a.findings, f)
	a.findingEnt = append(a.findingEnt, -1)
}

// addAt adds a finding about entry i.
func (a *auditor) addAt(rule string, i int32, msg string) {
	x := &a.ents[i]
	a.add(Finding{RuleID: rule, File: x.e.File, Line: x.e.Line, Host: x.name, Key: a.fingerprint(x), Message: msg})
	a.findingEnt[len(a.findingEnt)-1] = i
}

// fingerprint returns the entry's key's SHA-256 fingerprint, computed
// once per key.
func (a *auditor) fingerprint(x *entInfo) string {
	if x.key == nil {
		return ""
	}
	if fp := a.fps[x.bid]; fp != "" {
		return fp
	}
	fp := fingerprint.Of(x.key, fingerprint.SHA256).String()
	a.fps[x.bid] = fp
	return fp
}

func (a *auditor) where(i int32) string {
	x := &a.ents[i]
	if len(a.files) == 1 {
		return fmt.Sprintf("line %d", x.e.Line)
	}
	return fmt.Sprintf("%s:%d", x.e.File, x.e.Line)
}

// checkLines applies the rules about one line.
func (a *auditor) checkLines() {
	revoked := map[int32]int32{} // base64 key (bid) -> first @revoked entry
	for i := range a.ents {
		x := &a.ents[i]
		if x.usable() && x.e.Marker == fingerprint.Revoked {
			if _, ok := revoked[x.bid]; !ok {
				revoked[x.bid] = int32(i)
			}
		}
	}
	for i := range a.ents {
		x := &a.ents[i]
		if !x.usable() {
			continue
		}
		i := int32(i)
		if x.e.Marker != fingerprint.Revoked {
			a.checkKey(i)
			if r, ok := revoked[x.bid]; ok {
				what := "trusted"
				if x.e.Marker == fingerprint.CertAuthority {
					what = "trusted as a CA"
				}
				a.addAt(RuleRevokedKeyTrusted, i, fmt.Sprintf("This key is revoked at %s (for %s) but %s here; delete this line.",
					a.where(r), a.ents[r].e.Hosts, what))
			}
		}
		switch x.e.Marker {
		case "":
			if x.e.IsHashed() {
				continue
			}
			wild := wildcards(x.e.Patterns())
			if len(wild) > 0 {
				a.addAt(RuleWildcardPlainKey, i, fmt.Sprintf("One plain %s key is trusted for every host matching %s; list the hosts that share it, or trust their CA with @cert-authority.",
					x.key.Type(), strings.Join(quoteAll(wild), ", ")))
			} else if a.opts.RequireHashed && !hasNegation(x.e.Patterns()) {
				a.addAt(RulePlainHostName, i, fmt.Sprintf("Host names %s are in clear text; hash them with `hostkeys hash`.",
					strings.Join(quoteAll(x.e.Patterns()), ", ")))
			}
		case fingerprint.CertAuthority:
			if x.e.IsHashed() {
				continue
			}
			if broad := broadPatterns(x.e.Patterns()); len(broad) > 0 {
				a.addAt(RuleBroadCertAuthority, i, fmt.Sprintf("The CA is trusted to sign for every host matching %s, beyond one domain; limit the pattern to the domains it signs for.",
					strings.Join(quoteAll(broad), ", ")))
			}
		}
	}
}

// checkKey reports weak keys.
func (a *auditor) checkKey(i int32) {
	x := &a.ents[i]
	typ := x.key.Type()
	switch {
	case typ == fingerprint.KeyAlgoDSA || typ == fingerprint.CertAlgoDSAv01:
		a.addAt(RuleDSAKey, i, "DSA key: OpenSSH no longer accepts DSA host keys; pin the host's Ed25519 or ECDSA key instead.")
	case typ == ssh.KeyAlgoRSA || typ == ssh.CertAlgoRSAv01:
		if bits := fingerprint.Bits(x.key); bits > 0 && bits < a.opts.MinRSABits {
			a.addAt(RuleSmallRSAKey, i, fmt.Sprintf("RSA key of %d bits, under the minimum of %d; pin a larger RSA or an Ed25519 key of the host instead.", bits, a.opts.MinRSABits))
		}
	}
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return q
}

// wildcards returns the positive patterns with '*' or '?'.
func wildcards(patterns []string) []string {
	var out []string
	for _, p := range patterns {
		if !strings.HasPrefix(p, "!") && strings.ContainsAny(p, "*?") {
			out = append(out, p)
		}
	}
	return out
}

func hasNegation(patterns []string) bool {
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			return true
		}
	}
	return false
}

// broadPatterns returns the positive patterns that reach beyond one
// domain: those whose literal text after the last wildcard does not
// name at least two labels, such as "*", "*.com", "10.*" or "web*".
func broadPatterns(patterns []string) []string {
	var out []string
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			continue
		}
		i := strings.LastIndexAny(p, "*?")
		if i < 0 {
			continue
		}
		suffix := strings.TrimSuffix(p[i+1:], ".")
		labels := 0
		for _, l := range strings.Split(suffix, ".") {
			if l != "" {
				labels++
			}
		}
		if !strings.HasPrefix(suffix, ".") || labels < 2 {
			out = append(out, p)
		}
	}
	return out
}

// checkHosts applies the rules about one host's entries: conflicting
// keys of one type and duplicates. A host's entries are those of its
// literal plain names, and for an inventory name every entry ssh would
// consider for it (hashed ones and patterns included).
// indexNames indexes the literal names of unmarked usable plain entries.
func (a *auditor) indexNames() {
	// Presized: a plain entry names a host or two, and growing the map
	// (rehashing every name) cost more than filling it.
	a.byName = make(map[string][]int32, len(a.ents)-a.stats.HashedEntries)
	for i := range a.ents {
		x := &a.ents[i]
		if !x.usable() || x.e.Marker != "" || x.e.IsHashed() {
			continue
		}
		for _, p := range x.e.Patterns() {
			if p == "" || p[0] == '!' || strings.ContainsAny(p, "*?") {
				continue
			}
			p = strings.ToLower(p)
			if _, ok := a.byName[p]; !ok {
				a.nameOrder = append(a.nameOrder, p)
			}
			a.byName[p] = append(a.byName[p], int32(i))
		}
	}
}

func (a *auditor) checkHosts() {
	inInv := map[string]bool{}
	for _, n := range a.inv {
		if !a.invFile && a.stats.HashedEntries == 0 {
			break // pinned names: nothing de-hashed, the plain index has them
		}
		inInv[n.name] = true
		var ents []int32
		for _, j := range n.ents {
			if x := &a.ents[j]; x.usable() && x.e.Marker == "" {
				ents = append(ents, j)
			}
		}
		a.checkHost(n.name, ents)
	}
	for _, name := range a.nameOrder {
		if !inInv[name] {
			a.checkHost(name, a.byName[name])
		}
	}
}

// checkHost reports conflicting and duplicate keys among one host's
// unmarked usable entries, given in file order.
func (a *auditor) checkHost(name string, ents []int32) {
	if len(ents) < 2 {
		return
	}
	firstOfType := map[string]int32{} // key type -> first entry
	firstOfKey := map[int32]int32{}   // base64 key (bid) -> first entry
	for _, j := range ents {
		x := &a.ents[j]
		if k, ok := firstOfKey[x.bid]; ok {
			if a.once(RuleDuplicateEntry, k, j) {
				a.addAt(RuleDuplicateEntry, j, fmt.Sprintf("Host %q has this key already at %s; delete this copy.", name, a.where(k)))
			}
			continue
		}
		firstOfKey[x.bid] = j
		typ := x.key.Type()
		if k, ok := firstOfType[typ]; ok {
			if a.once(RuleConflictingKeys, k, j) {
				a.addAt(RuleConflictingKeys, j, fmt.Sprintf("Host %q has another %s key at %s (%s); ssh accepts both, so delete the one the host no longer has.",
					name, typ, a.where(k), a.fingerprint(&a.ents[k])))
			}
			continue
		}
		firstOfType[typ] = j
	}
}

// once reports whether the finding about entries i and j is new.
func (a *auditor) once(rule string, i, j int32) bool {
	k := seenKey{rule: rule, a: i, b: j}
	if a.seen[k] {
		return false
	}
	a.seen[k] = true
	return true
}

// checkInventory reports stale entries and hosts without entries.
func (a *auditor) checkInventory() {
	if !a.invFile {
		return
	}
	for i := range a.ents {
		x := &a.ents[i]
		if x.matched || x.e.Marker != "" || !x.usable() {
			continue
		}
		if x.e.IsHashed() {
			a.addAt(RuleStaleEntry, int32(i), "This hashed entry matches no inventory host; delete the line, or add its host to the inventory.")
			continue
		}
		if len(wildcards(x.e.Patterns())) > 0 {
			continue // a pattern stands for hosts, not a host
		}
		a.addAt(RuleStaleEntry, int32(i), fmt.Sprintf("%s matches no inventory host; remove the entry (`hostkeys remove`), or add the host to the inventory.", strings.Join(quoteAll(x.e.Patterns()), ", ")))
	}
	for _, n := range a.inv {
		found := false
		for _, j := range n.ents {
			if x := &a.ents[j]; x.usable() && x.e.Marker != fingerprint.Revoked {
				found = true
				break
			}
		}
		if !found {
			a.add(Finding{RuleID: RuleHostWithoutEntry, File: a.opts.Inventory, Line: n.line, Host: n.name,
				Message: fmt.Sprintf("No known_hosts entry that ssh can use names %q; add its key (`hostkeys verify --write`), or remove it from the inventory.", n.name)})
		}
	}
}
