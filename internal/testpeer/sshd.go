package testpeer

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/hostkeys/hostkeys/fingerprint"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHServer is an SSH server (OpenSSH sshd or dropbear) started by a test on
// the loopback interface, with host keys generated for that test. It is
// stopped, with every process it forked, when the test ends.
type SSHServer struct {
	// Program is "sshd" or "dropbear".
	Program string
	// Host is the address it listens on: "127.0.0.1".
	Host string
	// Port is the TCP port it listens on.
	Port int
	// Addr is Host:Port, ready for net.Dial.
	Addr string
	// IPv6 reports whether it also listens on [::1]:Port.
	IPv6 bool
	// Dir is the scratch directory holding its configuration, keys and log.
	Dir string
	// Keys are its host public keys, in the order of [ServerOptions.KeyTypes].
	Keys []ssh.PublicKey
	// KeyFiles are the paths of the public key files ("*.pub"), OpenSSH
	// format, in the same order as Keys.
	KeyFiles []string
	// Certs are its host certificates, one per key, when
	// [ServerOptions.Certificates] was set (sshd only); nil for a DSA
	// key's, which x/crypto cannot represent.
	Certs []*ssh.Certificate
	// CA is the certificate authority's public key that signed Certs, and
	// CAFile the path of its OpenSSH ".pub" file.
	CA     ssh.PublicKey
	CAFile string
	// LogFile is where the server logs (its stderr: sshd -e, dropbear -E).
	LogFile string
	// User, UserKey and UserKeyFile (the private key's path) log in, when
	// [ServerOptions.Login] was set: User is the user running the tests.
	User        string
	UserKey     ssh.Signer
	UserKeyFile string

	cmd  *exec.Cmd
	done chan struct{}
}

// ServerOptions configures [StartSSHD] and [StartDropbear]. The zero value
// is a server with RSA, ECDSA and Ed25519 host keys, no certificates, and the
// program's default limits and algorithms.
type ServerOptions struct {
	// KeyTypes are the host key types, as ssh-keygen -t spells them: "rsa",
	// "ecdsa", "ed25519". Nil means all three. RSA keys have RSABits bits.
	KeyTypes []string
	// RSABits is the size of RSA host keys; zero means 3072 (ssh-keygen's
	// default).
	RSABits int
	// Certificates asks for a host certificate per host key, signed by a
	// generated Ed25519 CA for Principals (sshd only).
	Certificates bool
	// Principals of the host certificates. Nil means "localhost" and
	// "127.0.0.1".
	Principals []string
	// IPv6 also listens on [::1] on the same port.
	IPv6 bool
	// Config holds extra sshd_config lines ("MaxStartups 1000",
	// "KexAlgorithms curve25519-sha256"). For dropbear, extra command-line
	// arguments.
	Config []string
	// LogLevel is sshd's LogLevel; empty means INFO.
	LogLevel string
	// Login lets the user running the tests log in with a generated
	// Ed25519 key (sshd only; root too, by key), with TCP forwarding, so
	// that the server can be a jump host or, with ssh -D, a SOCKS proxy
	// ([StartSOCKS]). See [SSHServer.User].
	Login bool
}

var keygenMu sync.Mutex

// genKey writes a private key at path (and path.pub) with ssh-keygen.
func genKey(tb testing.TB, keygen, typ string, bits int, path string) {
	tb.Helper()
	args := []string{"-q", "-N", "", "-C", "", "-t", typ, "-f", path}
	if typ == "rsa" {
		if bits == 0 {
			bits = 3072
		}
		args = append(args, "-b", strconv.Itoa(bits))
	}
	out, err := exec.Command(keygen, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("testpeer: ssh-keygen %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func readPub(tb testing.TB, path string) ssh.PublicKey {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("testpeer: %v", err)
	}
	// fingerprint parses every type OpenSSH does, ssh-dss included.
	k, _, err := fingerprint.ParseKeyText(strings.TrimSpace(string(b)))
	if err != nil {
		tb.Fatalf("testpeer: %s: %v", path, err)
	}
	return k
}

func keyTypes(o *ServerOptions) []string {
	if o.KeyTypes == nil {
		return []string{"rsa", "ecdsa", "ed25519"}
	}
	return o.KeyTypes
}

// FreePort returns a TCP port that was free on 127.0.0.1 a moment ago.
// Callers that start a server on it must cope with losing a race for it.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testpeer: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartSSHD starts OpenSSH's sshd (package openssh-server) on 127.0.0.1 on a
// free port, in the foreground (-D), with its configuration, generated host
// keys (and certificates) and log in a t.TempDir. Authentication is off (no
// passwords, no authorized keys) unless [ServerOptions.Login] is set, so the
// server only serves key exchanges.
// It returns once the server has sent its banner to a probe connection, and
// stops it (and its per-connection children) when the test ends.
//
// When the tests run as root, sshd needs its privilege-separation directory
// (Debian: /run/sshd); StartSSHD creates it if it is missing, as the
// package's service unit does.
func StartSSHD(tb testing.TB, opts ServerOptions) *SSHServer {
	tb.Helper()
	sshd := Binary(tb, "sshd", "openssh-server")
	keygen := Binary(tb, "ssh-keygen", "openssh-client")
	dir := tb.TempDir()
	s := &SSHServer{Program: "sshd", Host: "127.0.0.1", Dir: dir, IPv6: opts.IPv6,
		LogFile: filepath.Join(dir, "sshd.log")}

	var cfg []string
	// Under the lock, so that parallel tests do not run ssh-keygen all at
	// once; a Fatalf unwinds through the deferred Unlock.
	func() {
		keygenMu.Lock()
		defer keygenMu.Unlock()
		if opts.Certificates {
			s.CAFile = filepath.Join(dir, "ca.pub")
			genKey(tb, keygen, "ed25519", 0, filepath.Join(dir, "ca"))
			s.CA = readPub(tb, s.CAFile)
		}
		for _, typ := range keyTypes(&opts) {
			path := filepath.Join(dir, "host_"+typ)
			genKey(tb, keygen, typ, opts.RSABits, path)
			s.Keys = append(s.Keys, readPub(tb, path+".pub"))
			s.KeyFiles = append(s.KeyFiles, path+".pub")
			cfg = append(cfg, "HostKey "+path)
			if opts.Certificates {
				principals := opts.Principals
				if principals == nil {
					principals = []string{"localhost", "127.0.0.1"}
				}
				args := []string{"-q", "-s", filepath.Join(dir, "ca"), "-I", "testpeer-" + typ, "-h",
					"-n", strings.Join(principals, ","), "-V", "-1d:+30d", path + ".pub"}
				if out, err := exec.Command(keygen, args...).CombinedOutput(); err != nil {
					tb.Fatalf("testpeer: ssh-keygen %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				key := readPub(tb, path+"-cert.pub")
				cert, ok := key.(*ssh.Certificate)
				if !ok && !strings.HasSuffix(key.Type(), "-cert-v01@openssh.com") {
					tb.Fatalf("testpeer: %s-cert.pub is not a certificate", path)
				}
				s.Certs = append(s.Certs, cert)
				cfg = append(cfg, "HostCertificate "+path+"-cert.pub")
			}
		}
		if opts.Login {
			u, err := user.Current()
			if err != nil {
				tb.Fatalf("testpeer: %v", err)
			}
			s.User = u.Username
			s.UserKeyFile = filepath.Join(dir, "user_ed25519")
			genKey(tb, keygen, "ed25519", 0, s.UserKeyFile)
			priv, err := os.ReadFile(s.UserKeyFile)
			if err == nil {
				s.UserKey, err = ssh.ParsePrivateKey(priv)
			}
			if err == nil {
				err = os.Rename(s.UserKeyFile+".pub", filepath.Join(dir, "authorized_keys"))
			}
			if err != nil {
				tb.Fatalf("testpeer: user key: %v", err)
			}
		}
	}()

	logLevel := opts.LogLevel
	if logLevel == "" {
		logLevel = "INFO"
	}
	cfg = append(cfg,
		"PidFile "+filepath.Join(dir, "sshd.pid"),
		"UsePAM no",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
	)
	if opts.Login {
		cfg = append(cfg,
			"PubkeyAuthentication yes",
			"AuthorizedKeysFile "+filepath.Join(dir, "authorized_keys"),
			"PermitRootLogin prohibit-password",
			"AllowTcpForwarding yes",
		)
	} else {
		cfg = append(cfg, "PubkeyAuthentication no", "AuthorizedKeysFile none")
	}
	cfg = append(cfg,
		"StrictModes no",
		"LogLevel "+logLevel,
	)
	cfg = append(cfg, opts.Config...)
	cfgFile := filepath.Join(dir, "sshd_config")

	var lastErr string
	for attempt := 0; attempt < 5; attempt++ {
		s.Port = FreePort(tb)
		s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
		lines := []string{"Port " + strconv.Itoa(s.Port), "ListenAddress 127.0.0.1"}
		if opts.IPv6 {
			lines = append(lines, "ListenAddress ::1")
		}
		lines = append(lines, cfg...)
		if err := os.WriteFile(cfgFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			tb.Fatalf("testpeer: %v", err)
		}
		cmd := exec.Command(sshd, "-D", "-e", "-f", cfgFile)
		msg, ok := s.start(tb, cmd)
		if ok {
			return s
		}
		lastErr = msg
		if m := privsepRE.FindStringSubmatch(msg); m != nil && os.Geteuid() == 0 {
			if err := os.MkdirAll(m[1], 0o755); err != nil {
				tb.Fatalf("testpeer: creating sshd's privilege-separation directory: %v", err)
			}
			continue
		}
		if !strings.Contains(msg, "Address already in use") && !strings.Contains(msg, "Cannot bind any address") {
			break
		}
	}
	tb.Fatalf("testpeer: sshd did not start:\n%s", lastErr)
	return nil
}

var privsepRE = regexp.MustCompile(`Missing privilege separation directory: (/\S+)`)

// StartDropbear starts dropbear (package dropbear-bin) on 127.0.0.1 on a
// free port in the foreground, with generated host keys, password logins
// off. Certificates are not supported. See [StartSSHD] for the life cycle.
func StartDropbear(tb testing.TB, opts ServerOptions) *SSHServer {
	tb.Helper()
	dropbear := Binary(tb, "dropbear", "dropbear-bin")
	dbkey := Binary(tb, "dropbearkey", "dropbear-bin")
	if opts.Certificates {
		tb.Fatalf("testpeer: dropbear has no host certificates")
	}
	dir := tb.TempDir()
	s := &SSHServer{Program: "dropbear", Host: "127.0.0.1", Dir: dir, IPv6: opts.IPv6,
		LogFile: filepath.Join(dir, "dropbear.log")}
	var args []string
	for _, typ := range keyTypes(&opts) {
		path := filepath.Join(dir, "dropbear_"+typ+"_host_key")
		kargs := []string{"-t", typ, "-f", path}
		if typ == "rsa" {
			bits := opts.RSABits
			if bits == 0 {
				bits = 3072
			}
			kargs = append(kargs, "-s", strconv.Itoa(bits))
		}
		if out, err := exec.Command(dbkey, kargs...).CombinedOutput(); err != nil {
			tb.Fatalf("testpeer: dropbearkey %s: %v\n%s", strings.Join(kargs, " "), err, out)
		}
		out, err := exec.Command(dbkey, "-y", "-f", path).Output()
		if err != nil {
			tb.Fatalf("testpeer: dropbearkey -y -f %s: %v", path, err)
		}
		var pub []byte
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ssh-") || strings.HasPrefix(sc.Text(), "ecdsa-") {
				pub = append(sc.Bytes(), '\n')
				break
			}
		}
		if err := os.WriteFile(path+".pub", pub, 0o644); err != nil {
			tb.Fatalf("testpeer: %v", err)
		}
		s.Keys = append(s.Keys, readPub(tb, path+".pub"))
		s.KeyFiles = append(s.KeyFiles, path+".pub")
		args = append(args, "-r", path)
	}
	args = append(args, "-F", "-E", "-s", "-P", filepath.Join(dir, "dropbear.pid"))
	args = append(args, opts.Config...)
	var lastErr string
	for attempt := 0; attempt < 5; attempt++ {
		s.Port = FreePort(tb)
		s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
		a := append([]string{}, args...)
		a = append(a, "-p", s.Addr)
		if opts.IPv6 {
			a = append(a, "-p", net.JoinHostPort("::1", strconv.Itoa(s.Port)))
		}
		msg, ok := s.start(tb, exec.Command(dropbear, a...))
		if ok {
			return s
		}
		lastErr = msg
		if !strings.Contains(msg, "in use") && !strings.Contains(msg, "Failed listening") {
			break
		}
	}
	tb.Fatalf("testpeer: dropbear did not start:\n%s", lastErr)
	return nil
}

// start runs cmd in its own process group and waits until the server sends
// a banner. It reports the log and false if the server exits first.
func (s *SSHServer) start(tb testing.TB, cmd *exec.Cmd) (string, bool) {
	tb.Helper()
	logf, err := os.OpenFile(s.LogFile, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		tb.Fatalf("testpeer: %v", err)
	}
	cmd.Stdout = logf
	cmd.Stderr = logf
	// Its own process group, so that Stop ends the per-connection children
	// too; and killed with the test binary if that dies before Cleanup
	// (a test timeout), so that no server outlives its test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		tb.Fatalf("testpeer: starting %s: %v", cmd.Path, err)
	}
	logf.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()

	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			b, _ := os.ReadFile(s.LogFile)
			return string(b), false
		default:
		}
		if probe(s.Addr) {
			s.cmd, s.done = cmd, done
			tb.Cleanup(s.Stop)
			return "", true
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
	b, _ := os.ReadFile(s.LogFile)
	return "timed out waiting for the banner\n" + string(b), false
}

// probe reports whether addr accepts a connection and sends "SSH-".
func probe(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4)
	n, _ := io.ReadFull(c, buf)
	return n == 4 && string(buf) == "SSH-"
}

// Stop kills the server and every process of its process group and waits
// for it. It is registered with t.Cleanup; calling it earlier is fine.
func (s *SSHServer) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	pid := s.cmd.Process.Pid
	syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(3 * time.Second):
		syscall.Kill(-pid, syscall.SIGKILL)
		<-s.done
	}
	// Children still in the group (pre-auth sshd processes) go too.
	syscall.Kill(-pid, syscall.SIGKILL)
}

// Log returns what the server has logged so far, for failure messages.
func (s *SSHServer) Log() string {
	b, err := os.ReadFile(s.LogFile)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(b)
}

// HostPort returns the server's address as ssh-keyscan names it in
// known_hosts lines: "[127.0.0.1]:PORT".
func (s *SSHServer) HostPort() string {
	return "[" + s.Host + "]:" + strconv.Itoa(s.Port)
}
