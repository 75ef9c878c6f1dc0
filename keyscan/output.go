package keyscan

import (
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/hostkeys/hostkeys/fingerprint"
	"github.com/hostkeys/hostkeys/internal/sshfprr"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// KnownHostsLines returns the lines ssh-keyscan prints for key found at a
// target scanned on port, without trailing newlines:
//
//   - on port 22 without hashing, one line naming every name
//     ("127.0.0.1,localhost ssh-ed25519 AAAA..."), as ssh-keyscan does;
//   - otherwise one line per name, "[name]:port" for ports other than 22,
//     hashed (|1|salt|hmac, over "[name]:port") when hash is set.
//
// Names are lowercased. A certificate is printed bare, without names, as
// ssh-keyscan -c does (that line is not a valid known_hosts line; use
// [CertAuthorityLine] for one).
func KnownHostsLines(names []string, port int, key ssh.PublicKey, hash bool) []string {
	keyText := strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(key)), "\n")
	if isCertificate(key) {
		return []string{keyText}
	}
	if !hash && (port == DefaultPort || port == 0) {
		return []string{strings.ToLower(strings.Join(names, ",")) + " " + keyText}
	}
	lines := make([]string, 0, len(names))
	for _, n := range names {
		h := strings.ToLower(hostPort(n, port))
		if hash {
			h = knownhosts.HashHostname(h)
		}
		lines = append(lines, h+" "+keyText)
	}
	return lines
}

// isCertificate reports whether key is a certificate, also one x/crypto
// cannot represent (a DSA host certificate comes as a fingerprint.OpaqueKey).
func isCertificate(key ssh.PublicKey) bool {
	_, ok := key.(*ssh.Certificate)
	return ok || strings.HasSuffix(key.Type(), "-cert-v01@openssh.com")
}

// hostPort is OpenSSH's put_host_port: the bare name on port 22, else
// "[name]:port".
func hostPort(name string, port int) string {
	if port == DefaultPort || port == 0 {
		return name
	}
	return "[" + name + "]:" + strconv.Itoa(port)
}

// CertAuthorityLine returns a known_hosts line that trusts the CA that
// signed cert for names ("@cert-authority names ca-key").
func CertAuthorityLine(names []string, port int, cert *ssh.Certificate) string {
	hosts := make([]string, len(names))
	for i, n := range names {
		hosts[i] = strings.ToLower(hostPort(n, port))
	}
	return "@cert-authority " + strings.Join(hosts, ",") + " " +
		strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(cert.SignatureKey)), "\n")
}

// SSHFPLines returns the SSHFP records ssh-keyscan -D prints for key, "name
// IN SSHFP alg type hex": SHA-1 (type 1) then SHA-256 (type 2), or only the
// fingerprint types of digests when given ([fingerprint.SHA1],
// [fingerprint.SHA256]), as ssh-keyscan -O hashalg= selects them; a digest
// SSHFP has no type for (MD5) gives no record. As in ssh-keyscan, names are
// not lowercased, the port is dropped, and on port 22 without hash the
// names form one owner field ("a,b"); hash only changes that grouping. Keys
// without an SSHFP algorithm (certificates, security-key types) give no
// records.
func SSHFPLines(names []string, port int, key ssh.PublicKey, hash bool, digests ...fingerprint.Hash) []string {
	alg := sshfprr.Algorithm(key.Type())
	if alg == 0 {
		return nil
	}
	var types []uint8
	for _, t := range sshfprr.FingerprintTypes {
		if len(digests) == 0 || slices.ContainsFunc(digests, func(h fingerprint.Hash) bool { return sshfprr.Type(h) == t }) {
			types = append(types, t)
		}
	}
	owners := names
	if !hash && (port == DefaultPort || port == 0) {
		owners = []string{strings.Join(names, ",")}
	}
	blob := key.Marshal()
	rdata := make([]string, len(types))
	for i, t := range types {
		rdata[i] = " IN SSHFP " + strconv.Itoa(int(alg)) + " " + strconv.Itoa(int(t)) + " " +
			hex.EncodeToString(sshfprr.Digest(blob, t))
	}
	lines := make([]string, 0, len(owners)*len(rdata))
	for _, owner := range owners {
		for _, r := range rdata {
			lines = append(lines, owner+r)
		}
	}
	return lines
}

// CommentLine returns the line ssh-keyscan writes for each connection that
// got a banner: "# host:port banner" (';' instead of '#' for SSHFP output).
// IPv6 addresses are not bracketed, as in ssh-keyscan. Control characters
// from the server are escaped.
func CommentLine(host string, port int, banner string, sshfp bool) string {
	c := "#"
	if sshfp {
		c = ";"
	}
	return c + " " + host + ":" + strconv.Itoa(port) + " " + sanitize(banner)
}

// sanitize escapes bytes that could forge output lines or terminal escapes.
func sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	q := strconv.QuoteToASCII(s)
	return q[1 : len(q)-1]
}
