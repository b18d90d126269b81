package stepexporter

import (
	"bufio"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/stepexporter/sqlitestore"
	"github.com/agentsteps/collector/stepprocessor"
)

// trafficBatchSpans is the batch processor's default send_batch_size: the
// size of the batches the exporter gets in bench/e2e's step pipeline.
const trafficBatchSpans = 8192

// BenchmarkExportTraffic measures the exporter on the ai10 workload of
// bench/e2e (mixed traffic, 10 % of spans from AI fixture requests, made by
// stepprocessor/internal/traffic/gentraffic and annotated by the
// processor), cut into batches of trafficBatchSpans spans. Every round
// gets fresh trace ids, so its steps are new rows, as `steps replay
// --repeat` sends them (Letta steps keep their ids and merge). Rows, per
// span, in one run:
//   - floor_read: visit every span and look up step.id, the least a
//     consumer of the step.* contract does;
//   - collect: read the patches and merge them into records (no store);
//   - export: ConsumeTraces into SQLite, the whole exporter, with the
//     default config;
//   - export_cache0: the same with page_cache_mib: 0 (SQLite's 2 MiB).
//
// Run: go test ./stepexporter -run '^$' -bench ExportTraffic -benchtime 5x -count 3
func BenchmarkExportTraffic(b *testing.B) {
	raw := trafficRequests(b)
	spans := 0
	for _, td := range raw {
		spans += td.SpanCount()
	}
	// round returns the batches of one round: the workload with fresh
	// trace ids, annotated as the processor releases it.
	round := func(n uint64) []ptrace.Traces {
		var out []ptrace.Traces
		cur := ptrace.NewTraces()
		for _, td := range raw {
			c := ptrace.NewTraces()
			td.CopyTo(c)
			freshTraceIDs(c, n)
			stepprocessor.Annotate(nil, c)
			c.ResourceSpans().MoveAndAppendTo(cur.ResourceSpans())
			if cur.SpanCount() >= trafficBatchSpans {
				out, cur = append(out, cur), ptrace.NewTraces()
			}
		}
		return append(out, cur)
	}
	perSpan := func(b *testing.B, fn func(td ptrace.Traces)) {
		n := uint64(0)
		var cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			n++
			batches := round(n)
			runtime.GC() // the setup's garbage is not the row's
			start := processCPU()
			b.StartTimer()
			for _, td := range batches {
				fn(td)
			}
			cpu += processCPU() - start
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*spans), "ns/span")
		// CPU time is what bench/e2e compares, and other work on a
		// shared machine moves it less than wall time.
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*spans), "cpu-ns/span")
	}
	b.Run("floor_read", func(b *testing.B) {
		perSpan(b, func(td ptrace.Traces) {
			eachSpan(td, func(sp ptrace.Span) { _, _ = sp.Attributes().Get("step.id") })
		})
	})
	b.Run("collect", func(b *testing.B) {
		e, err := newStepExporter(nopSettings(), createDefaultConfig().(*Config))
		require.NoError(b, err)
		perSpan(b, func(td ptrace.Traces) { _, _ = e.collect(td) })
	})
	// export_cache0 is export with SQLite's own 2 MiB page cache, as
	// before page_cache_mib: the same run gives what the cache buys.
	for _, row := range []struct {
		name  string
		cache int
	}{{"export_cache0", 0}, {"export", sqlitestore.NewDefaultConfig().PageCacheMiB}} {
		b.Run(row.name, func(b *testing.B) {
			cfg, _ := sqliteConfig(b)
			sq := cfg.SQLite.Get()
			sq.PageCacheMiB = row.cache
			exp := startExporter(b, cfg, nopSettings(), nil)
			b.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
			perSpan(b, func(td ptrace.Traces) { require.NoError(b, exp.ConsumeTraces(context.Background(), td)) })
		})
	}
}

// trafficRequests runs gentraffic as bench/e2e/run.sh does and reads its
// requests back.
func trafficRequests(tb testing.TB) []ptrace.Traces {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "ai10.otlp.jsonl")
	fixtures, err := filepath.Glob(filepath.Join("..", "testdata", "*", "*.otlp.json"))
	require.NoError(tb, err)
	require.NotEmpty(tb, fixtures)
	args := append([]string{"run", "./stepprocessor/internal/traffic/gentraffic", "-ai", "10", "-spans", "20000", "-o", out}, trimDotDot(fixtures)...)
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	msg, err := cmd.CombinedOutput()
	require.NoError(tb, err, "gentraffic: %s", msg)
	f, err := os.Open(out)
	require.NoError(tb, err)
	defer f.Close()
	var reqs []ptrace.Traces
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	var u ptrace.JSONUnmarshaler
	for sc.Scan() {
		td, err := u.UnmarshalTraces(sc.Bytes())
		require.NoError(tb, err)
		reqs = append(reqs, td)
	}
	require.NoError(tb, sc.Err())
	return reqs
}

func trimDotDot(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i], _ = filepath.Rel("..", p)
	}
	return out
}

// freshTraceIDs makes round n's copy of a request a trace of its own, as
// gentraffic does for each copy of a fixture.
func freshTraceIDs(td ptrace.Traces, n uint64) {
	eachSpan(td, func(sp ptrace.Span) {
		id := sp.TraceID()
		binary.BigEndian.PutUint64(id[8:], binary.BigEndian.Uint64(id[8:])^n*0x9e3779b97f4a7c15)
		sp.SetTraceID(id)
	})
}

func eachSpan(td ptrace.Traces, fn func(ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(spans.At(k))
			}
		}
	}
}

// processCPU is the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
