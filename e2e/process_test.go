//go:build e2e && unix

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// requireE2E reports whether a missing prerequisite must fail the test
// rather than skip it: in CI and under make test it must never be skipped.
func requireE2E() bool {
	return os.Getenv("AGENTSTEPS_REQUIRE_E2E") == "1" || os.Getenv("CI") != ""
}

// prerequisite fails or skips the test with msg, as requireE2E says.
func prerequisite(t *testing.T, msg string) {
	t.Helper()
	if requireE2E() {
		t.Fatal(msg)
	}
	t.Skip(msg + " (skipped: set AGENTSTEPS_REQUIRE_E2E=1 to make this a failure)")
}

// repoRoot is the directory of go.mod, one level above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

// freePort returns a loopback port that is free right now, below the
// kernel's ephemeral range and never handed out twice by this process.
// A port the kernel picks (":0") lies inside that range, where any
// outgoing connection may be given it: the front tier's reconnects to a
// killed step collector, a scrape, a PostgreSQL client. The tests restart
// collectors on their ports, so such a port could be taken in between.
func freePort(t *testing.T) int {
	t.Helper()
	ports.Lock()
	defer ports.Unlock()
	lo, hi := listenPortRange()
	for range 1000 {
		port := lo + rand.IntN(hi-lo)
		if ports.given[port] || reservedPort(port) {
			continue
		}
		l, err := net.Listen("tcp", loopback(port))
		if err != nil {
			continue // taken by another process
		}
		l.Close()
		ports.given[port] = true
		return port
	}
	t.Fatalf("no free loopback port in [%d, %d) after 1000 tries", lo, hi)
	return 0
}

// ports: what freePort has handed out.
var ports = struct {
	sync.Mutex
	given map[int]bool
}{given: map[int]bool{}}

// reservedPort: the fixed ports of the servers the scripts start, free
// while their server is down, so never handed out: PostgreSQL's throwaway
// servers in 25400-25499 (scripts/pg.sh 25432, the outage tests 25439 and
// 25453) and scripts/prometheus.sh's 29090.
func reservedPort(port int) bool {
	return (port >= 25400 && port <= 25499) || port == 29090
}

// listenPortRange is where freePort looks: from 20000 up to the start of
// the ephemeral range (/proc/sys/net/ipv4/ip_local_port_range; Linux's
// default 32768 where that cannot be read).
func listenPortRange() (lo, hi int) {
	lo, hi = 20000, 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > lo+1000 {
				hi = n
			}
		}
	}
	return lo, hi
}

func loopback(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// process is a child started in its own process group, so that stopping it
// also stops anything it started.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *syncWriter
	done chan struct{} // closed when the process has exited
}

// startProcess starts bin and stops it when the test ends, passed or not.
// Its output is shown when the test fails.
func startProcess(t *testing.T, name string, bin string, args ...string) *process {
	t.Helper()
	return startProcessIn(t, "", name, bin, args...)
}

// startProcessIn is startProcess in the working directory dir.
func startProcessIn(t *testing.T, dir, name string, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name, out: &syncWriter{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, p.cmd.Start(), "start %s", name)
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, p.output())
		}
	})
	return p
}

// stopGrace bounds a clean shutdown. It is generous: a collector flushing
// its queue on a loaded two-core machine is slow, and a hang still fails.
const stopGrace = time.Minute

// stop sends SIGTERM to the process group, and SIGKILL if it has not
// exited after a grace period. It is safe to call twice.
func (p *process) stop(t *testing.T) {
	if p.exited() {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		t.Errorf("%s (pid %d) did not stop within %s of SIGTERM; killing it", p.name, pgid, stopGrace)
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *process) output() string { return p.out.String() }

// syncWriter collects a child's output while the test reads it.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *syncWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(b)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitHealthy polls the health_check extension until it answers 200.
// storedWithin bounds the wait for replayed records to be stored: the
// processor's wait, the batch timeout and the writes, on a loaded machine.
const storedWithin = 3 * time.Minute

// healthyWithin bounds a start-up; a collector that is healthy sooner is
// used at once.
const healthyWithin = 3 * time.Minute

func waitHealthy(t *testing.T, p *process, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if p.exited() {
			t.Fatalf("%s exited before it was ready:\n%s", p.name, p.output())
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s was not healthy at %s within %s (last: %v):\n%s", p.name, url, timeout, last, p.output())
}

// runCommand runs bin to completion and returns its stdout; a non-zero exit
// fails the test with its stderr.
func runCommand(t *testing.T, dir string, timeout time.Duration, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s %v did not finish within %s:\n%s", filepath.Base(bin), args, timeout, stderr.String())
	}
	require.NoError(t, err, "%s %v:\n%s", filepath.Base(bin), args, stderr.String())
	return stdout.Bytes()
}
