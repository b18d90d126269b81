//go:build e2e && reliability && unix

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

const (
	burstMaxTraces = 10_000
	// 20 lines of 500 one-span traces, sent 20 times by steps replay
	// --repeat with fresh ids: 200,000 traces of one step each.
	burstLines         = 20
	burstTracesPerLine = 500
	burstRepeat        = 20
	burstTraces        = burstLines * burstTracesPerLine * burstRepeat
	burstFixture       = "openllmetry/gen_ai_system_and_prompt_tokens.otlp.json"
	// GOMEMLIMIT as a collector deployment sets it, so that the GC keeps the
	// heap near the live set instead of doubling it between collections;
	// the README explains the bound.
	burstGoMemLimit     = "192MiB"
	burstRSSBoundMiB    = 320
	burstSampleOfRows   = 200
	burstReplayDeadline = 15 * time.Minute
)

// burstConfig holds every trace for an hour, so that no trace is released
// for its wait during the test: every release before shutdown is an early
// one, forced by max_traces, and the count is exact. Shutdown releases the
// rest. The exporter's queue is bounded in spans and blocks when full, so
// that a database slower than the burst pushes back on the receiver instead
// of growing the queue or dropping spans.
const burstConfig = `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: %[1]q}
processors:
  step:
    wait: 1h
    max_traces: %[2]d
exporters:
  step/postgres:
    postgres:
      dsn: ${env:` + reliabilityDSNEnv + `}
      table: %[3]s
    trace_url: %[4]q
    sending_queue:
      sizer: items
      queue_size: 20000
      block_on_overflow: true
      batch:
        flush_timeout: 200ms
        min_size: 2000
        max_size: 5000
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
      processors: [step]
      exporters: [step/postgres]
`

// TestBurstStaysWithinMemoryBoundAndReleasesEveryTraceEarly sends 200,000
// traces as fast as the collector takes them against max_traces: 10000. The
// collector's peak RSS stays under the bound documented in the README, the
// processor releases the oldest traces early and counts them, and every
// trace's step reaches the table.
func TestBurstStaysWithinMemoryBoundAndReleasesEveryTraceEarly(t *testing.T) {
	start := time.Now()
	root := repoRoot(t)
	builtCollector(t)
	dsn := requireDSN(t)

	dir := t.TempDir()
	steps := buildSteps(t, root, dir)
	fixture := filepath.Join(root, "testdata", filepath.FromSlash(burstFixture))
	base := writeTraceCopies(t, fixture, filepath.Join(dir, "burst.otlp.json"), burstLines, burstTracesPerLine)
	want := convertFixtures(t, steps, root, []string{fixture})
	require.Len(t, want, 1, "the burst fixture must give one step per trace")

	table := fmt.Sprintf("reliability_burst_%d_%08x", time.Now().Unix(), rand.Uint32())
	dropTableAtEnd(t, dsn, table)
	addrs := newCollectorAddrs(t)
	config := fmt.Sprintf(burstConfig, addrs.grpc, burstMaxTraces, table, traceURLTemplate, addrs.health, addrs.metricsPort)
	t.Setenv("GOMEMLIMIT", burstGoMemLimit)
	otelcol := startCollector(t, "otelcol-steps", dir, config, dsn, addrs)
	pid := otelcol.cmd.Process.Pid
	idleKiB := memoryKiB(t, pid, "VmRSS")

	// A request may wait while the queue is full; it must not time out.
	replay := startProcess(t, "steps replay", steps, "replay", "--endpoint", otelcol.grpcAddr,
		"--timeout", "2m", "--repeat", fmt.Sprint(burstRepeat), base)
	var maxHeld float64
	for !replay.exited() {
		maxHeld = max(maxHeld, otelcol.metric(t, "otelcol_processor_step_traces_held"))
		time.Sleep(250 * time.Millisecond)
	}
	require.Equal(t, 0, waitExit(t, replay, burstReplayDeadline), "every request must be acknowledged:\n%s", replay.output())
	burst := time.Since(start)

	m := otelcol.metrics(t)
	maxHeld = max(maxHeld, m["otelcol_processor_step_traces_held"])
	require.LessOrEqual(t, maxHeld, float64(burstMaxTraces), "the processor held more traces than max_traces")
	require.Equal(t, float64(burstMaxTraces), m["otelcol_processor_step_traces_held"], "the newest traces wait for their wait")
	require.Equal(t, float64(burstTraces-burstMaxTraces), m["otelcol_processor_step_traces_released_early"],
		"every trace but the newest max_traces is released early, and counted")
	require.Equal(t, m["otelcol_processor_step_traces_released_early"], m["otelcol_processor_step_traces_released"],
		"no trace reached its one-hour wait")

	// Shutdown releases the traces still held: nothing is dropped.
	waitRows(t, otelcol, dsn, table, burstTraces-burstMaxTraces, 10*time.Minute)
	peakKiB := memoryKiB(t, pid, "VmHWM")
	otelcol.stop(t)
	require.Equal(t, 0, otelcol.cmd.ProcessState.ExitCode(), "the collector's shutdown failed:\n%s", otelcol.output())
	rows, distinct := tableRows(t, dsn, table)
	require.Equal(t, burstTraces, rows, "one step per trace")
	require.Equal(t, rows, distinct)
	requireSampleLike(t, dsn, table, want)

	t.Logf("burst: %d traces in %s; peak RSS (VmHWM) %d MiB, idle %d MiB, bound %d MiB; at most %.0f traces held; %.0f released early; %d steps stored; %s in all",
		burstTraces, burst.Round(time.Millisecond), peakKiB/1024, idleKiB/1024, burstRSSBoundMiB, maxHeld,
		m["otelcol_processor_step_traces_released_early"], rows, time.Since(start).Round(time.Second))
	require.Less(t, peakKiB, int64(burstRSSBoundMiB)<<10, "peak RSS over the documented bound")
}

// writeTraceCopies writes lines requests of perLine copies of the fixture,
// each copy a trace of its own, and returns the file's path.
func writeTraceCopies(t *testing.T, fixture, path string, lines, perLine int) string {
	t.Helper()
	td := mergeBatches(readFixture(t, fixture))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	require.NoError(t, err)
	defer f.Close()
	w := bufio.NewWriter(f)
	for range lines {
		line := ptrace.NewTraces()
		for range perLine {
			appendRenamed(line, td)
		}
		b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(line)
		require.NoError(t, err)
		_, err = w.Write(append(b, '\n'))
		require.NoError(t, err)
	}
	require.NoError(t, w.Flush())
	return path
}

// requireSampleLike reads a sample of stored records and checks that each
// is the fixture's record, but for the ids a copy of its own gets.
func requireSampleLike(t *testing.T, dsn, table string, want map[string]record) {
	t.Helper()
	var only record
	for _, r := range want {
		only = perCopy(r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pg := openPostgres(t, dsn, table)
	sample, err := pg.Recent(ctx, burstSampleOfRows)
	require.NoError(t, err)
	require.Len(t, sample, burstSampleOfRows)
	var ids []string
	for _, s := range sample {
		ids = append(ids, s.ID)
	}
	for id, got := range readRecords(t, pg, ids) {
		require.Equal(t, expectedTraceURL(got), got["trace_url"], "trace_url of %s", id)
		require.Equal(t, only, perCopy(got), "record %s", id)
	}
}

// perCopy drops what every copy of a trace has of its own.
func perCopy(r record) record {
	c := maps.Clone(r)
	for _, k := range []string{"id", "trace_id", "span_id", "trace_url"} {
		delete(c, k)
	}
	return c
}

// TestTraceThatNeverEndsIsReleasedAfterWait sends one step whose parent (an
// agent span still running) never arrives: the processor does not wait for
// it, but releases the trace wait after its last span, step included.
func TestTraceThatNeverEndsIsReleasedAfterWait(t *testing.T) {
	root := repoRoot(t)
	builtCollector(t)
	dsn := requireDSN(t)
	dir := t.TempDir()
	steps := buildSteps(t, root, dir)

	td := mergeBatches(readFixture(t, filepath.Join(root, "testdata", filepath.FromSlash(burstFixture))))
	span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	span.SetParentSpanID([8]byte{0xa6, 0xe1, 0x7e, 0x40, 0x00, 0x00, 0x00, 0x01}) // the agent span, never sent
	b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	path := filepath.Join(dir, "open-trace.otlp.json")
	require.NoError(t, os.WriteFile(path, append(b, '\n'), 0o600))
	want := convertFixtures(t, steps, root, []string{path})
	require.Len(t, want, 1)

	// Long enough that the check right after the replay still sees the trace
	// held on a loaded machine; the release is waited for as an event.
	const wait = 10 * time.Second
	table := fmt.Sprintf("reliability_open_trace_%d_%08x", time.Now().Unix(), rand.Uint32())
	dropTableAtEnd(t, dsn, table)
	addrs := newCollectorAddrs(t)
	config := strings.Replace(fmt.Sprintf(burstConfig, addrs.grpc, burstMaxTraces, table, traceURLTemplate, addrs.health, addrs.metricsPort),
		"wait: 1h", "wait: "+wait.String(), 1)
	otelcol := startCollector(t, "otelcol-steps", dir, config, dsn, addrs)

	sent := time.Now()
	runCommand(t, root, time.Minute, steps, "replay", "--endpoint", otelcol.grpcAddr, path)
	if time.Since(sent) < wait {
		require.Equal(t, float64(1), otelcol.metric(t, "otelcol_processor_step_traces_held"), "the trace is held for its wait")
	}
	otelcol.waitMetric(t, "otelcol_processor_step_traces_released", 1, wait+3*time.Minute)
	released := time.Since(sent)
	require.GreaterOrEqual(t, released, wait, "released before its wait")
	m := otelcol.metrics(t)
	require.Zero(t, m["otelcol_processor_step_traces_released_early"])
	require.Zero(t, m["otelcol_processor_step_traces_held"])
	requireStoredExactly(t, otelcol, dsn, table, want, 5*time.Minute)
	t.Logf("a trace without its root was released %s after its only span (wait %s), its step stored", released.Round(10*time.Millisecond), wait)
}
