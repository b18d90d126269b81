//go:build e2e && reliability && unix

package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The large run of the outage and crash tests: 186 requests of 10 copies
// of the 27 steps outside Letta, plus the 5 Letta steps redelivered in
// every request: 50,225 records, about 107,000 spans.
const (
	largeRunRequests = 186
	largeRunCopies   = 10
	largeRunSeconds  = 20 // replay is paced to last about this long
)

// outageConfig holds every span in the exporter's in-memory queue while
// PostgreSQL is down. Past the receiver nothing can hand an error back to
// the client: the step processor and the batch processor have acknowledged
// the spans already. So the queue is sized in spans for everything that
// can arrive while the database is down (here the whole run, as the outage
// may start before the first write), retries never give up, and
// block_on_overflow pushes back on the receiver instead of dropping should
// the queue fill anyway.
const outageConfig = `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: %[1]q, max_recv_msg_size_mib: 64}
processors:
  step:
    wait: 1s
    max_traces: 10000
  batch:
    timeout: 200ms
    send_batch_size: 4096
exporters:
  step/postgres:
    postgres:
      dsn: ${env:` + reliabilityDSNEnv + `}
      table: %[2]s
    trace_url: %[3]q
    timeout: 10s
    retry_on_failure:
      initial_interval: 1s
      max_interval: 2s
      max_elapsed_time: 0
    sending_queue:
      sizer: items
      queue_size: %[4]d
      block_on_overflow: true
extensions:
  health_check: {endpoint: %[5]q}
service:
  extensions: [health_check]
  telemetry:
    logs: {level: warn}
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: %[6]d}}}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [step, batch]
      exporters: [step/postgres]
`

// outageDowntime is longer than two retry intervals (max_interval 2s), so
// that every batch in flight fails and is retried at least once.
const outageDowntime = 6 * time.Second

// TestPostgresOutageLosesNoStep replays a large run, stops PostgreSQL in the
// middle for longer than a retry interval, starts it again, and checks that
// every step is in the table once, with exactly the values steps convert
// gives.
func TestPostgresOutageLosesNoStep(t *testing.T) {
	start := time.Now()
	root := repoRoot(t)
	builtCollector(t)
	requireDSN(t)
	srv := startPrivatePostgres(t)
	dsn := srv.run(t, "dsn")

	dir := t.TempDir()
	steps := buildSteps(t, root, dir)
	run := writeLargeRun(t, root, dir, largeRunRequests, largeRunCopies)
	converted := time.Now()
	want := convertFixtures(t, steps, root, []string{run.path})
	require.GreaterOrEqual(t, len(want), 50_000)
	t.Logf("steps convert gave %d records for %d spans in %s", len(want), run.spans, time.Since(converted).Round(time.Millisecond))

	table := fmt.Sprintf("reliability_outage_%d_%08x", time.Now().Unix(), rand.Uint32())
	dropTableAtEnd(t, dsn, table)
	addrs := newCollectorAddrs(t)
	config := fmt.Sprintf(outageConfig, addrs.grpc, table, traceURLTemplate, run.spans, addrs.health, addrs.metricsPort)
	otelcol := startCollector(t, "otelcol-steps", dir, config, dsn, addrs)

	replay := startProcess(t, "steps replay", steps, "replay", "--endpoint", otelcol.grpcAddr,
		"--rate", fmt.Sprint(float64(run.requests)/largeRunSeconds), run.path)
	otelcol.waitMetric(t, "otelcol_receiver_accepted_spans", float64(run.spans)/4, 5*time.Minute)
	_, storedBefore := tableRows(t, dsn, table)
	srv.run(t, "stop")
	downAt := time.Now()
	time.Sleep(outageDowntime)
	// The replay runs on at its rate, so requests reach the queue while the
	// database is down; on a loaded machine that may take longer than the
	// downtime, so the test waits for it rather than reading once.
	queued := otelcol.waitMetric(t, "otelcol_exporter_queue_size", 1, 2*time.Minute)
	srv.run(t, "start")
	t.Logf("PostgreSQL was down for %s with %d records stored before; the queue held %.0f spans", time.Since(downAt).Round(time.Millisecond), storedBefore, queued)
	require.Positive(t, queued, "nothing waited in the queue while the database was down")

	require.Equal(t, 0, waitExit(t, replay, 10*time.Minute), "every request must be acknowledged:\n%s", replay.output())
	requireStoredExactly(t, otelcol, dsn, table, want, 10*time.Minute)
	m := otelcol.metrics(t)
	require.Zero(t, m["otelcol_exporter_send_failed_spans"], "spans given up after retries")
	require.Zero(t, m["otelcol_exporter_enqueue_failed_spans"], "spans the queue refused")
	rows, distinct := tableRows(t, dsn, table)
	t.Logf("outage: %d requests (%d spans, %d steps) sent; %d rows stored, %d distinct ids, %d duplicates; %s in all",
		run.requests, run.spans, len(want), rows, distinct, rows-distinct, time.Since(start).Round(time.Second))
}

func requireDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("AGENTSTEPS_PG_DSN")
	if dsn == "" {
		prerequisite(t, "AGENTSTEPS_PG_DSN is not set; run `scripts/pg.sh start` and `export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)`, or use `make reliability`")
	}
	return dsn
}

// privatePostgres is a server of scripts/pg.sh on a port of its own, so
// that stopping it cannot disturb anybody else's tests.
type privatePostgres struct {
	script, port string
}

// startPrivatePostgres starts the server on AGENTSTEPS_PG_OUTAGE_PORT
// (default 25453) and destroys it, data dir included, when the test ends.
func startPrivatePostgres(t *testing.T) privatePostgres {
	t.Helper()
	port := os.Getenv("AGENTSTEPS_PG_OUTAGE_PORT")
	if port == "" {
		port = "25453"
	}
	srv := privatePostgres{script: filepath.Join(repoRoot(t), "scripts", "pg.sh"), port: port}
	t.Cleanup(func() {
		if t.Failed() {
			// The server's own account, before destroy removes it: a CI
			// run once found this server refusing connections before the
			// test stopped it, with nothing left to say why.
			log, err := os.ReadFile(filepath.Join("/tmp", "agentsteps-pg-"+port, "server.log"))
			t.Logf("server.log of the PostgreSQL on port %s (%v):\n%s", port, err, tail(log, 4000))
		}
		srv.run(t, "destroy")
	})
	srv.run(t, "start")
	return srv
}

func (s privatePostgres) run(t *testing.T, cmd string) string {
	t.Helper()
	c := exec.Command("bash", s.script, cmd)
	c.Env = append(os.Environ(), "AGENTSTEPS_PG_PORT="+s.port)
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.Output()
	require.NoError(t, err, "scripts/pg.sh %s on port %s: %s", cmd, s.port, stderr.String())
	return strings.TrimSpace(string(out))
}

// tail is the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
