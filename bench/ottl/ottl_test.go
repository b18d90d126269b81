package ottl

import (
	"context"
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

	"github.com/agentsteps/collector/bench/internal/spanbatch"
	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepprocessor"
)

// root is the repository, whose testdata make the mixed batch.
const root = "../.."

// BenchmarkOTTL runs, on the mixed batch of every fixture decoded from
// protobuf, the OTTL engine that transformprocessor runs, with the two ways
// a user would copy the convention keys onto step.* keys, next to the two
// floors and the step processor (stateless) measured in the same run.
// Run (from bench/): go test ./ottl -run '^$' -bench BenchmarkOTTL -benchtime 20x -count 5
func BenchmarkOTTL(b *testing.B) {
	payload, spans := spanbatch.Mixed(b, root)
	ctx := context.Background()

	b.Run("floor_read", func(b *testing.B) {
		spanbatch.PerSpan(b, payload, spans, nil, spanbatch.ReadAll)
	})
	b.Run("floor_read_write", func(b *testing.B) {
		anchors := anchorRecords(b, payload)
		spanbatch.PerSpan(b, payload, spans, nil, func(td ptrace.Traces) {
			spanbatch.ReadAll(td)
			spanbatch.EachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
				// A pointer from the map: a copied record would escape to
				// the heap for every span visited (issue 16).
				if r := anchors[spanKey{sp.TraceID(), sp.SpanID()}]; r != nil {
					step.WriteNew(sp.Attributes(), r)
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
		spanbatch.PerSpan(b, payload, spans, nil, func(td ptrace.Traces) { _ = p.ConsumeTraces(ctx, td) })
	})
	for _, v := range []struct {
		name       string
		statements []string
	}{{"ottl_where_chain", whereChain()}, {"ottl_coalesce", coalesce()}} {
		b.Run(v.name, func(b *testing.B) {
			seq := newSequence(b, v.statements)
			spanbatch.PerSpan(b, payload, spans, nil, func(td ptrace.Traces) { runSequence(ctx, &seq, td) })
		})
	}
}

// TestVariantsCopyTheSameKeys checks that the baseline does its job: both
// variants write the same step.* values, and they write some.
func TestVariantsCopyTheSameKeys(t *testing.T) {
	payload, _ := spanbatch.Mixed(t, root)
	ctx := context.Background()
	out := map[string]map[string]string{}
	for name, st := range map[string][]string{"where": whereChain(), "coalesce": coalesce()} {
		td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(payload)
		require.NoError(t, err)
		seq := newSequence(t, st)
		runSequence(ctx, &seq, td)
		got := map[string]string{}
		n := 0
		spanbatch.EachSpan(td, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
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
	spanbatch.EachSpan(td, func(rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, sp ptrace.Span) {
		tCtx := ottlspan.NewTransformContext(rs, ss, sp)
		if err := seq.Execute(ctx, tCtx); err != nil {
			panic(err)
		}
		tCtx.Close()
	})
}

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
	spanbatch.EachSpan(ref, func(_ ptrace.ResourceSpans, _ ptrace.ScopeSpans, sp ptrace.Span) {
		if _, ok := sp.Attributes().Get("step.id"); !ok {
			return
		}
		if ps, _ := step.Read(sp.Attributes()); len(ps) > 0 {
			out[spanKey{sp.TraceID(), sp.SpanID()}] = &ps[0]
		}
	})
	return out
}
