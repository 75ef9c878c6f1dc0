package knownhosts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// Options tunes a DB. The zero value is what ssh does, except that the
// files named must exist.
type Options struct {
	// Now is the clock used to check host certificates' validity. If nil,
	// time.Now is used.
	Now func() time.Time
	// Workers is how many goroutines match a name against hashed entries
	// when there are many of them. If zero, runtime.GOMAXPROCS(0) is used.
	Workers int
	// SkipMissing skips files that do not exist, as ssh skips its
	// known_hosts files (see [DefaultFiles]); [DB.Files] lists them as
	// missing. If false, a missing file is an error: a program that
	// names a wrong path would otherwise trust no key it has recorded.
	SkipMissing bool
}

// DB is the set of known_hosts files ssh reads for one connection: the
// user's and the global ones, in order. It is safe for concurrent use.
//
// It holds what lookups need, compactly: each entry's key text (shared
// between entries with the same key) and host field, an index of plain
// names, the patterns to scan, and the HMAC states of hashed names.
type DB struct {
	files    []DBFile        // what each file gave, in order
	names    []string        // names of the files read
	segs     []segment       // every entry of every file, in order
	hsegs    []hashedSegment // hashed names that can match
	nents    int
	nhashed  int
	index    map[string]int32   // lowercased literal name -> first entry
	more     map[string][]int32 // names of several entries -> the others
	patterns []patternRef       // plain host fields with * ? or !
	opts     Options
}

// DBFile says what a DB took from one file.
type DBFile struct {
	Name string
	// Entries is the number of entry lines read, usable by ssh or not.
	Entries int
	// Missing is set for a file that did not exist and was skipped
	// (Options.SkipMissing).
	Missing bool
}

// ErrNotKnownHosts is wrapped by the [FileError] of a file that is not a
// known_hosts file.
var ErrNotKnownHosts = errors.New("not a known_hosts file")

// FileError is returned by [Open] and [OpenOptions] for a file they
// cannot use: one that is missing (unless Options.SkipMissing is set),
// cannot be read, or is not a known_hosts file.
type FileError struct {
	File string
	// Line is, for a file that is not a known_hosts file, the first line
	// that shows it; 0 otherwise.
	Line int
	// Reason says what is wrong with that line.
	Reason string
	// Err is the cause: ErrNotKnownHosts, or the error of opening or
	// reading the file (an *fs.PathError; errors.Is(err,
	// fs.ErrNotExist) for a missing file).
	Err error
}

func (e *FileError) Error() string {
	if e.Err == ErrNotKnownHosts {
		return fmt.Sprintf("knownhosts: %s:%d: not a known_hosts file: %s", e.File, e.Line, e.Reason)
	}
	var pe *fs.PathError
	msg := "knownhosts: " + e.File + ": " + e.Err.Error()
	if errors.As(e.Err, &pe) {
		msg = "knownhosts: " + pe.Error()
	}
	if strings.HasPrefix(e.File, "~") && errors.Is(e.Err, fs.ErrNotExist) {
		msg += ` (a leading "~" is not expanded; see DefaultFiles)`
	}
	return msg
}

func (e *FileError) Unwrap() error { return e.Err }

// Open reads known_hosts files into a DB, as [OpenOptions] with the zero
// Options.
func Open(files ...string) (*DB, error) {
	return OpenOptions(Options{}, files...)
}

// OpenOptions reads known_hosts files into a DB. Invalid lines are
// skipped, as ssh skips them; use [ParseFile] to see them.
//
// Each file must exist, unless opts.SkipMissing is set, and be a
// known_hosts file: a file with content but no entry, in which some line
// is neither blank nor a comment or which holds a NUL byte, is refused
// (a binary file, a private key, a path mixed up with another), where
// ssh would silently trust nothing from it. A file with at least one
// entry is read as ssh reads it, bad lines and all. The error is a
// *[FileError] naming the file.
func OpenOptions(opts Options, files ...string) (*DB, error) {
	db := newDB(opts)
	for _, name := range files {
		before := db.nents
		if err := db.load(name); err != nil {
			cause := errors.Unwrap(err) // load adds the package prefix
			if cause == nil {
				cause = err
			}
			if opts.SkipMissing && errors.Is(err, fs.ErrNotExist) {
				db.files = append(db.files, DBFile{Name: name, Missing: true})
				continue
			}
			return nil, &FileError{File: name, Err: cause}
		}
		n := db.nents - before
		if n == 0 {
			if err := checkText(name); err != nil {
				return nil, err
			}
		}
		db.files = append(db.files, DBFile{Name: name, Entries: n})
	}
	return db, nil
}

// checkText reads a file without entries, to tell an empty or
// comment-only known_hosts file from one that is not a known_hosts file
// at all. It reads a line at a time, so that a huge binary file costs
// little memory.
func checkText(name string) error {
	fh, err := os.Open(name)
	if err != nil {
		return &FileError{File: name, Err: err}
	}
	defer fh.Close()
	br := bufio.NewReaderSize(fh, 4096)
	for num := 1; ; num++ {
		line, err := br.ReadSlice('\n')
		head := string(line) // the start of a long line: enough to classify it
		nul := bytes.IndexByte(line, 0) >= 0
		for err == bufio.ErrBufferFull && !nul {
			line, err = br.ReadSlice('\n')
			nul = bytes.IndexByte(line, 0) >= 0
		}
		if nul {
			return &FileError{File: name, Line: num, Reason: "binary data (a NUL byte)", Err: ErrNotKnownHosts}
		}
		if kind, reason := parseLine(strings.TrimSuffix(head, "\n"), &Entry{}); kind != BlankLine && kind != CommentLine {
			if reason == "" {
				reason = "not a known_hosts line"
			}
			return &FileError{File: name, Line: num, Reason: reason, Err: ErrNotKnownHosts}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &FileError{File: name, Err: err}
		}
	}
}

func newDB(opts Options) *DB {
	return &DB{opts: opts, index: map[string]int32{}, more: map[string][]int32{}}
}

// New makes a DB of parsed files (nil ones are skipped). The files must
// not be modified while the DB is in use.
func New(opts Options, files ...*File) *DB {
	db := newDB(opts)
	for _, f := range files {
		if f == nil {
			continue
		}
		fi := uint32(len(db.names))
		db.names = append(db.names, f.Name)
		var c chunkResult
		for i := range f.Lines {
			if e := f.Lines[i].Entry; e != nil {
				c.add(e, fi, nil)
			}
		}
		db.files = append(db.files, DBFile{Name: f.Name, Entries: len(c.ents)})
		db.push(&c)
	}
	return db
}

// Files reports, in order, the files the DB was made of and how many
// entries each gave, including the missing files that were skipped.
func (db *DB) Files() []DBFile { return slices.Clone(db.files) }

// Lookup returns the entries whose host field matches name exactly as
// ssh-keygen -F name finds them: name is "host" or "[host]:port",
// compared case-insensitively with plain names and patterns and as given
// with hashed names. Entries of every marker are returned, in file order,
// including entries whose key does not parse.
func (db *DB) Lookup(name string) []*Entry {
	seqs := db.match(name)
	out := make([]*Entry, len(seqs))
	for i, s := range seqs {
		out[i] = db.entry(s)
	}
	return out
}

func (db *DB) match(name string) []int32 {
	q := lowerASCII(name)
	hashed := db.startHashed(name) // on other cores while this one scans patterns
	var seqs []int32
	if s, ok := db.index[q]; ok {
		seqs = append(seqs, s)
		seqs = append(seqs, db.more[q]...)
	}
	for _, p := range db.patterns {
		if matchList(q, p.hosts) == matched {
			seqs = append(seqs, p.seq)
		}
	}
	seqs = append(seqs, hashed()...)
	slices.Sort(seqs)
	return seqs
}

// startHashed starts matching name against the hashed entries and
// returns a function that waits for the result. Large DBs are scanned by
// several goroutines.
func (db *DB) startHashed(name string) func() []int32 {
	if db.nhashed == 0 {
		return func() []int32 { return nil }
	}
	tail := prepareTail(name)
	workers := db.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers == 1 || db.nhashed < minParallelHashed {
		return func() []int32 { return db.scanHashed(0, db.nhashed, tail) }
	}
	// Workers take blocks of entries as they go, so that a core taken by
	// another process slows the lookup down only by its share.
	const block = 2048
	var next atomic.Int64
	results := make([][]int32, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(block)) - block
				if lo >= db.nhashed {
					return
				}
				results[w] = append(results[w], db.scanHashed(lo, min(lo+block, db.nhashed), tail)...)
			}
		}()
	}
	return func() []int32 {
		wg.Wait()
		var out []int32
		for _, r := range results {
			out = append(out, r...)
		}
		return out
	}
}

// scanHashed matches hashed references lo to hi-1.
func (db *DB) scanHashed(lo, hi int, tail []byte) []int32 {
	var out []int32
	c := sha1Pool.Get().(*sha1Blocks)
	defer sha1Pool.Put(c)
	for _, sg := range db.hsegs {
		b := int(sg.base)
		if b+len(sg.refs) <= lo || b >= hi {
			continue
		}
		refs := sg.refs[max(lo-b, 0):min(hi-b, len(sg.refs))]
		if hasSHANI {
			out = scanHashedX2(refs, tail, out)
			continue
		}
		for i := range refs {
			r := &refs[i]
			if r.st.sum(c, tail) == r.sum {
				out = append(out, r.seq)
			}
		}
	}
	return out
}

// scanHashedX2 matches refs two at a time with the SHA extensions.
func scanHashedX2(refs []hashedRef, tail []byte, out []int32) []int32 {
	n := len(tail) / 64
	var ha, hb [5]uint32
	for i := 0; i < len(refs); i += 2 {
		ra := &refs[i]
		rb := ra
		if i+1 < len(refs) {
			rb = &refs[i+1]
		}
		hmacX2(&ra.st, &rb.st, &tail[0], n, &ha, &hb)
		if ha == ra.sum {
			out = append(out, ra.seq)
		}
		if hb == rb.sum && rb != ra {
			out = append(out, rb.seq)
		}
	}
	return out
}

// HostKeys returns the entries ssh considers for the host at address:
// those whose host field matches the name ssh looks up (see [HostPort])
// and whose key OpenSSH can use, with every marker, in file order.
//
// The address is what ssh.Dial takes and a HostKeyCallback receives:
// "host:port", "[2001:db8::1]:2222", or a bare host (or IPv6 address) on
// port 22; OpenSSH's "[host]:port" is the same form. The host is
// lowercased unless it is an IP address, as ssh does.
func (db *DB) HostKeys(address string) []*Entry {
	host, port := SplitAddress(address)
	return db.usable(HostPort(sshHostName(host), port))
}

func (db *DB) usable(name string) []*Entry {
	var out []*Entry
	for _, s := range db.match(name) {
		if e := db.entry(s); e.usable() {
			db.ent(s).parsed.CompareAndSwap(nil, e.parsed.Load())
			out = append(out, e)
		}
	}
	return out
}

// sshHostName lowercases a host name as ssh does before it looks it up:
// names are lowercased, addresses are not.
func sshHostName(host string) string {
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	return lowerASCII(host)
}

// defaultHostKeyAlgorithms is OpenSSH 9.2's default HostKeyAlgorithms,
// without the algorithms x/crypto cannot verify, followed by ssh-rsa
// (SHA-1), which x/crypto still offers and old servers still need.
var defaultHostKeyAlgorithms = []string{
	ssh.CertAlgoED25519v01,
	ssh.CertAlgoECDSA256v01,
	ssh.CertAlgoECDSA384v01,
	ssh.CertAlgoECDSA521v01,
	ssh.CertAlgoSKED25519v01,
	ssh.CertAlgoSKECDSA256v01,
	ssh.CertAlgoRSASHA512v01,
	ssh.CertAlgoRSASHA256v01,
	ssh.KeyAlgoED25519,
	ssh.KeyAlgoECDSA256,
	ssh.KeyAlgoECDSA384,
	ssh.KeyAlgoECDSA521,
	ssh.KeyAlgoSKED25519,
	ssh.KeyAlgoSKECDSA256,
	ssh.KeyAlgoRSASHA512,
	ssh.KeyAlgoRSASHA256,
	ssh.KeyAlgoRSA,
}

// algoKeyType maps a host key algorithm to the plain key type it needs.
func algoKeyType(algo string) (keyType string, cert bool) {
	switch algo {
	case ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSASHA512:
		return ssh.KeyAlgoRSA, false
	case ssh.CertAlgoRSASHA256v01, ssh.CertAlgoRSASHA512v01, ssh.CertAlgoRSAv01:
		return ssh.KeyAlgoRSA, true
	case ssh.CertAlgoED25519v01:
		return ssh.KeyAlgoED25519, true
	case ssh.CertAlgoECDSA256v01:
		return ssh.KeyAlgoECDSA256, true
	case ssh.CertAlgoECDSA384v01:
		return ssh.KeyAlgoECDSA384, true
	case ssh.CertAlgoECDSA521v01:
		return ssh.KeyAlgoECDSA521, true
	case ssh.CertAlgoSKED25519v01:
		return ssh.KeyAlgoSKED25519, true
	case ssh.CertAlgoSKECDSA256v01:
		return ssh.KeyAlgoSKECDSA256, true
	}
	return algo, false
}

// HostKeyAlgorithms returns host key algorithms for
// ssh.ClientConfig.HostKeyAlgorithms, ordered as ssh orders them for this
// host (OpenSSH's order_hostkeyalgs): if a plain key of the most preferred
// type is known, the default list as is; otherwise the algorithms of the
// known plain keys first, every certificate algorithm first if a matching
// @cert-authority line exists, and the rest after, each group in the
// default order. An RSA key makes rsa-sha2-512, rsa-sha2-256 and ssh-rsa
// preferred. With nothing known the default list is returned. The
// address is the one given to ssh.Dial (see [DB.HostKeys]).
func (db *DB) HostKeyAlgorithms(address string) []string {
	entries := db.HostKeys(address)
	known := map[string]bool{}
	ca := false
	for _, e := range entries {
		switch e.Marker {
		case "":
			k, _ := e.Key()
			if _, isCert := k.(*ssh.Certificate); !isCert {
				known[k.Type()] = true
			}
		case fingerprint.CertAuthority:
			ca = true
		}
	}
	algos := slices.Clone(defaultHostKeyAlgorithms)
	if t, _ := algoKeyType(algos[0]); known[t] {
		return algos
	}
	var first, last []string
	for _, a := range algos {
		t, cert := algoKeyType(a)
		if (cert && ca) || known[t] {
			first = append(first, a)
		} else {
			last = append(last, a)
		}
	}
	return append(first, last...)
}

// status is OpenSSH's HostStatus.
type status int

const (
	hostOK status = iota
	hostNew
	hostChanged
	hostRevoked
)

// HostKeyCallback returns a callback for ssh.ClientConfig that accepts a
// host key exactly when ssh with StrictHostKeyChecking=yes does: a plain
// key must be on an unmarked matching line; a certificate must be signed
// by a key on a matching @cert-authority line and valid for the host (or
// else its plain key is checked); a key on a matching @revoked line, or a
// certificate signed by one, is rejected; on a port other than 22, a host
// with no entry for "[host]:port" is checked against the entries for the
// plain host name, and accepted only if its key is there.
//
// Errors are x/crypto's: *knownhosts.KeyError (Want empty for an unknown
// host, the known keys for a changed one) and *knownhosts.RevokedError.
// Use [IsHostUnknown], [IsHostKeyChanged] and [IsRevoked] to tell them
// apart.
func (db *DB) HostKeyCallback() ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		return db.Check(hostname, key)
	}
}

// errNoKey is Check's error for a nil key.
var errNoKey = errors.New("knownhosts: no key to check")

// Check verifies key for the host at address as [DB.HostKeyCallback]
// does (see [DB.HostKeys] for the address).
func (db *DB) Check(address string, key ssh.PublicKey) error {
	if key == nil {
		return errNoKey
	}
	host, port := SplitAddress(address)
	return db.check(sshHostName(host), port, key)
}

func (db *DB) check(host string, port int, key ssh.PublicKey) error {
	st, found := db.checkHostKey(host, port, key, false)
	switch st {
	case hostOK:
		return nil
	case hostRevoked:
		return &xknownhosts.RevokedError{Revoked: knownKey(found)}
	case hostChanged:
		ke := &xknownhosts.KeyError{}
		for _, e := range db.usable(HostPort(host, port)) {
			if e.Marker == "" {
				ke.Want = append(ke.Want, knownKey(e))
			}
		}
		return ke
	}
	return &xknownhosts.KeyError{}
}

func knownKey(e *Entry) xknownhosts.KnownKey {
	if e == nil {
		return xknownhosts.KnownKey{}
	}
	k, _ := e.Key()
	return xknownhosts.KnownKey{Key: k, Filename: e.File, Line: e.Line}
}

// checkHostKey follows sshconnect.c's check_host_key: certificates fall
// back to their plain key, and a port other than 22 falls back to the
// plain host name when nothing is known for "[host]:port".
func (db *DB) checkHostKey(host string, port int, key ssh.PublicKey, clobberPort bool) (status, *Entry) {
	lookupPort := port
	if clobberPort {
		lookupPort = 0
	}
	entries := db.usable(HostPort(host, lookupPort))
	for {
		cert, wantCert := key.(*ssh.Certificate)
		st, found := checkKey(entries, key)
		fail := false
		switch st {
		case hostOK:
			if !wantCert {
				return hostOK, found
			}
			if db.certValid(cert, host) {
				return hostOK, found
			}
			fail = true
		case hostNew:
			if port != 0 && port != 22 && !clobberPort {
				if st2, f2 := db.checkHostKey(host, port, key, true); st2 == hostOK {
					return hostOK, f2
				}
			}
			fail = wantCert
		case hostChanged:
			fail = wantCert
		case hostRevoked:
			return hostRevoked, found
		}
		if fail && wantCert {
			key = cert.Key // retry with the plain key
			continue
		}
		return st, found
	}
}

// checkKey is OpenSSH's check_hostkeys_by_key_or_type for a key.
func checkKey(entries []*Entry, key ssh.PublicKey) (status, *Entry) {
	cert, wantCert := key.(*ssh.Certificate)
	want := fingerprint.Marker("")
	if wantCert {
		want = fingerprint.CertAuthority
	}
	st := hostNew
	var found *Entry
	blob := key.Marshal()
	var caBlob []byte
	if wantCert {
		caBlob = cert.SignatureKey.Marshal()
	}
	for _, e := range entries {
		if e.Marker != want {
			continue
		}
		if wantCert {
			if equalPublic(caBlob, e) {
				st, found = hostOK, e
				break
			}
			continue
		}
		if bytes.Equal(blob, e.parseKey().blob) {
			st, found = hostOK, e
			break
		}
		st, found = hostChanged, e
	}
	// Revocation: the key itself (for a certificate, its plain key) or the
	// key that signed a certificate.
	plain := blob
	if wantCert {
		plain = cert.Key.Marshal()
	}
	for _, e := range entries {
		if e.Marker != fingerprint.Revoked {
			continue
		}
		if equalPublic(plain, e) || (wantCert && equalPublic(caBlob, e)) {
			return hostRevoked, e
		}
	}
	return st, found
}

// equalPublic is sshkey_equal_public: the public keys are the same, a
// certificate standing for its plain key.
func equalPublic(plainBlob []byte, e *Entry) bool {
	p := e.parseKey()
	if c, ok := p.key.(*ssh.Certificate); ok {
		return bytes.Equal(plainBlob, c.Key.Marshal())
	}
	return bytes.Equal(plainBlob, p.blob)
}

// certValid is sshkey_cert_check_host: a host certificate, valid now,
// naming this host if it names any (OpenSSH accepts a host certificate
// without principals), with no critical options, signed by its signature
// key with an algorithm in OpenSSH's default CASignatureAlgorithms (not
// SHA-1 ssh-rsa).
func (db *DB) certValid(cert *ssh.Certificate, host string) bool {
	if cert.CertType != ssh.HostCert || cert.Signature == nil || cert.Signature.Format == ssh.KeyAlgoRSA {
		return false
	}
	now := time.Now
	if db.opts.Now != nil {
		now = db.opts.Now
	}
	if len(cert.ValidPrincipals) > 0 {
		checker := &ssh.CertChecker{Clock: now}
		return checker.CheckCert(host, cert) == nil
	}
	if len(cert.CriticalOptions) > 0 {
		return false
	}
	t := now().Unix()
	if after := int64(cert.ValidAfter); after < 0 || t < after {
		return false
	}
	if before := int64(cert.ValidBefore); cert.ValidBefore != ssh.CertTimeInfinity && (t >= before || before < 0) {
		return false
	}
	// The signed data is the certificate blob without its last field,
	// the signature.
	blob := cert.Marshal()
	sigLen := 4 + len(ssh.Marshal(cert.Signature))
	if sigLen > len(blob) {
		return false
	}
	return cert.SignatureKey.Verify(blob[:len(blob)-sigLen], cert.Signature) == nil
}

// IsHostUnknown reports whether err says that no key is known for the
// host (a *knownhosts.KeyError with no Want).
func IsHostUnknown(err error) bool {
	var ke *xknownhosts.KeyError
	return errors.As(err, &ke) && len(ke.Want) == 0
}

// IsHostKeyChanged reports whether err says that the host has other keys
// than the one presented (a *knownhosts.KeyError with Want).
func IsHostKeyChanged(err error) bool {
	var ke *xknownhosts.KeyError
	return errors.As(err, &ke) && len(ke.Want) > 0
}

// IsRevoked reports whether err says that the key is revoked.
func IsRevoked(err error) bool {
	var re *xknownhosts.RevokedError
	return errors.As(err, &re)
}
