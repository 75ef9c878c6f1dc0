package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/keyscan"
	"github.com/hostkeys/hostkeys/knownhosts"
)

// hostkeys scan -J: the flags of keyscan's jump-host dialer. A jump host's
// key is checked strictly against known_hosts (StrictHostKeyChecking=yes):
// an unknown or changed key stops the scan, it is never trusted on first
// use, and knownhosts explains why.

// parseJumpHosts reads a -J value with keyscan.ParseJumpHosts.
func parseJumpHosts(v string) ([]keyscan.JumpHost, error) {
	hops, err := keyscan.ParseJumpHosts(v)
	var he *keyscan.JumpHostError
	if errors.As(err, &he) {
		return nil, fmt.Errorf("bad -J jump host %q: %s", he.Text, he.Reason)
	}
	return hops, err
}

// jumpOptions is what -J needs from the command line.
type jumpOptions struct {
	hops       []keyscan.JumpHost
	identities []string // -i files; nil: ssh's default identity files
	knownHosts []string // --jump-known-hosts files; nil: ssh's defaults
	timeout    time.Duration
	network    string // tcp, tcp4 or tcp6
	verbose    bool
}

// jumpError is a hop that could not be used: exit 1, with hints.
type jumpError struct {
	hop   keyscan.JumpHost
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

// connectJumpHosts opens known_hosts and logs into each hop in turn with
// keyscan.DialJumpHosts; the chain closes when ctx ends. The errors are
// *jumpSetupError and *jumpError.
func connectJumpHosts(ctx context.Context, e *env, o *jumpOptions) (*keyscan.JumpChain, error) {
	home := homeDir(e)
	var localUser string
	for _, h := range o.hops {
		if h.User == "" {
			u, err := user.Current()
			if err != nil || u.Username == "" {
				return nil, &jumpSetupError{msg: fmt.Sprintf("-J: cannot tell the current user's name: %v", err),
					hint: "name the user: -J user@host"}
			}
			localUser = u.Username
			break
		}
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

	chain, err := keyscan.DialJumpHosts(ctx, &keyscan.JumpOptions{
		Hosts:             o.hops,
		HostKeyCallback:   db.HostKeyCallback(),
		HostKeyAlgorithms: db.HostKeyAlgorithms,
		User:              localUser,
		AgentSocket:       e.getenv("SSH_AUTH_SOCK"),
		IdentityFiles:     o.identities,
		Home:              home,
		Timeout:           o.timeout,
		Network:           o.network,
	})
	var je *keyscan.JumpError
	var ie *keyscan.IdentityError
	switch {
	case errors.As(err, &ie):
		return nil, identityFailure(ie)
	case errors.As(err, &je):
		return nil, jumpFailure(db, je)
	case err != nil:
		return nil, err
	}
	if o.verbose {
		for i, key := range chain.HostKeys() {
			hop := o.hops[i]
			if hop.User == "" {
				hop.User = localUser
			}
			if c, ok := key.(*ssh.Certificate); ok {
				key = c.Key
			}
			fmt.Fprintf(e.stderr, "hostkeys: jump host %s: logged in; host key %s %s verified by known_hosts\n",
				hop, fingerprint.TypeLabel(key), fingerprint.Of(key, fingerprint.SHA256))
		}
	}
	return chain, nil
}

// dialJumpHosts connects the -J chain for command cmd and reports a
// failure as every command does: a setup error (user, files, identities)
// exits with exitUsage, a failing hop with failCode and its hints. ok is
// false when the command should exit with code.
func dialJumpHosts(ctx context.Context, e *env, cmd string, o *jumpOptions, failCode int) (chain *keyscan.JumpChain, code int, ok bool) {
	chain, err := connectJumpHosts(ctx, e, o)
	var se *jumpSetupError
	var je *jumpError
	switch {
	case errors.As(err, &se):
		e.errorf("%s: %s", cmd, se.msg)
		if se.hint != "" {
			e.hintf("%s", se.hint)
		}
		return nil, exitUsage, false
	case errors.As(err, &je):
		e.errorf("%s: %s", cmd, je)
		for _, h := range je.hints {
			e.hintf("%s", h)
		}
		return nil, failCode, false
	case err != nil:
		e.errorf("%s: %v", cmd, err)
		return nil, failCode, false
	}
	return chain, exitOK, true
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

// jumpFailure says why a hop could not be used, with hints; a rejected
// host key in knownhosts' words.
func jumpFailure(db *knownhosts.DB, je *keyscan.JumpError) *jumpError {
	switch {
	case je.Kind == keyscan.HostKeyRejected:
		if p := db.Explain(je.Host.Addr(), je.Key, je.Err); p != nil {
			return &jumpError{hop: je.Host, msg: p.Summary(), hints: p.Hints()}
		}
		return &jumpError{hop: je.Host, msg: fmt.Sprintf("host key rejected: %v", je.Err)}
	case je.Kind == keyscan.AuthFailed:
		return &jumpError{hop: je.Host, msg: "authentication failed (" + je.Offered() + ")",
			hints: []string{fmt.Sprintf("the jump host must accept one of your keys for user %q: add it to ssh-agent (ssh-add FILE) or give it with -i FILE", je.Host.User)}}
	case je.Kind == keyscan.Timeout:
		return &jumpError{hop: je.Host, msg: je.Err.Error(),
			hints: []string{"raise the deadline with -T, as for the scanned hosts"}}
	case je.Stage == keyscan.StageConnect:
		return &jumpError{hop: je.Host, msg: dialFailure(je.Err)}
	}
	return &jumpError{hop: je.Host, msg: je.Err.Error()}
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

// identityFailure says why an -i file cannot be used.
func identityFailure(ie *keyscan.IdentityError) *jumpSetupError {
	var pe *fs.PathError
	switch {
	case ie.Encrypted:
		return &jumpSetupError{
			msg:  fmt.Sprintf("-i %s: the private key is encrypted, and hostkeys asks for no passphrase", ie.File),
			hint: fmt.Sprintf("add it to ssh-agent (ssh-add %s) and run hostkeys with SSH_AUTH_SOCK set", ie.File)}
	case errors.As(ie.Err, &pe):
		return &jumpSetupError{msg: fmt.Sprintf("-i: %v", pe)}
	}
	return &jumpSetupError{msg: fmt.Sprintf("-i %s: not a usable private key: %v", ie.File, ie.Err),
		hint: "-i takes an unencrypted private key file in OpenSSH, PEM or PKCS#8 form (not the .pub)"}
}
