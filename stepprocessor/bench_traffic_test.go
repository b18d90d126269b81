package stepprocessor

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/stepprocessor/internal/traffic"
)

// trafficShares are the AI shares of BenchmarkTraffic, in percent of spans.
var trafficShares = []int{100, 10, 1, 0}

// trafficBatch builds the payload of one batch of at least benchSpans spans
// of mixed traffic (package traffic) with ai percent of them from whole AI
// fixture requests, each copy with fresh trace ids.
func trafficBatch(tb testing.TB, ai int) (payload []byte, spans int) {
	tb.Helper()
	var tpl []ptrace.Traces
	for _, p := range fixturePaths(tb) {
		tpl = append(tpl, readFixture(tb, p)...)
	}
	reqs, err := traffic.Generate(traffic.Options{AIPercent: ai, Spans: benchSpans, Fixtures: tpl, Seed: 1})
	require.NoError(tb, err)
	all := ptrace.NewTraces()
	for _, td := range reqs {
		td.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(all)
	require.NoError(tb, err)
	return b, all.SpanCount()
}

// BenchmarkTraffic measures the processor on the traffic a collector
// carries: ordinary HTTP, database and messaging spans under eight
// services with 26 resource attributes each, and AI fixture requests at
// 100, 10, 1 and 0 % of the spans. Each share has the same four rows as
// BenchmarkProcessor, measured in the same run.
// Run: go test ./stepprocessor -run '^$' -bench BenchmarkTraffic -benchtime 20x -count 5
func BenchmarkTraffic(b *testing.B) {
	for _, ai := range trafficShares {
		payload, spans := trafficBatch(b, ai)
		b.Run(fmt.Sprintf("ai=%d", ai), func(b *testing.B) { benchRows(b, payload, spans) })
	}
}

// TestTrafficShares holds the workload to what the benchmark says it is:
// the AI share of spans within a point of the asked one, traces of 5 to
// 30 spans, and 26 attributes on every ordinary resource.
func TestTrafficShares(t *testing.T) {
	var tpl []ptrace.Traces
	for _, p := range fixturePaths(t) {
		tpl = append(tpl, readFixture(t, p)...)
	}
	for _, ai := range trafficShares {
		reqs, err := traffic.Generate(traffic.Options{AIPercent: ai, Spans: benchSpans, Fixtures: tpl, Seed: 1})
		require.NoError(t, err)
		total, plain := 0, 0
		perTrace := map[[16]byte]int{}
		for _, td := range reqs {
			rss := td.ResourceSpans()
			for i := 0; i < rss.Len(); i++ {
				rs := rss.At(i)
				n := 0
				for j := 0; j < rs.ScopeSpans().Len(); j++ {
					n += rs.ScopeSpans().At(j).Spans().Len()
				}
				total += n
				if rs.Resource().Attributes().Len() == 26 {
					plain += n
					eachSpan(td, func(sp ptrace.Span) { perTrace[sp.TraceID()]++ })
				}
			}
		}
		require.GreaterOrEqual(t, total, benchSpans)
		require.InDelta(t, float64(ai), 100*float64(total-plain)/float64(total), 1, "AI share at %d%%", ai)
		for id, n := range perTrace {
			require.True(t, n >= 5 && n <= 30, "trace %x has %d spans", id, n)
		}
	}
}

// fixturePaths lists every testdata/**.otlp.json of the repository.
func fixturePaths(t testing.TB) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(filepath.Join("..", "testdata"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".otlp.json") {
			paths = append(paths, p)
		}
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	return paths
}
