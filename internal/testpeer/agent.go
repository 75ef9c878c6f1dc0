package testpeer

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Agent is the real ssh-agent (package openssh-client) started by a test,
// listening on a socket of its own. It is stopped, by its PID, when the
// test ends.
type Agent struct {
	// Socket is the agent's socket path, the value of SSH_AUTH_SOCK.
	Socket string

	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// StartAgent starts "ssh-agent -D -a SOCKET" in the foreground, holding no
// key, and returns once its socket accepts connections. The socket is in a
// short temporary directory (a Unix socket path has at most 107 bytes).
func StartAgent(tb testing.TB) *Agent {
	tb.Helper()
	bin := Binary(tb, "ssh-agent", "openssh-client")
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		tb.Fatalf("testpeer: %v", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	a := &Agent{Socket: filepath.Join(dir, "sock"), log: filepath.Join(dir, "log")}
	logf, err := os.Create(a.log)
	if err != nil {
		tb.Fatalf("testpeer: %v", err)
	}
	a.cmd = exec.Command(bin, "-D", "-a", a.Socket)
	a.cmd.Stdout, a.cmd.Stderr = logf, logf
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	err = a.cmd.Start()
	logf.Close()
	if err != nil {
		tb.Fatalf("testpeer: starting ssh-agent: %v", err)
	}
	a.done = make(chan struct{})
	go func() { a.cmd.Wait(); close(a.done) }()
	tb.Cleanup(a.Stop)

	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-a.done:
			b, _ := os.ReadFile(a.log)
			tb.Fatalf("testpeer: ssh-agent exited:\n%s", b)
		default:
		}
		if c, err := net.Dial("unix", a.Socket); err == nil {
			c.Close()
			return a
		}
	}
	b, _ := os.ReadFile(a.log)
	tb.Fatalf("testpeer: ssh-agent did not listen on %s:\n%s", a.Socket, b)
	return nil
}

// Add loads private key files into the agent with the real ssh-add.
func (a *Agent) Add(tb testing.TB, files ...string) {
	tb.Helper()
	bin := Binary(tb, "ssh-add", "openssh-client")
	cmd := exec.Command(bin, files...)
	cmd.Env = append(os.Environ(), "SSH_AUTH_SOCK="+a.Socket)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("testpeer: ssh-add %v: %v\n%s", files, err, out)
	}
}

// Stop ends the agent by its PID and waits for it. It is registered with
// t.Cleanup; calling it earlier is fine.
func (a *Agent) Stop() {
	if a.cmd == nil || a.cmd.Process == nil {
		return
	}
	pid := a.cmd.Process.Pid
	syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(3 * time.Second):
		syscall.Kill(pid, syscall.SIGKILL)
		<-a.done
	}
}
