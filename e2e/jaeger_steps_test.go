//go:build e2e && jaeger && unix

package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/stepexporter/store"
)

// postgresOverlay is merged over config.yaml and config.jaeger.yaml, the
// files `JAEGER_ENDPOINT=... make run` uses: the steps go to a fresh
// PostgreSQL table instead of SQLite, with trace_url pointing at the test's
// Jaeger UI, and the traces go to Jaeger through config.jaeger.yaml's
// exporter. Lists replace lists, so the pipeline's exporters are these two.
const postgresOverlay = `
exporters:
  step/postgres:
    postgres:
      dsn: ${env:AGENTSTEPS_PG_DSN}
      table: %s
      create_schema: true
    trace_url: %s
service:
  pipelines:
    traces:
      exporters: [step/postgres, step_metrics, otlp_grpc/jaeger]
`

// stepTagFields are the record fields the anchor span must show in Jaeger
// as step.<field>: what a person compares between the row and the trace.
var stepTagFields = []string{
	"model", "status",
	"prompt_tokens", "completion_tokens", "total_tokens",
	"cached_input_tokens", "cache_write_tokens", "reasoning_tokens",
}

// TestRealJaegerLinksStepsAndTracesBothWays replays every fixture into the
// built collector, which stores the steps in PostgreSQL and sends the
// traces to a real Jaeger v2, then follows each stored record to its trace
// (by trace id, by trace_url and by a step.id search) and each step.id tag
// in Jaeger back to its row.
func TestRealJaegerLinksStepsAndTracesBothWays(t *testing.T) {
	root := repoRoot(t)
	collector := builtCollector(t)
	jaegerBin := jaegerBinary(t)
	dsn := os.Getenv("AGENTSTEPS_PG_DSN")
	if dsn == "" {
		prerequisite(t, "AGENTSTEPS_PG_DSN is not set; run `make jaeger-e2e`, which starts PostgreSQL, or `scripts/pg.sh start` and `export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)`")
	}
	fixtures, err := filepath.Glob(filepath.Join(root, "testdata", "*", "*.otlp.json"))
	require.NoError(t, err)
	require.NotEmpty(t, fixtures, "no testdata/*/*.otlp.json fixtures found under %s", root)

	dir := t.TempDir()
	fixtures = isolateFixtures(t, fixtures, t.TempDir())
	steps := buildSteps(t, root, dir)
	want := convertFixtures(t, steps, root, fixtures)
	require.NotEmpty(t, want, "steps convert gave no records for %d fixtures", len(fixtures))
	wantSpans := spansPerTrace(t, fixtures)

	j := startJaeger(t, root, jaegerBin)
	table := fmt.Sprintf("e2e_jaeger_%d_%08x", time.Now().Unix(), rand.Uint32())
	dropTableAtEnd(t, dsn, table)
	otelcol := startCollectorForJaeger(t, root, collector, dir, table, j.ui+"/trace/{trace_id}")
	pg := openPostgres(t, dsn, table)

	args := append([]string{"replay", "--endpoint", otelcol.grpc}, fixtures...)
	t.Logf("steps replay: %s", runCommand(t, root, 2*time.Minute, steps, args...))

	records := awaitRecords(t, otelcol.process, pg, want)
	awaitWholeTraces(t, otelcol.process, j, wantSpans)

	for _, id := range idsOf(records) {
		r := records[id]
		t.Run(id, func(t *testing.T) {
			requireAnchorShowsRecord(t, j, r)
			requireTraceURLOpensTrace(t, j, r)
			requireTagSearchFindsTrace(t, j, r)
		})
	}
	t.Run("every step.id in Jaeger finds its row", func(t *testing.T) {
		requireEveryAnchorHasItsRow(t, j, pg, records)
	})
}

// runningCollector is otelcol-steps with the address agents send OTLP to.
type runningCollector struct {
	*process
	grpc string
}

// startCollectorForJaeger runs the collector as `JAEGER_ENDPOINT=... make
// run` does (startJaeger set JAEGER_ENDPOINT), on free ports, with
// postgresOverlay on top.
func startCollectorForJaeger(t *testing.T, root, collector, dir, table, traceURL string) runningCollector {
	t.Helper()
	overlay := filepath.Join(dir, "postgres.yaml")
	require.NoError(t, os.WriteFile(overlay, []byte(fmt.Sprintf(postgresOverlay, table, traceURL)), 0o600))
	grpcAddr, httpAddr, healthAddr := loopback(freePort(t)), loopback(freePort(t)), loopback(freePort(t))
	p := startProcessIn(t, root, "otelcol-steps", collector,
		"--config", "config.yaml", "--config", "config.jaeger.yaml", "--config", overlay,
		"--set", "receivers::otlp::protocols::grpc::endpoint="+grpcAddr,
		"--set", "receivers::otlp::protocols::http::endpoint="+httpAddr,
		"--set", "extensions::health_check::endpoint="+healthAddr,
		"--set", "exporters::prometheus::endpoint="+loopback(freePort(t)),
		// config.yaml's SQLite exporter is no longer in the pipeline; keep
		// its file out of the repository all the same.
		"--set", "exporters::step::sqlite::path="+filepath.Join(dir, "unused.db"),
		"--set", "processors::step::wait=1s",
		"--set", "service::telemetry::metrics::level=none")
	waitHealthy(t, p, "http://"+healthAddr+"/", healthyWithin)
	return runningCollector{process: p, grpc: grpcAddr}
}

// awaitRecords waits until PostgreSQL holds exactly the records steps
// convert gives, and returns them with the exporter's trace_url.
func awaitRecords(t *testing.T, otelcol *process, pg store.Reader, want map[string]record) map[string]record {
	t.Helper()
	ids := idsOf(want)
	var got map[string]record
	deadline := time.Now().Add(storedWithin)
	for {
		got = readRecords(t, pg, ids)
		if recordsEqual(want, got) || time.Now().After(deadline) {
			break
		}
		if otelcol.exited() {
			t.Fatalf("otelcol-steps exited while the records were awaited:\n%s", otelcol.output())
		}
		time.Sleep(500 * time.Millisecond)
	}
	require.Equal(t, want, withoutStoreFields(got), "PostgreSQL holds other records than steps convert gives")
	require.Equal(t, len(want), countRecords(t, pg), "PostgreSQL holds records that steps convert does not give")
	return got
}

// awaitWholeTraces waits until Jaeger holds every span of every replayed
// trace: the traces pipeline runs beside the steps pipeline, not after it.
func awaitWholeTraces(t *testing.T, otelcol *process, j jaeger, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	deadline := time.Now().Add(storedWithin)
	for {
		for traceID, n := range want {
			if got[traceID] == n {
				continue
			}
			td, _ := j.trace(t, traceID)
			got[traceID] = td.SpanCount()
		}
		if equalCounts(want, got) || time.Now().After(deadline) {
			break
		}
		if otelcol.exited() {
			t.Fatalf("otelcol-steps exited while the traces were awaited:\n%s", otelcol.output())
		}
		time.Sleep(500 * time.Millisecond)
	}
	require.Equal(t, want, got, "spans per trace in Jaeger: every replayed span goes on, none twice")
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
