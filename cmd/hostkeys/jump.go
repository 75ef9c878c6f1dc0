package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	xknownhosts "golang.org/x/crypto/ssh/knownhosts"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/knownhosts"
)

// hostkeys scan -J: scanning through SSH jump hosts, as ssh -J (ProxyJump)
// connects. Each hop is an x/crypto SSH client: the first over TCP, each
// next one through a direct-tcpip channel of the one before; the scanner
// dials through the last. A jump host's key is checked strictly against
// known_hosts (StrictHostKeyChecking=yes): an unknown or changed key stops
// the scan, it is never trusted on first use.

// jumpHop is one entry of -J: [user@]host[:port].
type jumpHop struct {
	user string // empty: the current user
	host string
	port int
}

// addr is host:port for dialing ([host]:port for IPv6).
func (h jumpHop) addr() string { return net.JoinHostPort(h.host, strconv.Itoa(h.port)) }

// String is user@host:port, as messages name the hop.
func (h jumpHop) String() string { return h.user + "@" + h.addr() }

// parseJumpHosts reads a -J value: [user@]host[:port] hops separated by
// commas, in the order they are connected. An IPv6 address is written
// [addr] or [addr]:port (or bare, without a port).
func parseJumpHosts(v string) ([]jumpHop, error) {
	var hops []jumpHop
	for _, s := range strings.Split(v, ",") {
		h, err := parseJumpHop(s)
		if err != nil {
			return nil, fmt.Errorf("bad -J jump host %q: %v", s, err)
		}
		hops = append(hops, h)
	}
	return hops, nil
}

func parseJumpHop(s string) (jumpHop, error) {
	h := jumpHop{port: 22}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		h.user, s = s[:i], s[i+1:]
		if h.user == "" {
			return h, errors.New("empty user name")
		}
	}
	host, port, hasPort := s, "", false
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return h, errors.New("missing ']'")
		}
		host = s[1:end]
		if rest := s[end+1:]; rest != "" {
			if port, hasPort = strings.CutPrefix(rest, ":"); !hasPort {
				return h, errors.New("want [host]:port")
			}
		}
	case strings.Count(s, ":") == 1:
		host, port, hasPort = strings.Cut(s, ":")
	case strings.Contains(s, ":"):
		if _, err := netip.ParseAddr(s); err != nil {
			return h, errors.New("want host, host:port or [host]:port")
		}
	}
	if host == "" {
		return h, errors.New("no host")
	}
	if strings.HasPrefix(host, "-") || strings.ContainsFunc(host+h.user, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r == '/' || r == '\\' || r == '[' || r == ']'
	}) {
		return h, errors.New("invalid character")
	}
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return h, fmt.Errorf("bad port %q", port)
		}
		h.port = n
	}
	h.host = host
	return h, nil
}

// defaultJumpTimeout is the connect-and-handshake deadline of a hop when
// -T is not given (the scanner's default).
const defaultJumpTimeout = 5 * time.Second

// jumpChain is the SSH connections to the jump hosts, in order.
type jumpChain struct {
	clients []*ssh.Client
	// unwatch stops closing the chain when the scan's context ends.
	unwatch func() bool
}

// DialContext dials addr from the last jump host: a name is resolved
// there.
func (c *jumpChain) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return c.clients[len(c.clients)-1].DialContext(ctx, network, addr)
}

// Close closes the connections, last hop first.
func (c *jumpChain) Close() {
	if c.unwatch != nil {
		c.unwatch()
	}
	c.closeClients()
}

func (c *jumpChain) closeClients() {
	for i := len(c.clients) - 1; i >= 0; i-- {
		c.clients[i].Close()
	}
}

// jumpError is a hop that could not be used: exit 1, with hints.
type jumpError struct {
	hop   jumpHop
	msg   string
	hints []string
}

func (e *jumpError) Error() string { return "jump host " + e.hop.String() + ": " + e.msg }

// jumpSetupError is a problem of the command line or the local files
// (identity, known_hosts): exit 2.
type jumpSetupError struct {
	msg  string
	hint string
}

func (e *jumpSetupError) Error() string { return e.msg }

// errHopTimeout ends a hop's connect and handshake at its deadline.
var errHopTimeout = errors.New("jump host deadline")

// jumpOptions is what -J needs from the command line.
type jumpOptions struct {
	hops       []jumpHop
	identities []string // -i files; nil: ssh's default identity files
	knownHosts []string // --jump-known-hosts files; nil: ssh's defaults
	timeout    time.Duration
	network    string // tcp, tcp4 or tcp6
	verbose    bool
}

// connectJumpHosts logs into each hop in turn and returns the chain, whose
// connections close when ctx ends. The errors are *jumpSetupError and
// *jumpError.
func connectJumpHosts(ctx context.Context, e *env, o *jumpOptions) (*jumpChain, error) {
	if o.timeout <= 0 {
		o.timeout = defaultJumpTimeout
	}
	home := homeDir(e)
	var localUser string
	for i := range o.hops {
		if o.hops[i].user != "" {
			continue
		}
		if localUser == "" {
			u, err := user.Current()
			if err != nil || u.Username == "" {
				return nil, &jumpSetupError{msg: fmt.Sprintf("-J: cannot tell the current user's name: %v", err),
					hint: "name the user: -J user@host"}
			}
			localUser = u.Username
		}
		o.hops[i].user = localUser
	}

	khFiles := o.knownHosts
	if khFiles == nil {
		khFiles = knownhosts.DefaultFiles(home)
	} else {
		for _, name := range khFiles {
			if _, err := os.Stat(name); err != nil {
				return nil, &jumpSetupError{msg: fmt.Sprintf("--jump-known-hosts: %v", err)}
			}
		}
	}
	db, err := knownhosts.OpenOptions(knownhosts.Options{SkipMissing: o.knownHosts == nil}, khFiles...)
	if err != nil {
		return nil, &jumpSetupError{msg: fmt.Sprintf("--jump-known-hosts: %v", err)}
	}

	auth, err := loadJumpAuth(e, home, o.identities, o.timeout)
	if err != nil {
		return nil, err
	}
	defer auth.close()

	chain := &jumpChain{}
	dial := (&net.Dialer{}).DialContext
	for _, hop := range o.hops {
		client, key, err := connectHop(ctx, dial, hop, o, db, khFiles, auth)
		if err != nil {
			chain.closeClients()
			return nil, err
		}
		if o.verbose {
			k := plainKey(key)
			fmt.Fprintf(e.stderr, "hostkeys: jump host %s: logged in; host key %s %s verified by known_hosts\n",
				hop, fingerprint.TypeLabel(k), fingerprint.Of(k, fingerprint.SHA256))
		}
		chain.clients = append(chain.clients, client)
		dial = client.DialContext
	}
	chain.unwatch = context.AfterFunc(ctx, chain.closeClients)
	return chain, nil
}

// homeDir is $HOME, or the user database's home directory.
func homeDir(e *env) string {
	if h := e.getenv("HOME"); h != "" {
		return h
	}
	if u, err := user.Current(); err == nil {
		return u.HomeDir
	}
	return ""
}

// connectHop makes the SSH connection to hop over dial, within the -T
// timeout for connect and handshake, authenticated and with its host key
// checked against db.
func connectHop(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error),
	hop jumpHop, o *jumpOptions, db *knownhosts.DB, khFiles []string, auth *jumpAuth) (*ssh.Client, ssh.PublicKey, error) {
	// What the handshake saw, set from x/crypto's goroutines (a key
	// re-exchange checks the host key again).
	var (
		mu        sync.Mutex
		offered   ssh.PublicKey
		keyErr    error
		authTried bool
	)
	check := db.HostKeyCallback()
	cfg := &ssh.ClientConfig{
		User: hop.user,
		Auth: []ssh.AuthMethod{ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			mu.Lock()
			authTried = true
			mu.Unlock()
			return auth.signers, nil
		})},
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			err := check(hostname, remote, key)
			mu.Lock()
			defer mu.Unlock()
			if offered == nil || err != nil {
				offered, keyErr = key, err
			}
			return err
		},
		HostKeyAlgorithms: db.HostKeyAlgorithms(hop.addr()),
	}

	hctx, cancel := context.WithTimeoutCause(ctx, o.timeout, errHopTimeout)
	defer cancel()
	addr := hop.addr()
	conn, err := dial(hctx, o.network, addr)
	if err == nil {
		auth.setDeadline(time.Now().Add(o.timeout))
		// At the deadline or on cancellation, closing the connection (and
		// the agent's, should a signature hang) ends the handshake.
		stop := context.AfterFunc(hctx, func() {
			conn.Close()
			auth.close()
		})
		var c ssh.Conn
		var chans <-chan ssh.NewChannel
		var reqs <-chan *ssh.Request
		c, chans, reqs, err = ssh.NewClientConn(conn, addr, cfg)
		if stop() && err == nil {
			mu.Lock()
			defer mu.Unlock()
			return ssh.NewClient(c, chans, reqs), offered, nil
		}
		if err == nil {
			c.Close()
			err = context.Cause(hctx)
		}
		conn.Close()
	}
	mu.Lock()
	defer mu.Unlock()

	switch {
	case keyErr != nil:
		return nil, nil, hostKeyError(hop, offered, keyErr, khFiles)
	case errors.Is(context.Cause(hctx), errHopTimeout):
		return nil, nil, &jumpError{hop: hop, msg: fmt.Sprintf("no SSH session within %s (connect, handshake and authentication)", o.timeout),
			hints: []string{"raise the deadline with -T, as for the scanned hosts"}}
	case ctx.Err() != nil:
		return nil, nil, &jumpError{hop: hop, msg: "interrupted"}
	case conn == nil:
		return nil, nil, &jumpError{hop: hop, msg: dialFailure(err)}
	case authTried && (strings.Contains(err.Error(), "unable to authenticate") ||
		strings.Contains(err.Error(), "Too many authentication failures")):
		return nil, nil, &jumpError{hop: hop, msg: fmt.Sprintf("authentication failed (%s)", auth.describe()),
			hints: []string{fmt.Sprintf("the jump host must accept one of your keys for user %q: add it to ssh-agent (ssh-add FILE) or give it with -i FILE", hop.user)}}
	}
	return nil, nil, &jumpError{hop: hop, msg: strings.TrimPrefix(err.Error(), "ssh: handshake failed: ")}
}

// dialFailure says why a hop's connection could not be opened.
func dialFailure(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		if s := oe.Err.Error(); strings.HasPrefix(s, "connect: ") {
			return s
		}
		return "connect: " + oe.Err.Error()
	}
	var ce *ssh.OpenChannelError
	if errors.As(err, &ce) {
		return fmt.Sprintf("connect: the previous jump host could not connect: %q", ce.Message)
	}
	return "connect: " + err.Error()
}

// plainKey is a certificate's key, or key.
func plainKey(key ssh.PublicKey) ssh.PublicKey {
	if c, ok := key.(*ssh.Certificate); ok {
		return c.Key
	}
	return key
}

// hostKeyError explains a jump host's key that known_hosts does not
// accept, with the fingerprint to check and how to fix known_hosts.
func hostKeyError(hop jumpHop, offered ssh.PublicKey, err error, files []string) error {
	k := plainKey(offered)
	fp := fingerprint.Of(k, fingerprint.SHA256).String()
	desc := fingerprint.TypeLabel(k) + " key " + fp
	name := knownhosts.HostPort(strings.ToLower(hop.host), hop.port)
	line := keyscan.KnownHostsLines([]string{hop.host}, hop.port, k, false)[0]
	addTo := "~/.ssh/known_hosts"
	if len(files) > 0 {
		addTo = files[0]
	}
	var ke *xknownhosts.KeyError
	var re *xknownhosts.RevokedError
	switch {
	case errors.As(err, &re):
		return &jumpError{hop: hop,
			msg:   fmt.Sprintf("its %s is revoked (%s:%d)", desc, re.Revoked.Filename, re.Revoked.Line),
			hints: []string{"a revoked key is never accepted; ask the jump host's administrator for its current key"}}
	case errors.As(err, &ke) && len(ke.Want) > 0:
		w := ke.Want[0]
		return &jumpError{hop: hop,
			msg: fmt.Sprintf("host key changed: it offered %s, but %s:%d holds another key for %s; someone may be intercepting the connection",
				desc, w.Filename, w.Line, name),
			hints: []string{
				fmt.Sprintf("if the jump host's key was replaced on purpose (check %s with its administrator), remove the old key with: hostkeys remove -f %s '%s'", fp, w.Filename, name),
				"then add this line to " + w.Filename + ":",
				"  " + line,
			}}
	case errors.As(err, &ke):
		return &jumpError{hop: hop,
			msg: fmt.Sprintf("host key not known: no key for %s in %s; it offered %s",
				name, strings.Join(files, ", "), desc),
			hints: []string{
				fmt.Sprintf("nothing is trusted on first use: check that %s is the jump host's key (ask its administrator, or run ssh-keygen -lf on its /etc/ssh/ssh_host_*_key.pub), then add this line to %s:", fp, addTo),
				"  " + line,
			}}
	}
	return &jumpError{hop: hop, msg: fmt.Sprintf("host key %s rejected: %v", desc, err)}
}

// jumpAuth is the keys offered to the jump hosts: the agent's, then those
// of the identity files that the agent does not hold.
type jumpAuth struct {
	signers []ssh.Signer
	tried   []string // "agent keys" and the files, for messages
	notes   []string // why a source gave no key
	agent   net.Conn
}

// defaultIdentities are ssh's default identity files, in ~/.ssh, used
// when no -i is given.
var defaultIdentities = []string{"id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk"}

// loadJumpAuth gathers the keys: the agent's at SSH_AUTH_SOCK, then the
// identity files (or, with none given, those of ssh's defaults that exist
// and can be used). An identity file given with -i must hold an
// unencrypted private key, or one the agent holds.
func loadJumpAuth(e *env, home string, files []string, timeout time.Duration) (*jumpAuth, error) {
	a := &jumpAuth{}
	inAgent := map[string]bool{}
	switch sock := e.getenv("SSH_AUTH_SOCK"); {
	case sock == "":
		a.notes = append(a.notes, "no agent: SSH_AUTH_SOCK is not set")
	default:
		c, err := net.DialTimeout("unix", sock, timeout)
		if err != nil {
			a.notes = append(a.notes, fmt.Sprintf("no agent: %v", err))
			break
		}
		a.agent = c
		a.setDeadline(time.Now().Add(timeout))
		signers, err := agent.NewClient(c).Signers()
		switch {
		case err != nil:
			a.notes = append(a.notes, fmt.Sprintf("no agent keys: %v", err))
		case len(signers) == 0:
			a.notes = append(a.notes, "the agent holds no key")
		default:
			a.signers = signers
			a.tried = append(a.tried, "agent keys")
			for _, s := range signers {
				inAgent[string(s.PublicKey().Marshal())] = true
			}
		}
	}

	explicit := files != nil
	if !explicit && home != "" {
		for _, n := range defaultIdentities {
			files = append(files, filepath.Join(home, ".ssh", n))
		}
	}
	found := 0
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			if !explicit {
				continue // as ssh, a missing default file is no news
			}
			a.close()
			return nil, &jumpSetupError{msg: fmt.Sprintf("-i: %v", err)}
		}
		found++
		s, err := ssh.ParsePrivateKey(b)
		var pm *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &pm):
			if pm.PublicKey != nil && inAgent[string(pm.PublicKey.Marshal())] {
				a.tried = append(a.tried, name)
				continue
			}
			if !explicit {
				a.notes = append(a.notes, name+" is encrypted and not in the agent")
				continue
			}
			a.close()
			return nil, &jumpSetupError{
				msg:  fmt.Sprintf("-i %s: the private key is encrypted, and hostkeys asks for no passphrase", name),
				hint: fmt.Sprintf("add it to ssh-agent (ssh-add %s) and run hostkeys with SSH_AUTH_SOCK set", name)}
		case err != nil:
			if !explicit {
				a.notes = append(a.notes, fmt.Sprintf("%s: %v", name, err))
				continue
			}
			a.close()
			return nil, &jumpSetupError{msg: fmt.Sprintf("-i %s: not a usable private key: %v", name, err),
				hint: "-i takes an unencrypted private key file in OpenSSH, PEM or PKCS#8 form (not the .pub)"}
		}
		a.tried = append(a.tried, name)
		if !inAgent[string(s.PublicKey().Marshal())] {
			a.signers = append(a.signers, s)
		}
	}
	if found == 0 && !explicit {
		a.notes = append(a.notes, "no -i FILE and no "+filepath.Join(home, ".ssh", "id_*")+" file")
	}
	return a, nil
}

// describe says what was offered, for an authentication failure.
func (a *jumpAuth) describe() string {
	s := "tried " + strings.Join(a.tried, ", ")
	if len(a.tried) == 0 {
		s = "no key to offer"
	}
	if len(a.notes) > 0 {
		s += "; " + strings.Join(a.notes, "; ")
	}
	return s
}

// setDeadline bounds the agent's answers.
func (a *jumpAuth) setDeadline(t time.Time) {
	if a.agent != nil {
		a.agent.SetDeadline(t)
	}
}

func (a *jumpAuth) close() {
	if a.agent != nil {
		a.agent.Close()
	}
}
