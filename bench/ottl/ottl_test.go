package ottl

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepprocessor"
)

// benchSpans is the least number of spans in the batch, as in
// stepprocessor's BenchmarkProcessor.
const benchSpans = 10000

// BenchmarkOTTL runs, on the mixed batch of every fixture decoded from
// protobuf, the OTTL engine that transformprocessor runs, with the two ways
// a user would copy the convention keys onto step.* keys, next to the two
// floors and the step processor (stateless) measured in the same run.
// Run (from bench/): go test ./ottl -run '^$' -bench BenchmarkOTTL -benchtime 20x -count 5
func BenchmarkOTTL(b *testing.B) {
	payload, spans := mixedBatch(b)
	ctx := context.Background()

	b.Run("floor_read", func(b *testing.B) {
		perSpan(b, payload, spans, readAll)
	})
	b.Run("floor_read_write", func(b *testing.B) {
		anchors := anchorRecords(b, payload)
		perSpan(b, payload, spans, func(td ptrace.Traces) {
			readAll(td)
			eachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
				// A pointer from the map: a copied record would escape to
				// the heap for every span visited (issue 16).
				if r := anchors[spanKey{sp.TraceID(), sp.SpanID()}]; r != nil {
					step.Write(sp.Attributes(), r)
				}
			})
		})
	})
	b.Run("stateless", func(b *testing.B) {
		f := stepprocessor.NewFactory()
		cfg := f.CreateDefaultConfig().(*stepprocessor.Config)
		cfg.Wait = 0
		p, err := f.CreateTraces(ctx, processortest.NewNopSettings(f.Type()), cfg, consumertest.NewNop())
		require.NoError(b, err)
		perSpan(b, payload, spans, func(td ptrace.Traces) { _ = p.ConsumeTraces(ctx, td) })
	})
	for _, v := range []struct {
		name       string
		statements []string
	}{{"ottl_where_chain", whereChain()}, {"ottl_coalesce", coalesce()}} {
		b.Run(v.name, func(b *testing.B) {
			seq := newSequence(b, v.statements)
			perSpan(b, payload, spans, func(td ptrace.Traces) { runSequence(ctx, &seq, td) })
		})
	}
}

// TestVariantsCopyTheSameKeys checks that the baseline does its job: both
// variants write the same step.* values, and they write some.
func TestVariantsCopyTheSameKeys(t *testing.T) {
	payload, _ := mixedBatch(t)
	ctx := context.Background()
	out := map[string]map[string]string{}
	for name, st := range map[string][]string{"where": whereChain(), "coalesce": coalesce()} {
		td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(payload)
		require.NoError(t, err)
		seq := newSequence(t, st)
		runSequence(ctx, &seq, td)
		got := map[string]string{}
		n := 0
		eachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
			n++
			sp.Attributes().Range(func(k string, v pcommon.Value) bool {
				if len(k) > 5 && k[:5] == "step." {
					got[string(rune(n))+k] = v.AsString()
				}
				return true
			})
		})
		out[name] = got
	}
	require.NotEmpty(t, out["where"])
	require.Equal(t, out["where"], out["coalesce"])
}

func newSequence(tb testing.TB, statements []string) ottl.StatementSequence[*ottlspan.TransformContext] {
	tb.Helper()
	set := componenttest.NewNopTelemetrySettings()
	parser, err := ottlspan.NewParser(ottlfuncs.StandardFuncs[*ottlspan.TransformContext](), set)
	require.NoError(tb, err)
	parsed, err := parser.ParseStatements(statements)
	require.NoError(tb, err)
	// transformprocessor's default error mode.
	return ottlspan.NewStatementSequence(parsed, set, ottlspan.WithStatementSequenceErrorMode(ottl.PropagateError))
}

// runSequence executes the statements on every span, as transformprocessor
// does for a span-context statement group.
func runSequence(ctx context.Context, seq *ottl.StatementSequence[*ottlspan.TransformContext], td ptrace.Traces) {
	eachSpan(td, func(rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, sp ptrace.Span) {
		tCtx := ottlspan.NewTransformContext(rs, ss, sp)
		if err := seq.Execute(ctx, tCtx); err != nil {
			panic(err)
		}
		tCtx.Close()
	})
}

var sink int

type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// anchorRecords is the record the processor writes on each anchor span of
// the batch, for the floor with writes: the same step.* writes, no work to
// find them.
func anchorRecords(tb testing.TB, payload []byte) map[spanKey]*step.Step {
	ref, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(payload)
	require.NoError(tb, err)
	stepprocessor.Annotate(nil, ref)
	out := map[spanKey]*step.Step{}
	eachSpan(ref, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
		if _, ok := sp.Attributes().Get("step.id"); !ok {
			return
		}
		if ps, _ := step.Read(sp.Attributes()); len(ps) > 0 {
			out[spanKey{sp.TraceID(), sp.SpanID()}] = &ps[0]
		}
	})
	return out
}

func readAll(td ptrace.Traces) {
	eachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
		sp.Attributes().Range(func(k string, v pcommon.Value) bool {
			sink += len(k) + int(v.Type())
			return true
		})
	})
}

func eachSpan(td ptrace.Traces, fn func(ptrace.ResourceSpans, ptrace.ScopeSpans, ptrace.Span)) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(rs, ss, spans.At(k))
			}
		}
	}
}

// perSpan is stepprocessor's: body runs on a fresh decode of payload, the
// decode untimed, and time, bytes and allocations are reported per span.
func perSpan(b *testing.B, payload []byte, spans int, body func(td ptrace.Traces)) {
	var u ptrace.ProtoUnmarshaler
	var bytes, allocs uint64
	var m0, m1 runtime.MemStats
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		td, err := u.UnmarshalTraces(payload)
		require.NoError(b, err)
		runtime.ReadMemStats(&m0)
		b.StartTimer()
		body(td)
		b.StopTimer()
		runtime.ReadMemStats(&m1)
		bytes += m1.TotalAlloc - m0.TotalAlloc
		allocs += m1.Mallocs - m0.Mallocs
		b.StartTimer()
	}
	n := float64(b.N) * float64(spans)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/span")
	b.ReportMetric(float64(bytes)/n, "B/span")
	b.ReportMetric(float64(allocs)/n, "allocs/span")
}

// mixedBatch is stepprocessor's batch: every fixture of every convention,
// copied with fresh trace ids until there are benchSpans spans, as protobuf.
func mixedBatch(tb testing.TB) (payload []byte, spans int) {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "*.otlp.json"))
	require.NoError(tb, err)
	require.NotEmpty(tb, paths)
	var templates []ptrace.Traces
	for _, p := range paths {
		templates = append(templates, readFixture(tb, p)...)
	}
	all := ptrace.NewTraces()
	for copyN := uint64(0); all.SpanCount() < benchSpans; copyN++ {
		for _, tpl := range templates {
			c := ptrace.NewTraces()
			tpl.CopyTo(c)
			eachSpan(c, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
				id := sp.TraceID()
				binary.BigEndian.PutUint64(id[8:], binary.BigEndian.Uint64(id[8:])^(copyN+1)*0x9e3779b97f4a7c15)
				sp.SetTraceID(id)
			})
			c.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
		}
	}
	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(all)
	require.NoError(tb, err)
	return b, all.SpanCount()
}

// readFixture reads an OTLP/JSON file: one request, or one per line.
func readFixture(tb testing.TB, path string) []ptrace.Traces {
	data, err := os.ReadFile(path)
	require.NoError(tb, err)
	var u ptrace.JSONUnmarshaler
	data = bytes.TrimSpace(data)
	lines := [][]byte{data}
	if !json.Valid(data) {
		lines = bytes.Split(data, []byte("\n"))
	}
	var out []ptrace.Traces
	for _, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		td, err := u.UnmarshalTraces(line)
		require.NoError(tb, err, path)
		out = append(out, td)
	}
	return out
}
