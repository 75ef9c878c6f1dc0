package keyscan

import (
	"net/netip"
	"strconv"
	"strings"
)

// ParseJumpHosts reads jump hosts as ssh -J names them: [user@]host[:port]
// hops separated by commas, in the order they are connected. An IPv6
// address is written [addr] or [addr]:port, or bare without a port. A
// hop without a port has Port 22. Host and user names that start with "-"
// or hold blanks, control characters, "/", "\", "[" or "]" are refused,
// so that a hop can never be read as an option or a path. The error is a
// *[JumpHostError].
func ParseJumpHosts(s string) ([]JumpHost, error) {
	var hops []JumpHost
	for _, text := range strings.Split(s, ",") {
		h, reason := parseJumpHop(text)
		if reason != "" {
			return nil, &JumpHostError{Text: text, Reason: reason}
		}
		hops = append(hops, h)
	}
	return hops, nil
}

// JumpHostError reports a jump host [ParseJumpHosts] cannot read.
type JumpHostError struct {
	Text   string // the hop as written
	Reason string // what is wrong with it
}

func (e *JumpHostError) Error() string {
	return "keyscan: bad jump host " + strconv.Quote(e.Text) + ": " + e.Reason
}

func parseJumpHop(s string) (JumpHost, string) {
	h := JumpHost{Port: 22}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		h.User, s = s[:i], s[i+1:]
		if h.User == "" {
			return h, "empty user name"
		}
	}
	host, port, hasPort := s, "", false
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return h, "missing ']'"
		}
		host = s[1:end]
		if rest := s[end+1:]; rest != "" {
			if port, hasPort = strings.CutPrefix(rest, ":"); !hasPort {
				return h, "want [host]:port"
			}
		}
	case strings.Count(s, ":") == 1:
		host, port, hasPort = strings.Cut(s, ":")
	case strings.Contains(s, ":"):
		if _, err := netip.ParseAddr(s); err != nil {
			return h, "want host, host:port or [host]:port"
		}
	}
	if host == "" {
		return h, "no host"
	}
	if strings.HasPrefix(host, "-") || strings.ContainsFunc(host+h.User, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r == '/' || r == '\\' || r == '[' || r == ']'
	}) {
		return h, "invalid character"
	}
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return h, "bad port " + strconv.Quote(port)
		}
		h.Port = n
	}
	h.Host = host
	return h, ""
}
