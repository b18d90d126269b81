//go:build e2e && jaeger && unix

package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
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
      exporters: [step/postgres, otlp_grpc/jaeger]
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
		// config.yaml's SQLite exporter is no longer in the pipeline; keep
		// its file out of the repository all the same.
		"--set", "exporters::step::sqlite::path="+filepath.Join(dir, "unused.db"),
		"--set", "processors::step::wait=1s",
		"--set", "service::telemetry::metrics::level=none")
	waitHealthy(t, p, "http://"+healthAddr+"/", 60*time.Second)
	return runningCollector{process: p, grpc: grpcAddr}
}

// awaitRecords waits until PostgreSQL holds exactly the records steps
// convert gives, and returns them with the exporter's trace_url.
func awaitRecords(t *testing.T, otelcol *process, pg store.Reader, want map[string]record) map[string]record {
	t.Helper()
	ids := idsOf(want)
	var got map[string]record
	deadline := time.Now().Add(60 * time.Second)
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
	deadline := time.Now().Add(60 * time.Second)
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

// requireAnchorShowsRecord: the record's trace is in Jaeger, exactly one
// span of it is tagged with the record's step.id, and the record's model,
// token counts and status are on that span as step.* tags (or, for a part
// that arrived after the anchor went on, in a step.patches entry for the
// step in the same trace).
func requireAnchorShowsRecord(t *testing.T, j jaeger, r record) {
	id, traceID := r["id"].(string), r["trace_id"].(string)
	require.Regexp(t, `^[0-9a-f]{32}$`, traceID, "the record's trace_id")
	td, found := j.trace(t, traceID)
	require.True(t, found, "Jaeger has no trace %s for step %s", traceID, id)
	anchors := anchorsByStepID(td)[id]
	require.Len(t, anchors, 1, "spans of trace %s tagged step.id=%s", traceID, id)
	a := anchors[0]
	patches := patchesFor(td, id)
	for _, f := range stepTagFields {
		shown := shownValues(a, patches, f)
		recorded, inRecord := r[f]
		switch {
		case !inRecord:
			require.Empty(t, shown, "span %s shows step.%s, the record has none", a.spanID, f)
		case f == "total_tokens" && len(shown) == 0:
			// The processor writes only what the source recorded; the
			// exporter fills an unrecorded total with prompt + completion
			// (step.Finalize), both of which the span shows.
			require.Equal(t, r["prompt_tokens"].(float64)+r["completion_tokens"].(float64), recorded,
				"total_tokens of a step whose span records none")
		default:
			require.Contains(t, shown, recorded,
				"step.%s on span %s of trace %s or in a step.patches entry for the step", f, a.spanID, traceID)
		}
	}
}

// shownValues lists what Jaeger shows for field f of the anchor's step: the
// anchor's step.<f> tag, then each step.patches entry's f. Integers become
// float64, as in a JSON record, and nothing else is converted, so a count
// that reached Jaeger as a string does not match.
func shownValues(a anchor, patches []map[string]any, f string) []any {
	var out []any
	if v, ok := a.attrs.Get("step." + f); ok {
		out = append(out, asJSON(v.AsRaw()))
	}
	for _, p := range patches {
		if v, ok := p[f]; ok {
			out = append(out, asJSON(v))
		}
	}
	return out
}

func asJSON(v any) any {
	if n, ok := v.(int64); ok {
		return float64(n)
	}
	return v
}

// requireTraceURLOpensTrace: trace_url is the exporter's template filled
// with the trace id, the Jaeger UI serves that page, and the API call the
// UI makes for it (/api/traces/<id from the URL>) returns the trace with
// the step's anchor.
func requireTraceURLOpensTrace(t *testing.T, j jaeger, r record) {
	id, traceID := r["id"].(string), r["trace_id"].(string)
	traceURL, _ := r["trace_url"].(string)
	require.Equal(t, j.ui+"/trace/"+traceID, traceURL, "trace_url")
	status, body := get(t, traceURL)
	require.Equal(t, http.StatusOK, status, "GET %s", traceURL)
	require.Contains(t, strings.ToLower(string(body)), "<html", "GET %s is not the Jaeger UI", traceURL)

	u, err := url.Parse(traceURL)
	require.NoError(t, err)
	traces := j.v1Traces(t, "/api/traces/"+path.Base(u.Path))
	require.Len(t, traces, 1, "the trace behind %s", traceURL)
	require.Equal(t, traceID, traces[0].TraceID, "the trace behind %s", traceURL)
	require.Len(t, traces[0].spanIDsTagged("step.id", id), 1, "spans tagged step.id=%s in the trace behind %s", id, traceURL)
}

// requireTagSearchFindsTrace: searching Jaeger for step.id=<id> in the
// record's service and time finds its trace and no other.
func requireTagSearchFindsTrace(t *testing.T, j jaeger, r record) {
	id, traceID, service := r["id"].(string), r["trace_id"].(string), r["service_name"].(string)
	require.NotEmpty(t, service, "the record has no service_name to search Jaeger with")
	start, err := time.Parse(time.RFC3339Nano, r["start_time"].(string))
	require.NoError(t, err, "start_time")
	found := j.searchByTag(t, service, "step.id", id, start.Add(-time.Hour), start.Add(time.Hour))
	var ids []string
	for _, tr := range found {
		ids = append(ids, tr.TraceID)
	}
	require.Equal(t, []string{traceID}, ids, "traces found by service=%s step.id=%s", service, id)
}

// requireEveryAnchorHasItsRow goes the other way: every span tagged step.id
// in Jaeger, in any trace of any service, names a row of the table, and
// the row's trace_id is that span's trace.
func requireEveryAnchorHasItsRow(t *testing.T, j jaeger, pg store.Reader, records map[string]record) {
	// Fixtures are dated; search from long before them to now.
	all := j.tracesBetween(t, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Now().Add(time.Hour))
	require.Positive(t, all.SpanCount(), "Jaeger holds no span")
	anchors := anchorsByStepID(all)
	require.Len(t, anchors, len(records), "step ids tagged in Jaeger against rows in PostgreSQL")
	for id, as := range anchors {
		require.Len(t, as, 1, "spans tagged step.id=%s in Jaeger", id)
		rows := readRecords(t, pg, []string{id})
		require.Contains(t, rows, id, "span %s of trace %s is tagged step.id=%s, PostgreSQL has no such row", as[0].spanID, as[0].traceID, id)
		require.Equal(t, as[0].traceID, rows[id]["trace_id"], "trace_id of row %s", id)
	}
	t.Logf("%d step.id tags in Jaeger, each with its row in PostgreSQL", len(anchors))
}
