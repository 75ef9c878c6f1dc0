package keyscan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// SOCKS5Auth is a user name and password for a SOCKS5 proxy (RFC 1929).
// Each is 1 to 255 bytes.
type SOCKS5Auth struct {
	User     string
	Password string
}

// SOCKS5Dialer returns a dial function for [Scanner.Dial] that connects
// through the SOCKS5 proxy (RFC 1928) at proxyAddr ("host:port"), such as
// ssh -D or Tor, with a CONNECT request. Host names go to the proxy
// unresolved, so the proxy resolves them (remote DNS); addresses go as
// addresses. With auth, the user name and password are offered (RFC 1929)
// besides no authentication.
//
// The dial function honours its context's deadline and cancellation in
// every step, and reads only the fixed-size fields of the protocol. A
// proxy's refusal is a *[SOCKS5Error] whose code says why; refused and
// unreachable targets unwrap to the syscall errors a direct connection
// gives, so that a scan reports them as [Refused] and [Unreachable]. The
// network "tcp4" or "tcp6" only restricts addresses: a proxy resolves names
// as it likes.
func SOCKS5Dialer(proxyAddr string, auth *SOCKS5Auth) func(ctx context.Context, network, addr string) (net.Conn, error) {
	p := &socks5Client{proxy: proxyAddr, auth: auth}
	return p.dial
}

// SOCKS5Error is a SOCKS5 proxy's reply other than success to a CONNECT
// request (RFC 1928 section 6).
type SOCKS5Error struct {
	// Proxy is the proxy's address, Target the address asked for.
	Proxy  string
	Target string
	// Code is the reply field: 1 general failure, 2 not allowed by the
	// ruleset, 3 network unreachable, 4 host unreachable, 5 connection
	// refused, 6 TTL expired, 7 command not supported, 8 address type not
	// supported.
	Code uint8
}

var socks5Replies = [...]string{
	1: "general SOCKS server failure",
	2: "connection not allowed by ruleset",
	3: "network unreachable",
	4: "host unreachable",
	5: "connection refused",
	6: "TTL expired",
	7: "command not supported",
	8: "address type not supported",
}

func (e *SOCKS5Error) Error() string {
	reason := "unknown reply code " + strconv.Itoa(int(e.Code))
	if int(e.Code) < len(socks5Replies) && socks5Replies[e.Code] != "" {
		reason = socks5Replies[e.Code]
	}
	return fmt.Sprintf("socks5 proxy %s: connect to %s: %s", e.Proxy, e.Target, reason)
}

// Unwrap returns the syscall error a direct connection would have given
// (ECONNREFUSED for code 5, EHOSTUNREACH for 4, ENETUNREACH for 3,
// ETIMEDOUT for 6), or nil.
func (e *SOCKS5Error) Unwrap() error {
	switch e.Code {
	case 3:
		return syscall.ENETUNREACH
	case 4:
		return syscall.EHOSTUNREACH
	case 5:
		return syscall.ECONNREFUSED
	case 6:
		return syscall.ETIMEDOUT
	}
	return nil
}

type socks5Client struct {
	proxy string
	auth  *SOCKS5Auth
}

// RFC 1928 and 1929 constants.
const (
	socks5Version     = 5
	socks5NoAuth      = 0
	socks5UserPass    = 2
	socks5NoMethod    = 0xff
	socks5Connect     = 1
	socks5IPv4        = 1
	socks5Domain      = 3
	socks5IPv6        = 4
	socks5AuthVersion = 1
)

func (p *socks5Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	req, err := socks5Request(network, addr)
	if err != nil {
		return nil, err
	}
	if p.auth != nil && (len(p.auth.User) == 0 || len(p.auth.User) > 255 || len(p.auth.Password) == 0 || len(p.auth.Password) > 255) {
		return nil, errors.New("socks5: user name and password must be 1 to 255 bytes each")
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", p.proxy)
	if err != nil {
		return nil, fmt.Errorf("socks5 proxy %s: %w", p.proxy, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	// Cancellation unblocks a read or write at once.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	err = p.handshake(c, req, addr)
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		c.Close()
		var se *SOCKS5Error
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, fmt.Errorf("socks5 proxy %s: %w", p.proxy, err)
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// socks5Request builds the CONNECT request for addr.
func socks5Request(network, addr string) ([]byte, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, net.UnknownNetworkError(network)
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return nil, &net.AddrError{Err: "bad port", Addr: addr}
	}
	req := []byte{socks5Version, socks5Connect, 0}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return nil, &net.AddrError{Err: "zoned address through a proxy", Addr: addr}
		}
		ip = ip.Unmap()
		if (network == "tcp4" && !ip.Is4()) || (network == "tcp6" && ip.Is4()) {
			return nil, &net.AddrError{Err: "address family does not match " + network, Addr: addr}
		}
		if ip.Is4() {
			req = append(req, socks5IPv4)
		} else {
			req = append(req, socks5IPv6)
		}
		req = append(req, ip.AsSlice()...)
	} else {
		if len(host) == 0 || len(host) > 255 {
			return nil, &net.AddrError{Err: "host name must be 1 to 255 bytes for SOCKS5", Addr: addr}
		}
		req = append(req, socks5Domain, byte(len(host)))
		req = append(req, host...)
	}
	return append(req, byte(port>>8), byte(port)), nil
}

// handshake runs method selection, authentication and the CONNECT request
// on c, reading only fixed-size fields.
func (p *socks5Client) handshake(c net.Conn, req []byte, target string) error {
	hello := []byte{socks5Version, 1, socks5NoAuth}
	if p.auth != nil {
		hello = []byte{socks5Version, 2, socks5NoAuth, socks5UserPass}
	}
	if _, err := c.Write(hello); err != nil {
		return err
	}
	var b [4]byte
	if _, err := io.ReadFull(c, b[:2]); err != nil {
		return fmt.Errorf("reading the method selection: %w", err)
	}
	if b[0] != socks5Version {
		return fmt.Errorf("not a SOCKS5 proxy (version %d in its reply)", b[0])
	}
	switch {
	case b[1] == socks5NoAuth:
	case b[1] == socks5UserPass && p.auth != nil:
		if err := p.authenticate(c); err != nil {
			return err
		}
	case b[1] == socks5NoMethod && p.auth == nil:
		return errors.New("the proxy requires authentication")
	case b[1] == socks5NoMethod:
		return errors.New("the proxy accepts none of the offered authentication methods")
	default:
		return fmt.Errorf("the proxy chose authentication method %d, which was not offered", b[1])
	}

	if _, err := c.Write(req); err != nil {
		return err
	}
	if _, err := io.ReadFull(c, b[:4]); err != nil {
		return fmt.Errorf("reading the reply to CONNECT %s: %w", target, err)
	}
	if b[0] != socks5Version {
		return fmt.Errorf("bad version %d in the reply to CONNECT", b[0])
	}
	if b[1] != 0 {
		return &SOCKS5Error{Proxy: p.proxy, Target: target, Code: b[1]}
	}
	// The bound address, which a scan has no use for, then the port.
	var n int
	switch b[3] {
	case socks5IPv4:
		n = 4
	case socks5IPv6:
		n = 16
	case socks5Domain:
		if _, err := io.ReadFull(c, b[:1]); err != nil {
			return fmt.Errorf("reading the reply to CONNECT %s: %w", target, err)
		}
		n = int(b[0])
	default:
		return fmt.Errorf("unknown address type %d in the reply to CONNECT", b[3])
	}
	var bound [255 + 2]byte
	if _, err := io.ReadFull(c, bound[:n+2]); err != nil {
		return fmt.Errorf("reading the reply to CONNECT %s: %w", target, err)
	}
	return nil
}

// authenticate sends the user name and password (RFC 1929).
func (p *socks5Client) authenticate(c net.Conn) error {
	msg := make([]byte, 0, 3+len(p.auth.User)+len(p.auth.Password))
	msg = append(msg, socks5AuthVersion, byte(len(p.auth.User)))
	msg = append(msg, p.auth.User...)
	msg = append(msg, byte(len(p.auth.Password)))
	msg = append(msg, p.auth.Password...)
	if _, err := c.Write(msg); err != nil {
		return err
	}
	var b [2]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return fmt.Errorf("reading the authentication status: %w", err)
	}
	if b[0] != socks5AuthVersion {
		return fmt.Errorf("bad version %d in the authentication status", b[0])
	}
	if b[1] != 0 {
		return fmt.Errorf("user name and password rejected (status %d)", b[1])
	}
	return nil
}
