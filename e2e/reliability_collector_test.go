//go:build e2e && reliability && unix

package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// reliabilityDSNEnv is how the collector configs of these tests read the
// PostgreSQL DSN, so that no credential is written to disk and each test
// can point the collector at its own server.
const reliabilityDSNEnv = "AGENTSTEPS_RELIABILITY_DSN"

// collectorUnderTest is a running otelcol-steps with the loopback addresses
// the test gave it.
type collectorUnderTest struct {
	*process
	grpcAddr, healthAddr, metricsAddr string
}

// collectorAddrs are the listeners of one collector; a restart reuses them.
type collectorAddrs struct {
	grpc, health string
	metricsPort  int
}

func newCollectorAddrs(t *testing.T) collectorAddrs {
	return collectorAddrs{grpc: loopback(freePort(t)), health: loopback(freePort(t)), metricsPort: freePort(t)}
}

// startCollector writes config (a template completed by the caller) to dir
// and starts the built collector with dsn in its environment.
func startCollector(t *testing.T, name, dir, config, dsn string, addrs collectorAddrs) *collectorUnderTest {
	t.Helper()
	path := filepath.Join(dir, name+".yaml")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o600))
	t.Setenv(reliabilityDSNEnv, dsn)
	p := startProcess(t, name, builtCollector(t), "--config", path)
	waitHealthy(t, p, "http://"+addrs.health+"/", healthyWithin)
	return &collectorUnderTest{process: p, grpcAddr: addrs.grpc, healthAddr: addrs.health,
		metricsAddr: loopback(addrs.metricsPort)}
}

// kill sends SIGKILL to the collector alone: no shutdown, no flush, as in
// an OOM kill or a lost node.
func (c *collectorUnderTest) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, syscall.Kill(c.cmd.Process.Pid, syscall.SIGKILL))
	select {
	case <-c.done:
	case <-time.After(stopGrace):
		t.Fatalf("%s did not exit within %s of SIGKILL", c.name, stopGrace)
	}
}

// metrics scrapes the collector's own Prometheus endpoint and sums every
// series of each metric over its labels.
func (c *collectorUnderTest) metrics(t *testing.T) map[string]float64 {
	t.Helper()
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + c.metricsAddr + "/metrics")
	require.NoError(t, err, "scrape %s's metrics", c.name)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return parsePrometheus(t, resp.Body)
}

// metric is one value of a scrape, 0 when the series has not appeared
// yet (counters appear on their first increment). Counters carry the
// Prometheus _total suffix.
func (c *collectorUnderTest) metric(t *testing.T, name string) float64 {
	return c.metrics(t)[name]
}

func parsePrometheus(t *testing.T, r io.Reader) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(line, '{'); i >= 0 {
			name = line[:i]
			rest = line[strings.LastIndexByte(line, '}')+1:]
		}
		fields := strings.Fields(rest)
		require.NotEmpty(t, fields, "metrics line without a value: %q", line)
		v, err := strconv.ParseFloat(fields[0], 64)
		require.NoError(t, err, "metrics line %q", line)
		out[name] += v
	}
	require.NoError(t, sc.Err())
	return out
}

// waitMetric polls until the metric reaches at least min, and returns its
// value then.
func (c *collectorUnderTest) waitMetric(t *testing.T, name string, min float64, timeout time.Duration) float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v := c.metric(t, name)
		if v >= min {
			return v
		}
		if c.exited() {
			t.Fatalf("%s exited while waiting for %s >= %g:\n%s", c.name, name, min, c.output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed at %g < %g for %s", name, v, min, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// memoryKiB reads a Vm* line (VmHWM: peak resident set; VmRSS: now) from
// /proc/<pid>/status, in KiB.
func memoryKiB(t *testing.T, pid int, key string) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err, "%s line %q", key, line)
			return kb
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return 0
}

// waitExit waits a bounded time for a process started by startProcess and
// returns its exit code.
func waitExit(t *testing.T, p *process, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("%s did not finish within %s:\n%s", p.name, timeout, p.output())
		return -1
	}
}
