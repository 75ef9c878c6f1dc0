package keyscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/hostkeys/hostkeys/internal/wire"
)

// KexInit holds the algorithm lists a server advertises in its
// SSH_MSG_KEXINIT (RFC 4253 section 7.1), which it sends in clear text
// right after the banners.
type KexInit struct {
	Cookie                  [16]byte `json:"-"`
	KeyExchanges            []string `json:"kex"`
	HostKeyAlgorithms       []string `json:"hostkey"`
	CiphersClientServer     []string `json:"ciphers_client_server"`
	CiphersServerClient     []string `json:"ciphers_server_client"`
	MACsClientServer        []string `json:"macs_client_server"`
	MACsServerClient        []string `json:"macs_server_client"`
	CompressionClientServer []string `json:"compression_client_server"`
	CompressionServerClient []string `json:"compression_server_client"`
	LanguagesClientServer   []string `json:"languages_client_server,omitempty"`
	LanguagesServerClient   []string `json:"languages_server_client,omitempty"`
	FirstKexFollows         bool     `json:"first_kex_follows,omitempty"`
}

const (
	msgKexInit = 20
	// maxNameList bounds one name-list; OpenSSH's whole KEXINIT is about
	// 1.1 KB.
	maxNameList = 16 << 10
)

// ParseKexInit parses the payload of an SSH_MSG_KEXINIT message, starting
// with its message number (20). Names must be non-empty printable ASCII
// without commas, as RFC 4251 section 5 requires of a name-list.
func ParseKexInit(payload []byte) (*KexInit, error) {
	if len(payload) == 0 || payload[0] != msgKexInit {
		if len(payload) == 0 {
			return nil, errors.New("keyscan: empty packet where KEXINIT was expected")
		}
		return nil, fmt.Errorf("keyscan: message %d where KEXINIT (20) was expected", payload[0])
	}
	if len(payload) < 17 {
		return nil, errors.New("keyscan: KEXINIT truncated in its cookie")
	}
	k := &KexInit{}
	copy(k.Cookie[:], payload[1:17])
	r := wire.NewReader(payload[17:])
	lists := []*[]string{
		&k.KeyExchanges, &k.HostKeyAlgorithms,
		&k.CiphersClientServer, &k.CiphersServerClient,
		&k.MACsClientServer, &k.MACsServerClient,
		&k.CompressionClientServer, &k.CompressionServerClient,
		&k.LanguagesClientServer, &k.LanguagesServerClient,
	}
	for i, l := range lists {
		b, err := r.String()
		if err != nil {
			return nil, fmt.Errorf("keyscan: KEXINIT name-list %d: %w", i+1, err)
		}
		if len(b) > maxNameList {
			return nil, fmt.Errorf("keyscan: KEXINIT name-list %d is %d bytes long", i+1, len(b))
		}
		names, err := parseNameList(b)
		if err != nil {
			return nil, fmt.Errorf("keyscan: KEXINIT name-list %d: %w", i+1, err)
		}
		*l = names
	}
	if r.Len() < 5 {
		return nil, errors.New("keyscan: KEXINIT truncated after its name-lists")
	}
	k.FirstKexFollows = r.Rest()[0] != 0
	return k, nil
}

func parseNameList(b []byte) ([]string, error) {
	if len(b) == 0 {
		return []string{}, nil
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return nil, fmt.Errorf("bad byte %#02x in %q", c, b)
		}
	}
	names := strings.Split(string(b), ",")
	for _, n := range names {
		if n == "" {
			return nil, fmt.Errorf("empty name in %q", b)
		}
	}
	return names, nil
}

// Pseudo-algorithms that announce extensions, not key exchanges.
func isKexExtension(name string) bool {
	switch name {
	case "ext-info-c", "ext-info-s", "kex-strict-c-v00@openssh.com", "kex-strict-s-v00@openssh.com":
		return true
	}
	return false
}

// maxFirstPacket bounds the server's first binary packet, its KEXINIT.
const maxFirstPacket = 64 << 10

// maxPreBanner bounds what a server may send before its identification
// line (RFC 4253 allows other lines first).
const maxPreBanner = 64 << 10

// observer follows the bytes a server sends, without altering them, to
// pick out its identification line and its KEXINIT. It fails fast on what
// x/crypto would only notice at the deadline or never: a first packet
// announced too large, or too much data before the banner.
type observer struct {
	state     int    // 0 banner, 1 first packet, 2 done
	line      []byte // the current line's first 256 bytes
	lineLen   int    // the current line's length so far
	preBanner int    // bytes of complete lines so far
	banner    string
	pktLen    uint32
	pkt       []byte
	skipped   int // packets before KEXINIT (IGNORE, DEBUG)
	kexInit   *KexInit
	err       error // a protocol error seen; sticky
}

// feed consumes b and returns a protocol error as soon as one is seen.
func (o *observer) feed(b []byte) error {
	for len(b) > 0 && o.err == nil && o.state < 2 {
		switch o.state {
		case 0:
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				i = len(b)
			}
			if room := 256 - len(o.line); room > 0 {
				o.line = append(o.line, b[:min(i, room)]...)
			}
			o.lineLen += i
			if o.preBanner+o.lineLen > maxPreBanner {
				o.err = fmt.Errorf("%d bytes without an identification line", o.preBanner+o.lineLen)
				continue
			}
			if i == len(b) {
				b = nil
				continue
			}
			b = b[i+1:]
			line := strings.TrimSuffix(string(o.line), "\r")
			o.preBanner += o.lineLen + 1
			o.line, o.lineLen = o.line[:0], 0
			if strings.HasPrefix(line, "SSH-") {
				o.banner = line
				o.state = 1
				if !strings.HasPrefix(line, "SSH-2.0-") && !strings.HasPrefix(line, "SSH-1.99-") {
					o.err = fmt.Errorf("server speaks SSH protocol %q, not 2.0", strings.SplitN(line, "-", 3)[1])
				}
			}
		case 1:
			if len(o.pkt) < 4 {
				n := min(4-len(o.pkt), len(b))
				o.pkt = append(o.pkt, b[:n]...)
				b = b[n:]
				if len(o.pkt) < 4 {
					continue
				}
				o.pktLen = binary.BigEndian.Uint32(o.pkt)
				if o.pktLen > maxFirstPacket {
					o.err = fmt.Errorf("first packet announces %d bytes (KEXINIT expected, at most %d)", o.pktLen, maxFirstPacket)
					continue
				}
				if o.pktLen < 5 {
					o.err = fmt.Errorf("first packet announces %d bytes", o.pktLen)
					continue
				}
			}
			need := int(o.pktLen) + 4 - len(o.pkt)
			n := min(need, len(b))
			o.pkt = append(o.pkt, b[:n]...)
			b = b[n:]
			if len(o.pkt) < int(o.pktLen)+4 {
				continue
			}
			pad := int(o.pkt[4])
			body := o.pkt[5:]
			if pad > len(body) {
				o.err = fmt.Errorf("first packet padding %d exceeds its length %d", pad, o.pktLen)
				continue
			}
			payload := body[:len(body)-pad]
			if len(payload) > 0 && payload[0] != msgKexInit {
				// RFC 4253 lets IGNORE and DEBUG come first; x/crypto
				// judges anything else. Give up watching after a few.
				o.pkt = o.pkt[:0]
				if o.skipped++; o.skipped > 8 {
					o.state = 2
				}
				continue
			}
			k, err := ParseKexInit(payload)
			if err != nil {
				o.err = fmt.Errorf("%v", strings.TrimPrefix(err.Error(), "keyscan: "))
				continue
			}
			o.kexInit = k
			o.pkt = nil
			o.state = 2
		}
	}
	return o.err
}
