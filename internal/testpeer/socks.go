package testpeer

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// StartSOCKS starts the real OpenSSH client (package openssh-client) as a
// SOCKS5 proxy on 127.0.0.1: "ssh -N -D" logged into srv, which must have
// been started with [ServerOptions.Login]. It returns the proxy's address
// once it accepts connections, and stops the ssh process (by its PID) when
// the test ends. The client reads no ssh_config and no known_hosts.
func StartSOCKS(tb testing.TB, srv *SSHServer) string {
	tb.Helper()
	if srv.UserKeyFile == "" {
		tb.Fatalf("testpeer: StartSOCKS needs a server started with Login")
	}
	sshBin := Binary(tb, "ssh", "openssh-client")
	logFile := filepath.Join(srv.Dir, "ssh-socks.log")
	var lastLog string
	for attempt := 0; attempt < 5; attempt++ {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(tb)))
		cmd := exec.Command(sshBin, "-N", "-D", addr,
			"-F", "/dev/null",
			"-o", "StrictHostKeyChecking=no",
			"-o", "UserKnownHostsFile=/dev/null",
			"-o", "GlobalKnownHostsFile=/dev/null",
			"-o", "BatchMode=yes",
			"-o", "IdentitiesOnly=yes",
			"-o", "ExitOnForwardFailure=yes",
			"-o", "LogLevel=ERROR",
			"-i", srv.UserKeyFile,
			"-p", strconv.Itoa(srv.Port),
			srv.User+"@"+srv.Host)
		logf, err := os.Create(logFile)
		if err != nil {
			tb.Fatalf("testpeer: %v", err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		err = cmd.Start()
		logf.Close()
		if err != nil {
			tb.Fatalf("testpeer: starting ssh: %v", err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		stop := func() {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-done
			}
		}
		ready := waitListening(addr, done, 10*time.Second)
		if ready {
			tb.Cleanup(stop)
			return addr
		}
		stop()
		b, _ := os.ReadFile(logFile)
		lastLog = string(b)
		if !strings.Contains(lastLog, "in use") && !strings.Contains(lastLog, "forwarding") {
			break
		}
	}
	tb.Fatalf("testpeer: ssh -D did not start:\n%s\nsshd log:\n%s", lastLog, srv.Log())
	return ""
}

// waitListening reports whether addr accepts a connection before timeout
// passes or exited is closed.
func waitListening(addr string, exited <-chan struct{}, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return true
		}
	}
	return false
}
