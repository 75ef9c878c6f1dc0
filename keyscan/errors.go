package keyscan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Kind classifies a failure. Kinds are errors themselves, so that
// errors.Is(err, keyscan.Timeout) tells what happened.
type Kind uint8

const (
	// Unresolved: the host name did not resolve.
	Unresolved Kind = iota + 1
	// Refused: the connection was refused (nothing listens on the port).
	Refused
	// Unreachable: no route to the host or network.
	Unreachable
	// Timeout: the connection's deadline passed (during connect, before
	// the banner, or during the key exchange; see [Error.Stage]).
	Timeout
	// Closed: the server closed the connection, for example sshd past its
	// MaxStartups limit, which closes before sending its banner.
	Closed
	// NoCommonAlgorithm: client and server share no key exchange, cipher,
	// MAC or host-key algorithm.
	NoCommonAlgorithm
	// Protocol: the server broke the SSH protocol (no identification line,
	// a malformed or oversized packet, a bad signature, too much data).
	Protocol
	// Canceled: the caller's context was canceled.
	Canceled
	// Skipped: addresses of a target were not tried, because of
	// [Scanner.MaxAddresses] or [Scanner.TargetTimeout].
	Skipped
	// HostKeyRejected: a jump host's key was rejected by
	// [JumpOptions.HostKeyCallback] (jump hosts only).
	HostKeyRejected
	// AuthFailed: a jump host accepted none of the keys offered (jump
	// hosts only).
	AuthFailed
)

var kindNames = [...]string{
	Unresolved:        "unresolved",
	Refused:           "refused",
	Unreachable:       "unreachable",
	Timeout:           "timeout",
	Closed:            "closed by peer",
	NoCommonAlgorithm: "no common algorithm",
	Protocol:          "protocol error",
	Canceled:          "canceled",
	Skipped:           "skipped",
	HostKeyRejected:   "host key rejected",
	AuthFailed:        "authentication failed",
}

// String returns the kind's name as it appears in messages and JSON.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Error makes a Kind usable as an errors.Is target.
func (k Kind) Error() string { return "keyscan: " + k.String() }

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Stage says how far a connection got.
type Stage uint8

const (
	StageResolve Stage = iota + 1 // looking up the host name
	StageConnect                  // TCP connect (or the custom dialer)
	StageBanner                   // waiting for the server's identification line
	StageKex                      // key exchange, up to the verified host key
)

var stageNames = [...]string{
	StageResolve: "resolve",
	StageConnect: "connect",
	StageBanner:  "banner",
	StageKex:     "key exchange",
}

func (s Stage) String() string {
	if int(s) < len(stageNames) && stageNames[s] != "" {
		return stageNames[s]
	}
	return fmt.Sprintf("stage(%d)", uint8(s))
}

// MarshalText writes the stage's name.
func (s Stage) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Error is a failure to get a key from one address. Use errors.Is with a
// [Kind], or errors.As to read the fields.
type Error struct {
	Kind  Kind
	Stage Stage
	// Addr is the address (host:port) that failed, or the host name that
	// did not resolve.
	Addr string
	// KeyType is the key type the connection asked for; empty for the
	// first connection of a target, which asks for any requested type.
	KeyType KeyType
	// Elapsed is the time from the start of the (last) connection to the
	// failure.
	Elapsed time.Duration
	// Attempts is the number of connections made: more than one when
	// connections closed before the banner were retried.
	Attempts int
	// Err is the underlying error.
	Err error
}

func (e *Error) Error() string {
	what := ""
	if e.KeyType != "" {
		what = " (" + string(e.KeyType) + ")"
	}
	tries := ""
	if e.Attempts > 1 {
		tries = fmt.Sprintf(" (%d attempts)", e.Attempts)
	}
	return fmt.Sprintf("keyscan: %s%s: %s during %s after %s%s: %v",
		e.Addr, what, e.Kind.String(), e.Stage, e.Elapsed.Round(time.Millisecond), tries, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// classify turns an error from dialing or from the handshake into a Kind.
func classify(ctx context.Context, err error) Kind {
	var ke *kindError
	var ne *negotiationError
	var dnsErr *net.DNSError
	var addrErr *net.AddrError
	var chErr *ssh.OpenChannelError
	switch {
	case ctx.Err() != nil && !errors.Is(context.Cause(ctx), errDeadline) &&
		!errors.Is(context.Cause(ctx), errTargetDeadline):
		return Canceled
	case ctx.Err() != nil:
		return Timeout
	case errors.As(err, &ke):
		return ke.kind
	case errors.As(err, &ne):
		return NoCommonAlgorithm
	case errors.As(err, &dnsErr) && !dnsErr.IsTimeout:
		return Unresolved
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH), errors.As(err, &addrErr):
		// An *net.AddrError: an address of the other family than -4/-6.
		return Unreachable
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return Timeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return Closed
	case errors.As(err, &chErr):
		return channelOpenKind(chErr)
	}
	return Protocol
}

// channelOpenKind classifies a jump host's refusal to open a direct-tcpip
// channel. OpenSSH's sshd answers "connect failed" with the text of the
// connect(2) or getaddrinfo(3) error it got, which is all there is to go on.
func channelOpenKind(e *ssh.OpenChannelError) Kind {
	m := strings.ToLower(e.Message)
	switch {
	case strings.Contains(m, "connection refused"):
		return Refused
	case strings.Contains(m, "no route to host"), strings.Contains(m, "unreachable"):
		return Unreachable
	case strings.Contains(m, "timed out"):
		return Timeout
	case strings.Contains(m, "name or service not known"), strings.Contains(m, "no address associated"),
		strings.Contains(m, "nodename nor servname"):
		return Unresolved
	}
	return Protocol
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// errDeadline is the cause of a connection context ending at its own
// deadline (as opposed to the caller's cancellation).
var errDeadline = errors.New("connection deadline")

// errTargetDeadline is the cause of a target's context ending at
// [Scanner.TargetTimeout].
var errTargetDeadline = errors.New("the target's deadline passed (Scanner.TargetTimeout)")
