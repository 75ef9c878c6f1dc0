package keyscan

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sync/errgroup"
)

// Scanner collects host keys from SSH servers. The zero value is ready to
// use, with the defaults documented on each field. A Scanner may be used by
// several goroutines at once; its limits then apply to all of them. Its
// fields must not change after the first scan.
type Scanner struct {
	// Port is the port for targets that do not name one; zero means 22.
	Port int

	// KeyTypes are the key types to fetch; nil means those of [DefaultKeyTypes].
	// Only the types a server advertises cost a connection.
	KeyTypes []KeyType

	// Certificates asks for host certificates instead of plain keys, as
	// ssh-keyscan -c does. Servers without a certificate of a type then
	// give none for it.
	Certificates bool

	// Timeout is the absolute deadline of each connection, from the start
	// of the TCP connect to the verified host key, whatever the server
	// sends; zero means 5 seconds. Time spent waiting for a concurrency
	// slot does not count.
	Timeout time.Duration

	// TargetTimeout is the absolute deadline of one target's scan, from its
	// start to its last key: addresses that do not answer, retries and
	// the waits for a concurrency slot all count. When it passes, the
	// connections in flight end as timeouts and no other address is
	// tried. Zero means four times Timeout (20 seconds by default).
	TargetTimeout time.Duration

	// MaxAddresses bounds the addresses tried for one target until one
	// answers: the entries of its address list and every address a name
	// resolves to count, in order. Those left over are reported as one
	// error of kind [Skipped]. Zero means 8.
	MaxAddresses int

	// Concurrency bounds the connections in flight in all; zero means 128
	// (each is a file descriptor: mind RLIMIT_NOFILE when raising it).
	Concurrency int

	// PerHost bounds the connections in flight to one address (ip:port);
	// zero means 6, under the 10 unauthenticated connections at which
	// sshd's default MaxStartups 10:30:100 starts dropping.
	PerHost int

	// Retries is how many times a connection the server closed before
	// its banner (sshd past MaxStartups, dropbear's limits) is retried;
	// zero means 4, negative means never.
	Retries int

	// Backoff is the wait before the first retry, doubled (with jitter)
	// for each further one; zero means 100ms.
	Backoff time.Duration

	// Network is "tcp", "tcp4" (like ssh-keyscan -4) or "tcp6" (-6);
	// empty means "tcp".
	Network string

	// Dial opens connections. Nil means a net.Dialer; set it to go through
	// a jump host (an *ssh.Client's Dial) or a SOCKS proxy. With a custom
	// Dial, host names are passed to it unresolved.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	// LookupNetIP resolves host names when Dial is nil (network is "ip",
	// "ip4" or "ip6"); nil means net.DefaultResolver.LookupNetIP. Every
	// address it returns is tried in turn until one answers.
	LookupNetIP func(ctx context.Context, network, host string) ([]netip.Addr, error)

	// KeyExchanges is the key-exchange proposal; nil means
	// those of [DefaultKeyExchanges], plus [LegacyKeyExchanges] when
	// LegacyKeyExchanges is set. Each name must be one of
	// [SupportedKeyExchanges]; a scan with another fails at once, without
	// connecting.
	KeyExchanges []string

	// LegacyKeyExchanges adds the SHA-1 Diffie-Hellman groups at the end of
	// the default proposal, for servers that offer nothing else. The host
	// key's proof of possession then rests on SHA-1.
	LegacyKeyExchanges bool

	// ClientVersion is the identification sent to servers; empty means
	// "SSH-2.0-hostkeys_keyscan".
	ClientVersion string

	// MaxBytes bounds what one connection reads from a server; zero means
	// 256 KiB (a key exchange reads about 2 KB).
	MaxBytes int

	once    sync.Once
	global  chan struct{}
	hosts   hostLimiter
	kexList []string // the key-exchange proposal, fixed at the first scan
	kexErr  error    // a name in it that is not implemented
}

// DefaultKeyExchanges returns the default key-exchange proposal, modern
// first, in a new slice. It has no SHA-1 group: see
// [Scanner.LegacyKeyExchanges].
func DefaultKeyExchanges() []string {
	return []string{
		ssh.KeyExchangeMLKEM768X25519,
		ssh.KeyExchangeCurve25519,
		"curve25519-sha256@libssh.org",
		ssh.KeyExchangeECDHP256,
		ssh.KeyExchangeECDHP384,
		ssh.KeyExchangeECDHP521,
		ssh.KeyExchangeDHGEXSHA256,
		ssh.KeyExchangeDH16SHA512,
		"diffie-hellman-group18-sha512",
		ssh.KeyExchangeDH14SHA256,
	}
}

// LegacyKeyExchanges returns the SHA-1 groups that
// [Scanner.LegacyKeyExchanges] adds to the default proposal, in a new slice.
func LegacyKeyExchanges() []string {
	return []string{
		ssh.InsecureKeyExchangeDH14SHA1,
		ssh.InsecureKeyExchangeDHGEXSHA1,
		ssh.InsecureKeyExchangeDH1SHA1,
	}
}

// SupportedKeyExchanges returns the names of the key exchanges the scanner
// implements, in the default order, the legacy SHA-1 ones last.
func SupportedKeyExchanges() []string {
	return append(DefaultKeyExchanges(), LegacyKeyExchanges()...)
}

// Result is what one target gave.
type Result struct {
	Target Target
	// Port is the port scanned.
	Port int
	// Host is the entry of Target.Hosts that answered (or was tried last),
	// and Addr the address (ip:port, or host:port with a custom Dial).
	Host string
	Addr string
	// Banner is the server's identification line, without CR LF.
	Banner string
	// KexInit is the server's advertised algorithms, from its first
	// connection.
	KexInit *KexInit
	// Negotiated are the algorithms the first connection agreed on.
	Negotiated *Negotiated
	// Keys are the verified host keys (or certificates), in the order of
	// KeyTypes.
	Keys []Key
	// NotOffered are the requested types the server does not advertise,
	// or advertises but then declines by closing the connection during
	// the key exchange (dropbear lists RSA algorithms without an RSA key).
	NotOffered []KeyType
	// Errors lists every failure, each an *[Error]: addresses that did not
	// answer before one did, and key types that could not be fetched.
	Errors []error
	// Start is when the scan of this target began; Duration how long it
	// took.
	Start    time.Time
	Duration time.Duration
}

// Err returns nil if the target gave at least one key, otherwise its last
// error, or an error saying that it offers none of the requested types.
func (r *Result) Err() error {
	if len(r.Keys) > 0 {
		return nil
	}
	if len(r.Errors) > 0 {
		return r.Errors[len(r.Errors)-1]
	}
	return &Error{Kind: NoCommonAlgorithm, Stage: StageKex, Addr: r.Addr, Elapsed: r.Duration,
		Err: fmt.Errorf("server offers no key of the requested types (it advertises %q)", r.offered())}
}

func (r *Result) offered() []string {
	if r.KexInit == nil {
		return nil
	}
	return r.KexInit.HostKeyAlgorithms
}

// Key is one host key, verified: the server signed the key exchange with it.
type Key struct {
	Type KeyType
	// Algorithm is the host-key algorithm negotiated (rsa-sha2-512, ...).
	Algorithm string
	// Key is the host key, or the certificate when one was asked for.
	Key ssh.PublicKey
	// Cert is Key as a certificate, or nil.
	Cert *ssh.Certificate
	// Addr and Banner are those of the connection that fetched the key.
	Addr   string
	Banner string
	// KeyExchange is the key-exchange method of that connection.
	KeyExchange string
	// Duration is the time the connection took.
	Duration time.Duration
}

// Negotiated are the algorithms a connection agreed on, computed from both
// KEXINIT proposals as RFC 4253 section 7.1 prescribes. MACs are empty for
// AEAD ciphers.
type Negotiated struct {
	KeyExchange        string `json:"kex"`
	HostKey            string `json:"hostkey"`
	CipherClientServer string `json:"cipher_client_server"`
	CipherServerClient string `json:"cipher_server_client"`
	MACClientServer    string `json:"mac_client_server,omitempty"`
	MACServerClient    string `json:"mac_server_client,omitempty"`
	CompressionCS      string `json:"compression_client_server"`
	CompressionSC      string `json:"compression_server_client"`
}

func (s *Scanner) init() {
	s.once.Do(func() {
		s.global = make(chan struct{}, s.concurrency())
		s.hosts.m = map[string]*hostSlot{}
		s.kexList = s.KeyExchanges
		if s.kexList == nil {
			s.kexList = DefaultKeyExchanges()
			if s.LegacyKeyExchanges {
				s.kexList = append(s.kexList, LegacyKeyExchanges()...)
			}
		}
		for _, k := range s.kexList {
			if _, ok := kexMethods[k]; !ok && !isKexExtension(k) {
				s.kexErr = fmt.Errorf("key exchange %q is not implemented (see keyscan.SupportedKeyExchanges)", k)
				break
			}
		}
	})
}

func (s *Scanner) concurrency() int {
	if s.Concurrency > 0 {
		return s.Concurrency
	}
	return 128
}

func (s *Scanner) port() int {
	if s.Port > 0 {
		return s.Port
	}
	return DefaultPort
}

func (s *Scanner) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 5 * time.Second
}

func (s *Scanner) targetTimeout() time.Duration {
	if s.TargetTimeout > 0 {
		return s.TargetTimeout
	}
	return 4 * s.timeout()
}

func (s *Scanner) maxAddresses() int {
	if s.MaxAddresses > 0 {
		return s.MaxAddresses
	}
	return 8
}

func (s *Scanner) perHost() int {
	if s.PerHost > 0 {
		return s.PerHost
	}
	return 6
}

func (s *Scanner) retries() int {
	switch {
	case s.Retries < 0:
		return 0
	case s.Retries == 0:
		return 4
	}
	return s.Retries
}

func (s *Scanner) backoff() time.Duration {
	if s.Backoff > 0 {
		return s.Backoff
	}
	return 100 * time.Millisecond
}

func (s *Scanner) network() string {
	if s.Network != "" {
		return s.Network
	}
	return "tcp"
}

func (s *Scanner) keyTypes() []KeyType {
	if s.KeyTypes != nil {
		return s.KeyTypes
	}
	return defaultKeyTypes
}

func (s *Scanner) clientVersion() string {
	if s.ClientVersion != "" {
		return s.ClientVersion
	}
	return "SSH-2.0-hostkeys_keyscan"
}

func (s *Scanner) maxBytes() int {
	if s.MaxBytes > 0 {
		return s.MaxBytes
	}
	return 256 << 10
}

// Scan scans targets concurrently and calls each with every target's
// result as it completes, from one goroutine at a time. It returns when all
// are done, or ctx's error when ctx ends first; targets not started by then
// give no result.
func (s *Scanner) Scan(ctx context.Context, targets []Target, each func(*Result)) error {
	s.init()
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(s.concurrency())
	for _, t := range targets {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil // canceled while waiting for a worker
			}
			r := s.ScanTarget(ctx, t)
			mu.Lock()
			defer mu.Unlock()
			each(r)
			return nil
		})
	}
	g.Wait()
	return ctx.Err()
}

// Results is [Scanner.Scan] delivering through a channel, closed when the
// scan ends. Read it to the end, or cancel ctx to stop early (results not
// yet received are then dropped).
func (s *Scanner) Results(ctx context.Context, targets []Target) <-chan *Result {
	ch := make(chan *Result)
	go func() {
		defer close(ch)
		s.Scan(ctx, targets, func(r *Result) {
			select {
			case ch <- r:
			case <-ctx.Done():
			}
		})
	}()
	return ch
}

// ScanTarget scans one target: it finds an address that answers, learns the
// advertised host-key algorithms from the server's KEXINIT while fetching
// a first key, then fetches the other requested types in parallel, one
// connection each.
func (s *Scanner) ScanTarget(ctx context.Context, t Target) *Result {
	s.init()
	r := &Result{Target: t, Port: t.Port, Start: time.Now()}
	if r.Port == 0 {
		r.Port = s.port()
	}
	defer func() { r.Duration = time.Since(r.Start) }()

	types := s.keyTypes()
	var firstAlgos []string
	for _, kt := range firstOrder {
		if slices.Contains(types, kt) {
			firstAlgos = append(firstAlgos, kt.Algorithms(s.Certificates)...)
		}
	}
	if len(firstAlgos) == 0 {
		r.Errors = append(r.Errors, &Error{Kind: NoCommonAlgorithm, Stage: StageKex, Addr: t.String(),
			Err: errors.New("no key type requested")})
		return r
	}
	if s.kexErr != nil {
		r.Errors = append(r.Errors, &Error{Kind: NoCommonAlgorithm, Stage: StageKex, Addr: t.String(), Err: s.kexErr})
		return r
	}

	// The target's deadline covers all that follows. First find an
	// address that answers, fetching the first key, within the limit of
	// addresses.
	ctx, cancel := context.WithTimeoutCause(ctx, s.targetTimeout(), errTargetDeadline)
	defer cancel()
	var first *conn
	maxAddrs := s.maxAddresses()
	// tried counts the addresses dialled, resolved the hosts looked up.
	tried, notTried, resolved := 0, 0, 0
hosts:
	for _, h := range t.Hosts {
		if tried == maxAddrs || ctx.Err() != nil {
			break
		}
		resolved++
		addrs, err := s.resolve(ctx, h, r.Port)
		r.Host = h
		if err != nil {
			r.Errors = append(r.Errors, err)
			continue
		}
		for j, a := range addrs {
			if tried == maxAddrs || ctx.Err() != nil {
				notTried = len(addrs) - j
				break hosts
			}
			tried++
			r.Addr = a
			c := s.grab(ctx, a, "", firstAlgos)
			if c.err != nil {
				r.Errors = append(r.Errors, c.err)
				if c.err.Stage <= StageBanner && c.err.Kind != Canceled {
					continue // nobody there: try the next address
				}
			}
			first = c
			break hosts
		}
	}
	notResolved := len(t.Hosts) - resolved
	if first == nil && notTried+notResolved > 0 && context.Cause(ctx) != context.Canceled {
		why := fmt.Sprintf("the limit of %d addresses per target (Scanner.MaxAddresses)", maxAddrs)
		if ctx.Err() != nil {
			why = fmt.Sprintf("the target's deadline of %s (Scanner.TargetTimeout)", s.targetTimeout())
		}
		what := fmt.Sprintf("%d more address(es)", notTried)
		switch {
		case notTried == 0:
			what = fmt.Sprintf("%d more host(s)", notResolved)
		case notResolved > 0:
			what += fmt.Sprintf(" and %d more host(s)", notResolved)
		}
		r.Errors = append(r.Errors, &Error{Kind: Skipped, Stage: StageConnect, Addr: t.String(),
			Elapsed: time.Since(r.Start), Err: fmt.Errorf("%s not tried: %s reached", what, why)})
	}
	if first == nil {
		return r
	}
	// A server that advertises a type and then hangs up when asked for it
	// (dropbear lists RSA without an RSA key) has declined that type: ask
	// again without it.
	var declined []KeyType
	for first.err != nil && first.err.Kind == Closed && first.err.Stage == StageKex && first.kexInit != nil {
		kt, ok := KeyTypeOf(firstCommon(firstAlgos, first.kexInit.HostKeyAlgorithms))
		if !ok {
			break
		}
		declined = append(declined, kt)
		r.Errors = r.Errors[:len(r.Errors)-1]
		firstAlgos = slices.DeleteFunc(firstAlgos, func(a string) bool {
			t, _ := KeyTypeOf(a)
			return t == kt
		})
		if firstCommon(firstAlgos, first.kexInit.HostKeyAlgorithms) == "" {
			r.Banner, r.KexInit = first.banner, first.kexInit
			r.NotOffered = slices.Clone(types)
			return r
		}
		next := s.grab(ctx, r.Addr, "", firstAlgos)
		if next.err != nil {
			r.Errors = append(r.Errors, next.err)
		}
		if next.kexInit == nil {
			next.kexInit = first.kexInit
		}
		first = next
	}
	r.Banner = first.banner
	r.KexInit = first.kexInit
	r.Negotiated = first.negotiated
	if first.err != nil {
		var ne *negotiationError
		if errors.As(first.err, &ne) && ne.what == "host key" && first.kexInit != nil {
			// The server has none of the requested types: not a failure
			// of the connection, but nothing to fetch.
			r.Errors = r.Errors[:len(r.Errors)-1]
			r.NotOffered = slices.Clone(types)
		}
		return r
	}

	// The other types, those the server advertises, in parallel.
	firstType := first.key.Type
	keys := map[KeyType]*Key{firstType: first.key}
	var (
		mu           sync.Mutex // guards keys, declinedLate and r.Errors while fetches run
		wg           sync.WaitGroup
		declinedLate []KeyType // advertised but refused when asked, found by the fetches
	)
	for _, kt := range types {
		if kt == firstType {
			continue
		}
		if slices.Contains(declined, kt) {
			r.NotOffered = append(r.NotOffered, kt)
			continue
		}
		algos := kt.Algorithms(s.Certificates)
		if first.kexInit != nil {
			algos = slices.DeleteFunc(algos, func(a string) bool {
				return !slices.Contains(first.kexInit.HostKeyAlgorithms, a)
			})
		}
		if len(algos) == 0 {
			r.NotOffered = append(r.NotOffered, kt)
			continue
		}
		wg.Go(func() {
			c := s.grab(ctx, r.Addr, kt, algos)
			mu.Lock()
			defer mu.Unlock()
			if c.err != nil {
				var ne *negotiationError
				if errors.As(c.err, &ne) && ne.what == "host key" {
					declinedLate = append(declinedLate, kt)
					return
				}
				if c.err.Kind == Closed && c.err.Stage == StageKex {
					// Advertised but declined: dropbear lists the RSA
					// algorithms without an RSA key, then hangs up.
					declinedLate = append(declinedLate, kt)
					return
				}
				r.Errors = append(r.Errors, c.err)
				return
			}
			keys[kt] = c.key
		})
	}
	wg.Wait()
	notOffered := append(r.NotOffered, declinedLate...)
	r.NotOffered = nil
	for _, kt := range types {
		if k := keys[kt]; k != nil {
			r.Keys = append(r.Keys, *k)
		}
		if slices.Contains(notOffered, kt) {
			r.NotOffered = append(r.NotOffered, kt)
		}
	}
	return r
}

// resolve returns the addresses to try for host, each as ip:port.
func (s *Scanner) resolve(ctx context.Context, host string, port int) ([]string, *Error) {
	p := strconv.Itoa(port)
	if s.Dial != nil {
		return []string{net.JoinHostPort(host, p)}, nil
	}
	if ip := net.ParseIP(host); ip != nil {
		return []string{net.JoinHostPort(host, p)}, nil
	}
	lookup := s.LookupNetIP
	if lookup == nil {
		lookup = net.DefaultResolver.LookupNetIP
	}
	lctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	start := time.Now()
	ipNet := "ip"
	switch s.network() {
	case "tcp4":
		ipNet = "ip4"
	case "tcp6":
		ipNet = "ip6"
	}
	ips, err := lookup(lctx, ipNet, host)
	if err == nil && len(ips) == 0 {
		err = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	if err != nil {
		kind := classify(lctx, err)
		if kind != Canceled && kind != Timeout {
			kind = Unresolved
		}
		return nil, &Error{Kind: kind, Stage: StageResolve, Addr: host, Elapsed: time.Since(start), Err: err}
	}
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = net.JoinHostPort(ip.Unmap().String(), p)
	}
	return out, nil
}

// conn is the outcome of one connection (after retries).
type conn struct {
	key        *Key
	banner     string
	kexInit    *KexInit
	negotiated *Negotiated
	err        *Error
}

// grab fetches one key from addr, retrying connections closed before the
// banner with exponential backoff.
func (s *Scanner) grab(ctx context.Context, addr string, kt KeyType, algos []string) *conn {
	wait := s.backoff()
	for attempt := 0; ; attempt++ {
		c := s.attempt(ctx, addr, kt, algos)
		if c.err != nil {
			c.err.Attempts = attempt + 1
		}
		if c.err == nil || attempt >= s.retries() || c.err.Kind != Closed || c.err.Stage != StageBanner {
			return c
		}
		d := wait/2 + rand.N(wait)
		wait *= 2
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return c
		}
	}
}

// attempt makes one connection, under the concurrency limits and an
// absolute deadline.
func (s *Scanner) attempt(ctx context.Context, addr string, kt KeyType, algos []string) *conn {
	fail := func(kind Kind, stage Stage, start time.Time, err error) *conn {
		return &conn{err: &Error{Kind: kind, Stage: stage, Addr: addr, KeyType: kt, Elapsed: time.Since(start), Err: err}}
	}
	now := time.Now()
	release, err := s.hosts.acquire(ctx, addr, s.perHost())
	if err != nil {
		// The caller's cancellation, or the target's deadline.
		return fail(classify(ctx, err), StageConnect, now, context.Cause(ctx))
	}
	defer release()
	select {
	case s.global <- struct{}{}:
	case <-ctx.Done():
		return fail(classify(ctx, ctx.Err()), StageConnect, now, context.Cause(ctx))
	}
	defer func() { <-s.global }()

	start := time.Now()
	deadline := start.Add(s.timeout())
	cctx, cancel := context.WithDeadlineCause(ctx, deadline, errDeadline)
	defer cancel()

	var nc net.Conn
	if s.Dial != nil {
		nc, err = s.Dial(cctx, s.network(), addr)
	} else {
		// No TCP keep-alive: a connection lives a few seconds at most,
		// and its setup costs four system calls.
		d := net.Dialer{KeepAlive: -1}
		nc, err = d.DialContext(cctx, s.network(), addr)
	}
	if err != nil {
		return fail(classify(cctx, err), StageConnect, start, err)
	}
	defer nc.Close()
	nc.SetDeadline(deadline)
	// At the deadline or on cancellation, unblock the handshake: by the
	// deadline in the past, and by closing the connection for dialers
	// whose connections have no deadlines (an ssh.Client's channels).
	stop := context.AfterFunc(cctx, func() {
		nc.SetDeadline(time.Unix(1, 0))
		nc.Close()
	})
	defer stop()

	h := &handshake{
		rw:            nc,
		clientVersion: s.clientVersion(),
		kexAlgos:      s.kexList,
		hostKeyAlgos:  algos,
		maxBytes:      s.maxBytes(),
	}
	err = h.run()
	elapsed := time.Since(start)
	nc.Close()
	c := &conn{banner: h.banner, kexInit: h.kexInit, negotiated: h.negotiated}
	if err != nil {
		stage := StageKex
		if h.banner == "" {
			stage = StageBanner
		}
		c.err = &Error{Kind: classify(cctx, err), Stage: stage, Addr: addr, KeyType: kt, Elapsed: elapsed, Err: err}
		return c
	}
	k := &Key{Algorithm: h.negotiated.HostKey, Key: h.key, Addr: addr, Banner: h.banner, Duration: elapsed,
		KeyExchange: h.negotiated.KeyExchange}
	k.Type, _ = KeyTypeOf(h.negotiated.HostKey)
	if cert, ok := h.key.(*ssh.Certificate); ok {
		k.Cert = cert
	}
	c.key = k
	return c
}

func firstCommon(ours, theirs []string) string {
	for _, a := range ours {
		if isKexExtension(a) {
			continue
		}
		if slices.Contains(theirs, a) {
			return a
		}
	}
	return ""
}

// hostLimiter bounds connections per address.
type hostLimiter struct {
	mu sync.Mutex
	m  map[string]*hostSlot
}

type hostSlot struct {
	ch   chan struct{}
	refs int
}

func (l *hostLimiter) acquire(ctx context.Context, key string, n int) (func(), error) {
	l.mu.Lock()
	h := l.m[key]
	if h == nil {
		h = &hostSlot{ch: make(chan struct{}, n)}
		l.m[key] = h
	}
	h.refs++
	l.mu.Unlock()
	done := func() {
		l.mu.Lock()
		if h.refs--; h.refs == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
	select {
	case h.ch <- struct{}{}:
		return func() { <-h.ch; done() }, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
}
