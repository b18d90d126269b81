//go:build e2e && reliability && unix

package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// crashSafeConfig is the pipeline the README documents for "no
// acknowledged step is lost when the collector is killed". Between the
// receiver's acknowledgement and the persistent queue nothing may hold
// spans in memory:
//   - the step processor runs with wait: 0, so it annotates each request
//     and hands it on before the receiver answers (wait > 0 would hold
//     acknowledged traces in memory for wait);
//   - there is no batch processor, which acknowledges at once and sends
//     later; batching happens inside the persistent queue instead, where a
//     request leaves the disk only once the batch that holds it is written;
//   - memory_limiter holds nothing: it refuses a request before it is
//     acknowledged, and the client sends it again.
//
// The queue is counted in requests; when it is full the receiver answers
// with an error, so a full queue makes clients retry instead of losing
// spans. Retries never give up.
const crashSafeConfig = `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: %[1]q, max_recv_msg_size_mib: 64}
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 1024
    spike_limit_mib: 256
  step:
    wait: 0s
exporters:
  step/postgres:
    postgres:
      dsn: ${env:` + reliabilityDSNEnv + `}
      table: %[2]s
    trace_url: %[3]q
    timeout: 10s
    retry_on_failure:
      initial_interval: 1s
      max_interval: 5s
      max_elapsed_time: 0
    sending_queue:
      storage: file_storage
      queue_size: 5000
      batch:
        flush_timeout: 200ms
        min_size: 4096
        max_size: 16384
extensions:
  file_storage:
    directory: %[4]q
  health_check: {endpoint: %[5]q}
service:
  extensions: [file_storage, health_check]
  telemetry:
    logs: {level: warn}
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: %[6]d}}}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, step]
      exporters: [step/postgres]
`

// TestCollectorKilledMidRunLosesNoAcknowledgedStep replays a large run into
// the collector, SIGKILLs it in the middle, restarts it on the same
// storage directory, sends again what was not acknowledged (as any OTLP
// client retries), and checks that the table holds exactly the records
// steps convert gives for the whole run: nothing acknowledged was lost, and
// nothing written twice is duplicated.
func TestCollectorKilledMidRunLosesNoAcknowledgedStep(t *testing.T) {
	start := time.Now()
	root := repoRoot(t)
	builtCollector(t)
	dsn := requireDSN(t)

	dir := t.TempDir()
	steps := buildSteps(t, root, dir)
	run := writeLargeRun(t, root, dir, largeRunRequests, largeRunCopies)
	want := convertFixtures(t, steps, root, []string{run.path})
	require.GreaterOrEqual(t, len(want), 50_000)

	table := fmt.Sprintf("reliability_crash_%d_%08x", time.Now().Unix(), rand.Uint32())
	dropTableAtEnd(t, dsn, table)
	storage := filepath.Join(dir, "queue")
	require.NoError(t, os.Mkdir(storage, 0o700))
	addrs := newCollectorAddrs(t)
	config := fmt.Sprintf(crashSafeConfig, addrs.grpc, table, traceURLTemplate, storage, addrs.health, addrs.metricsPort)
	first := startCollector(t, "otelcol-steps", dir, config, dsn, addrs)

	replay := startProcess(t, "steps replay", steps, "replay", "--endpoint", first.grpcAddr,
		"--rate", fmt.Sprint(float64(run.requests)/largeRunSeconds), run.path)
	first.waitMetric(t, "otelcol_receiver_accepted_spans", float64(run.spans)/4, 5*time.Minute)
	// A lock stalls the writes, as a slow database would, so that the kill
	// surely finds acknowledged requests that only the queue holds.
	unlock := lockTable(t, dsn, table)
	first.waitMetric(t, "otelcol_receiver_accepted_spans", float64(run.spans)/2, 5*time.Minute)
	queued := first.metric(t, "otelcol_exporter_queue_size")
	first.kill(t)
	unlock()
	_, storedAtKill := tableRows(t, dsn, table)

	code := waitExit(t, replay, 5*time.Minute)
	require.NotZero(t, code, "replay saw no failure, so the collector died after the run:\n%s", replay.output())
	gaveUp := strings.Contains(replay.output(), "giving up after")
	resend := unacknowledged(t, replay.output(), run.path, run.requests, gaveUp)
	require.NotEmpty(t, resend)
	acked := run.requests - len(resend)
	ackedSteps := acked * stepsPerRequest(want, run.requests)
	t.Logf("killed with %d of %d requests (at least %d steps) acknowledged, %.0f requests in the persistent queue, %d records stored",
		acked, run.requests, ackedSteps, queued, storedAtKill)
	require.Less(t, storedAtKill, ackedSteps, "every acknowledged step was stored before the kill, so the persistent queue was not put to the test")

	restarted := startCollector(t, "otelcol-steps (restarted)", dir, config, dsn, addrs)
	runCommand(t, root, 5*time.Minute, steps, "replay", "--endpoint", restarted.grpcAddr, writeLines(t, run.path, dir, resend))
	requireStoredExactly(t, restarted, dsn, table, want, 10*time.Minute)
	rows, distinct := tableRows(t, dsn, table)
	merged := restarted.metric(t, "otelcol_exporter_step_records_merged")
	t.Logf("crash: %d requests (%d spans, %d steps) sent, %d of them again after the restart; %d rows stored, %d distinct ids, %d duplicates; %.0f records merged into rows after the restart; %s in all",
		run.requests, run.spans, len(want), len(resend), rows, distinct, rows-distinct, merged, time.Since(start).Round(time.Second))
}

// lockTable takes an exclusive lock on the table until the returned
// function is called, which stalls every write to it.
func lockTable(t *testing.T, dsn, table string) (unlock func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{"public", table}.Sanitize()+" IN ACCESS EXCLUSIVE MODE")
	require.NoError(t, err)
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			_ = tx.Rollback(ctx)
			_ = conn.Close(ctx)
			cancel()
		})
	}
	t.Cleanup(unlock)
	return unlock
}

// stepsPerRequest is how many distinct steps each request of the large run
// adds: its copies outside Letta (Letta's steps are the same in every
// request).
func stepsPerRequest(want map[string]record, requests int) int {
	letta := 0
	for _, r := range want {
		if r["source"] == "letta" {
			letta++
		}
	}
	return (len(want) - letta) / requests
}
