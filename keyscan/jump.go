package keyscan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/hostkeys/hostkeys/fingerprint"
)

// Scanning through SSH jump hosts, as ssh -J (ProxyJump) connects: each
// hop is an x/crypto SSH client, the first over TCP, each next one through
// a direct-tcpip channel of the one before; the scanner dials through the
// last. Whether a jump host's key is the right one is the caller's
// HostKeyCallback's decision (knownhosts.DB's, for example): keyscan
// decides no trust.

// JumpHost is one SSH jump host, as ssh -J names it: [user@]host[:port].
type JumpHost struct {
	// User is the login name; empty means [JumpOptions.User].
	User string
	// Host is a host name or an IP address, without brackets.
	Host string
	// Port is the TCP port; zero means 22.
	Port int
}

func (h JumpHost) port() int {
	if h.Port > 0 {
		return h.Port
	}
	return DefaultPort
}

// Addr returns host:port as ssh.Dial takes it ([host]:port for IPv6).
func (h JumpHost) Addr() string { return net.JoinHostPort(h.Host, strconv.Itoa(h.port())) }

// String returns user@host:port, or host:port without a user.
func (h JumpHost) String() string {
	if h.User == "" {
		return h.Addr()
	}
	return h.User + "@" + h.Addr()
}

// JumpOptions says how to reach and log into jump hosts. Hosts and
// HostKeyCallback are required; the zero value of every other field gives
// the default documented on it.
type JumpOptions struct {
	// Hosts are the jump hosts in the order they are connected: the first
	// is dialed directly, each next one by the one before it.
	Hosts []JumpHost

	// HostKeyCallback checks each jump host's key, with the hostname
	// host:port as ssh.Dial gives it. Required: a scan trusts no jump host
	// on its own. knownhosts.DB's callback checks strictly, as ssh's
	// StrictHostKeyChecking=yes.
	HostKeyCallback ssh.HostKeyCallback

	// HostKeyAlgorithms returns the host-key algorithms to ask a jump host
	// at addr (host:port) for, so that one whose key is recorded gets
	// asked for that type first (knownhosts.DB.HostKeyAlgorithms fits);
	// nil means x/crypto's default order.
	HostKeyAlgorithms func(addr string) []string

	// User is the login name for jump hosts that name none; empty means
	// the current user's, as ssh.
	User string

	// AgentSocket is the path of an ssh-agent socket (ssh uses
	// $SSH_AUTH_SOCK) whose keys are offered first; empty means no agent.
	AgentSocket string

	// IdentityFiles are private key files offered after the agent's keys,
	// as ssh -i. Each must be unencrypted, or held by the agent (keyscan
	// asks for no passphrase): otherwise connecting fails with an
	// *[IdentityError] before any hop is dialed.
	IdentityFiles []string

	// Home, when IdentityFiles is nil, is the home directory whose
	// ~/.ssh/id_* files (ssh's defaults: id_rsa, id_ecdsa, id_ecdsa_sk,
	// id_ed25519, id_ed25519_sk) are offered if they exist and can be
	// used; the others are noted in an authentication failure. Empty
	// means no default identity files.
	Home string

	// Timeout is each hop's deadline for connect, handshake and
	// authentication; zero means 5 seconds.
	Timeout time.Duration

	// Network is "tcp", "tcp4" or "tcp6", for every hop; empty means "tcp".
	Network string

	// Dial reaches the first jump host; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// JumpChain is the logged-in connections to a list of jump hosts. Use its
// DialContext as [Scanner.Dial]: host names are then resolved by the last
// jump host.
type JumpChain struct {
	clients []*ssh.Client
	keys    []ssh.PublicKey
	unwatch func() bool
}

// DialJumpHosts connects to and logs into each of opts.Hosts in turn and
// returns the chain. Its connections close with Close, or when ctx ends.
// A jump host that cannot be used gives a *[JumpError]; an identity file
// that cannot be read or used, an *[IdentityError].
func DialJumpHosts(ctx context.Context, opts *JumpOptions) (*JumpChain, error) {
	if len(opts.Hosts) == 0 {
		return nil, errors.New("keyscan: no jump host")
	}
	if opts.HostKeyCallback == nil {
		return nil, errors.New("keyscan: jump hosts need a HostKeyCallback")
	}
	hosts := make([]JumpHost, len(opts.Hosts))
	for i, h := range opts.Hosts {
		if h.User == "" {
			h.User = opts.User
		}
		if h.User == "" {
			u, err := user.Current()
			if err != nil || u.Username == "" {
				return nil, fmt.Errorf("keyscan: jump host %s names no user, and the current user's name is unknown: %v", h, err)
			}
			h.User = u.Username
		}
		h.Port = h.port()
		hosts[i] = h
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	network := opts.Network
	if network == "" {
		network = "tcp"
	}

	auth, err := loadJumpAuth(opts, timeout)
	if err != nil {
		return nil, err
	}
	defer auth.close()

	chain := &JumpChain{}
	dial := opts.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	for _, h := range hosts {
		client, key, err := dialHop(ctx, dial, h, opts, network, timeout, auth)
		if err != nil {
			chain.closeClients()
			return nil, err
		}
		chain.clients = append(chain.clients, client)
		chain.keys = append(chain.keys, key)
		dial = client.DialContext
	}
	chain.unwatch = context.AfterFunc(ctx, chain.closeClients)
	return chain, nil
}

// DialContext dials addr from the last jump host; a host name is resolved
// there.
func (c *JumpChain) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return c.clients[len(c.clients)-1].DialContext(ctx, network, addr)
}

// HostKeys returns the host key each jump host proved, in order.
func (c *JumpChain) HostKeys() []ssh.PublicKey { return c.keys }

// Close closes the connections, last hop first.
func (c *JumpChain) Close() error {
	if c.unwatch != nil {
		c.unwatch()
	}
	c.closeClients()
	return nil
}

func (c *JumpChain) closeClients() {
	for i := len(c.clients) - 1; i >= 0; i-- {
		c.clients[i].Close()
	}
}

// JumpError is a jump host that could not be used.
type JumpError struct {
	Host JumpHost
	// Kind is what went wrong: [Refused], [Unreachable], [Unresolved],
	// [Timeout] (no session within [JumpOptions.Timeout]), [Closed],
	// [Protocol], [Canceled], [HostKeyRejected] or [AuthFailed].
	Kind Kind
	// Stage is [StageConnect] when the connection could not be opened,
	// [StageKex] when it was, up to the end of authentication.
	Stage Stage
	// Key is the host key the jump host offered when Kind is
	// [HostKeyRejected]; Err is then the HostKeyCallback's error, which
	// knownhosts.DB.Explain puts in words.
	Key ssh.PublicKey
	// Tried names what was offered when Kind is [AuthFailed] ("agent
	// keys" and the identity files), and Notes why other sources gave no
	// key ("no agent: ...").
	Tried []string
	Notes []string
	// Err is the underlying error: the dial's, the handshake's (without
	// x/crypto's "ssh: handshake failed" wrapping), or the callback's.
	Err error
}

func (e *JumpError) Error() string {
	var reason string
	switch {
	case e.Kind == HostKeyRejected && e.Key != nil:
		k := e.Key
		if c, ok := k.(*ssh.Certificate); ok {
			k = c.Key
		}
		reason = fmt.Sprintf("host key %s %s rejected: %v", fingerprint.TypeLabel(k), fingerprint.Of(k, fingerprint.SHA256), e.Err)
	case e.Kind == AuthFailed:
		reason = "authentication failed (" + e.Offered() + ")"
	case e.Stage == StageConnect:
		reason = "connect: " + e.Err.Error()
	default:
		reason = e.Err.Error()
	}
	return "keyscan: jump host " + e.Host.String() + ": " + reason
}

// Offered says what was offered for an authentication failure: Tried
// and Notes in words.
func (e *JumpError) Offered() string {
	s := "tried " + strings.Join(e.Tried, ", ")
	if len(e.Tried) == 0 {
		s = "no key to offer"
	}
	if len(e.Notes) > 0 {
		s += "; " + strings.Join(e.Notes, "; ")
	}
	return s
}

func (e *JumpError) Unwrap() error { return e.Err }

// Is reports whether target is e's Kind.
func (e *JumpError) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// IdentityError is an identity file of [JumpOptions.IdentityFiles] that
// cannot be used.
type IdentityError struct {
	File string
	// Encrypted says that the key is encrypted and not in the agent:
	// keyscan asks for no passphrase.
	Encrypted bool
	// Err is the error reading or parsing the file.
	Err error
}

func (e *IdentityError) Error() string {
	if e.Encrypted {
		return "keyscan: identity file " + e.File + ": the private key is encrypted, and not in the agent"
	}
	return "keyscan: identity file " + e.File + ": " + e.Err.Error()
}

func (e *IdentityError) Unwrap() error { return e.Err }

// errHopTimeout ends a hop's connect and handshake at its deadline.
var errHopTimeout = errors.New("jump host deadline")

// dialHop makes the SSH connection to h over dial, within timeout for
// connect, handshake and authentication.
func dialHop(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error),
	h JumpHost, opts *JumpOptions, network string, timeout time.Duration, auth *jumpAuth) (*ssh.Client, ssh.PublicKey, error) {
	// What the handshake saw, set from x/crypto's goroutines (a key
	// re-exchange checks the host key again).
	var (
		mu        sync.Mutex
		offered   ssh.PublicKey
		keyErr    error
		authTried bool
	)
	addr := h.Addr()
	cfg := &ssh.ClientConfig{
		User: h.User,
		Auth: []ssh.AuthMethod{ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			mu.Lock()
			authTried = true
			mu.Unlock()
			return auth.signers, nil
		})},
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			err := opts.HostKeyCallback(hostname, remote, key)
			mu.Lock()
			defer mu.Unlock()
			if offered == nil || err != nil {
				offered, keyErr = key, err
			}
			return err
		},
	}
	if opts.HostKeyAlgorithms != nil {
		cfg.HostKeyAlgorithms = opts.HostKeyAlgorithms(addr)
	}

	hctx, cancel := context.WithTimeoutCause(ctx, timeout, errHopTimeout)
	defer cancel()
	conn, err := dial(hctx, network, addr)
	if err == nil {
		auth.setDeadline(time.Now().Add(timeout))
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

	fail := &JumpError{Host: h, Stage: StageKex, Err: err}
	if inner := errors.Unwrap(err); inner != nil && conn != nil {
		fail.Err = inner // x/crypto's "ssh: handshake failed: %w"
	}
	switch {
	case keyErr != nil:
		fail.Kind, fail.Key, fail.Err = HostKeyRejected, offered, keyErr
	case errors.Is(context.Cause(hctx), errHopTimeout):
		fail.Kind, fail.Err = Timeout, fmt.Errorf("no SSH session within %s (connect, handshake and authentication)", timeout)
	case ctx.Err() != nil:
		fail.Kind, fail.Err = Canceled, errors.New("interrupted")
	case conn == nil:
		fail.Kind, fail.Stage = classify(hctx, err), StageConnect
	case authTried && (strings.Contains(err.Error(), "unable to authenticate") ||
		strings.Contains(err.Error(), "Too many authentication failures")):
		// x/crypto has no error type for these.
		fail.Kind, fail.Tried, fail.Notes = AuthFailed, auth.tried, auth.notes
	default:
		fail.Kind = classify(hctx, err)
	}
	return nil, nil, fail
}

// jumpAuth is the keys offered to the jump hosts: the agent's, then those
// of the identity files that the agent does not hold.
type jumpAuth struct {
	signers []ssh.Signer
	tried   []string // "agent keys" and the files, for messages
	notes   []string // why a source gave no key
	agent   net.Conn
}

// defaultIdentities are ssh's default identity files, in ~/.ssh.
var defaultIdentities = [...]string{"id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk"}

// loadJumpAuth gathers the keys: the agent's, then the identity files (or
// the default ones that exist and can be used).
func loadJumpAuth(opts *JumpOptions, timeout time.Duration) (*jumpAuth, error) {
	a := &jumpAuth{}
	inAgent := map[string]bool{}
	switch sock := opts.AgentSocket; {
	case sock == "":
		a.notes = append(a.notes, "no agent socket")
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

	files := opts.IdentityFiles
	explicit := files != nil
	if !explicit && opts.Home != "" {
		for _, n := range defaultIdentities {
			files = append(files, filepath.Join(opts.Home, ".ssh", n))
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
			return nil, &IdentityError{File: name, Err: err}
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
			return nil, &IdentityError{File: name, Encrypted: true, Err: err}
		case err != nil:
			if !explicit {
				a.notes = append(a.notes, fmt.Sprintf("%s: %v", name, err))
				continue
			}
			a.close()
			return nil, &IdentityError{File: name, Err: err}
		}
		a.tried = append(a.tried, name)
		if !inAgent[string(s.PublicKey().Marshal())] {
			a.signers = append(a.signers, s)
		}
	}
	if found == 0 && !explicit {
		if opts.Home == "" {
			a.notes = append(a.notes, "no identity file")
		} else {
			a.notes = append(a.notes, "no identity file given and no "+filepath.Join(opts.Home, ".ssh", "id_*")+" file")
		}
	}
	return a, nil
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
