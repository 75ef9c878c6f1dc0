package knownhosts

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// HostPort returns the name under which ssh looks a host up in
// known_hosts: the host itself for port 22 (or 0), and "[host]:port"
// otherwise. A host already in brackets, such as "[::1]", is not
// bracketed twice.
func HostPort(host string, port int) string {
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	if port == 0 || port == 22 {
		return host
	}
	return "[" + host + "]:" + strconv.Itoa(port)
}

// SplitAddress splits an address as ssh.Dial takes it and as a
// HostKeyCallback receives it: "host:port", "[host]:port" (IPv6
// addresses are always bracketed), or a bare host on port 22. An address
// whose port is not a number is taken as a bare host, as x/crypto does.
// [HostPort] writes a host and port back in known_hosts form.
func SplitAddress(addr string) (host string, port int) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]"), 22
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return addr, 22
	}
	return h, n
}

// addName turns a name given to [File.Add] into the form ssh writes:
// "host" for port 22, "[host]:port" otherwise, lowercased. It takes the
// dial and callback form "host:port" (and "[ipv6]:port") as well as
// OpenSSH's; a bare IPv6 address is a host on port 22. A port that is a
// pattern ("[*.example]:*") is kept as written.
func addName(name string) (string, error) {
	bad := func(reason string) (string, error) { return "", &AddError{Name: name, Reason: reason} }
	if name == "" || strings.ContainsAny(name, " \t\r\n,\x00") || strings.HasPrefix(name, "|") || strings.HasPrefix(name, "#") || strings.HasPrefix(name, "@") {
		return bad("not a host name or pattern")
	}
	host, port, hasPort := name, "", false
	switch {
	case strings.HasPrefix(name, "["):
		end := strings.LastIndex(name, "]")
		if end < 0 {
			return bad("no closing bracket")
		}
		host = name[1:end]
		switch rest := name[end+1:]; {
		case rest == "":
		case rest[0] == ':':
			port, hasPort = rest[1:], true
		default:
			return bad("text after the closing bracket")
		}
	case strings.Count(name, ":") == 1:
		host, port, hasPort = strings.Cut(name, ":")
	}
	// A host with one colon would read back as "host:port".
	if host == "" || strings.ContainsAny(host, "[]") || strings.ContainsAny(host[:1], "|#@") || strings.Count(host, ":") == 1 {
		return bad("not a host name or pattern")
	}
	host = lowerASCII(host)
	switch {
	case !hasPort || port == "22":
		return host, nil
	case port != "" && strings.Trim(port, "0123456789*?") == "" && hasWildcard(port):
		return "[" + host + "]:" + port, nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return bad(fmt.Sprintf("invalid port %q", port))
	}
	return HostPort(host, n), nil
}
