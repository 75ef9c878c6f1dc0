package keyscan

import (
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

// parseKexInit parses the payload of an SSH_MSG_KEXINIT message, starting
// with its message number (20). Names must be non-empty printable ASCII
// without commas, as RFC 4251 section 5 requires of a name-list.
func parseKexInit(payload []byte) (*KexInit, error) {
	if len(payload) == 0 || payload[0] != msgKexInit {
		if len(payload) == 0 {
			return nil, errors.New("empty packet where KEXINIT was expected")
		}
		return nil, fmt.Errorf("message %d where KEXINIT (20) was expected", payload[0])
	}
	if len(payload) < 17 {
		return nil, errors.New("KEXINIT truncated in its cookie")
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
			return nil, fmt.Errorf("KEXINIT name-list %d: %w", i+1, err)
		}
		if len(b) > maxNameList {
			return nil, fmt.Errorf("KEXINIT name-list %d is %d bytes long", i+1, len(b))
		}
		names, err := parseNameList(b)
		if err != nil {
			return nil, fmt.Errorf("KEXINIT name-list %d: %w", i+1, err)
		}
		*l = names
	}
	if r.Len() < 5 {
		return nil, errors.New("KEXINIT truncated after its name-lists")
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

// KeyExchangeMethods returns KeyExchanges without the pseudo-algorithms
// that announce extensions (ext-info-s, kex-strict-s-v00@openssh.com).
func (k *KexInit) KeyExchangeMethods() []string {
	out := make([]string, 0, len(k.KeyExchanges))
	for _, n := range k.KeyExchanges {
		if !isKexExtension(n) {
			out = append(out, n)
		}
	}
	return out
}

// Pseudo-algorithms that announce extensions, not key exchanges.
func isKexExtension(name string) bool {
	switch name {
	case "ext-info-c", "ext-info-s", "kex-strict-c-v00@openssh.com", "kex-strict-s-v00@openssh.com":
		return true
	}
	return false
}
