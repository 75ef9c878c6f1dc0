package keyscan

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/hostkeys/hostkeys/fingerprint"
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
	if _, ok := key.(*ssh.Certificate); ok {
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

// SSHFP algorithm numbers (RFC 4255, 6594, 7479).
var sshfpAlgorithm = map[string]int{
	ssh.KeyAlgoRSA:      1,
	"ssh-dss":           2,
	ssh.KeyAlgoECDSA256: 3,
	ssh.KeyAlgoECDSA384: 3,
	ssh.KeyAlgoECDSA521: 3,
	ssh.KeyAlgoED25519:  4,
}

// SSHFPLines returns the SSHFP records ssh-keyscan -D prints for key: SHA-1
// (type 1) then SHA-256 (type 2), "name IN SSHFP alg type hex". As in
// ssh-keyscan, names are not lowercased, the port is dropped, and on port 22
// without hash the names form one owner field ("a,b"); hash only changes
// that grouping. Keys without an SSHFP algorithm (certificates, security-key
// types) give no records.
func SSHFPLines(names []string, port int, key ssh.PublicKey, hash bool) []string {
	alg, ok := sshfpAlgorithm[key.Type()]
	if !ok {
		return nil
	}
	owners := names
	if !hash && (port == DefaultPort || port == 0) {
		owners = []string{strings.Join(names, ",")}
	}
	var lines []string
	for _, owner := range owners {
		for _, h := range []struct {
			typ  int
			hash fingerprint.Hash
		}{{1, fingerprint.SHA1}, {2, fingerprint.SHA256}} {
			fp := fingerprint.OfBlob(key.Marshal(), h.hash)
			lines = append(lines, owner+" IN SSHFP "+strconv.Itoa(alg)+" "+strconv.Itoa(h.typ)+" "+hex.EncodeToString(fp.Sum))
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
