package stepmetricsconnector

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// sums is what the records of a set of steps add up to.
type sums struct {
	tokens   map[string]float64 // by gen_ai.token.type
	byStatus map[string]float64
	finished float64 // steps with a final status
}

func recordSums(records []step.Step) sums {
	s := sums{tokens: map[string]float64{}, byStatus: map[string]float64{}}
	add := func(typ string, p *int64) {
		if p != nil {
			s.tokens[typ] += float64(*p)
		}
	}
	for _, r := range records {
		add(tokenInput, r.PromptTokens)
		add(tokenOutput, r.CompletionTokens)
		add(tokenCacheRead, r.CachedInputTokens)
		add(tokenCacheWrite, r.CacheWriteTokens)
		add(tokenReasoning, r.ReasoningTokens)
		if terminal(r.Status) {
			s.byStatus[string(r.Status)]++
			s.finished++
		}
	}
	return s
}

func requireSums(t *testing.T, want sums, pts []point) {
	t.Helper()
	for _, typ := range []string{tokenInput, tokenOutput, tokenCacheRead, tokenCacheWrite, tokenReasoning} {
		require.Equal(t, want.tokens[typ], total(pts, metricStepTokens, map[string]any{attrTokenType: typ}), "%s tokens", typ)
	}
	for _, typ := range []string{tokenInput, tokenOutput} {
		require.Equal(t, want.tokens[typ], total(pts, metricTokenUsage, map[string]any{attrTokenType: typ}),
			"%s: sum of %s", metricTokenUsage, typ)
	}
	for _, st := range []string{"success", "failed", "cancelled", "pending"} {
		require.Equal(t, want.byStatus[st], total(pts, metricStepCount, map[string]any{attrStatus: st}), "steps %s", st)
	}
}

// TestCountsEachStepOnceWhenItsPartsArriveInSeveralBatches replays every
// fixture through a real step processor, each batch released before the
// next, so that a step split across batches (Letta's pending insert and
// later update, late ancestors) reaches the connector as an anchor plus
// step.patches on later spans. Token sums and step counts must equal what
// the fixture's expected records hold: each step counted once.
func TestCountsEachStepOnceWhenItsPartsArriveInSeveralBatches(t *testing.T) {
	c, sink, _ := newTestConnector(t, nil)
	ctx := context.Background()
	var all []step.Step
	patched := 0
	for _, fx := range fixtures(t) {
		want := expectedRecords(t, fx)
		all = append(all, want...)
		one, oneSink, _ := newTestConnector(t, nil)
		for _, td := range annotateSplit(t, fx) {
			patched += countPatches(td)
			require.NoError(t, c.ConsumeTraces(ctx, td))
			require.NoError(t, one.ConsumeTraces(ctx, td))
		}
		one.flush(ctx)
		t.Run(filepath.Base(filepath.Dir(fx))+"/"+filepath.Base(fx), func(t *testing.T) {
			requireSums(t, recordSums(want), points(oneSink, false))
		})
	}
	require.Positive(t, patched, "no fixture reached the connector as step.patches; the split case was not exercised")
	c.flush(ctx)
	requireSums(t, recordSums(all), points(sink, false))
	t.Logf("%d records from %d fixtures, %d patches on later spans, counted once", len(all), len(fixtures(t)), patched)
}

// TestLettaStepSplitAcrossBatchesIsCountedOnce holds the Letta split case
// on its own: the step's tokens and its one success are counted once,
// though its parts reach the connector in several batches.
func TestLettaStepSplitAcrossBatchesIsCountedOnce(t *testing.T) {
	fx := filepath.Join("..", "testdata", "letta", "step_split_across_batches.otlp.json")
	batches := annotateSplit(t, fx)
	require.Greater(t, len(batches), 1, "the fixture must reach the connector in several batches")
	c, sink, _ := newTestConnector(t, nil)
	ctx := context.Background()
	for _, td := range batches {
		require.NoError(t, c.ConsumeTraces(ctx, td))
	}
	c.flush(ctx)
	want := recordSums(expectedRecords(t, fx))
	requireSums(t, want, points(sink, false))
	require.Equal(t, want.finished, total(points(sink, false), metricStepCount, nil))
}

func countPatches(td ptrace.Traces) int {
	n := 0
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				if v, ok := spans.At(k).Attributes().Get(step.PatchesKey); ok {
					n += v.Slice().Len()
				}
			}
		}
	}
	return n
}

// replayAll annotates every fixture as one window per fixture (the
// collector's usual path) and returns the annotated batches.
func replayAll(t testing.TB) ([]ptrace.Traces, []step.Step) {
	var out []ptrace.Traces
	var records []step.Step
	for _, fx := range fixtures(t) {
		out = append(out, annotateSplit(t, fx)...)
		records = append(records, expectedRecords(t, fx)...)
	}
	return out, records
}

// TestRedeliveryWithinStepMemoryCountsOnce sends every annotated batch
// twice, as a retried export would, while the steps are remembered: the
// second delivery adds nothing.
func TestRedeliveryWithinStepMemoryCountsOnce(t *testing.T) {
	batches, records := replayAll(t)
	c, sink, clock := newTestConnector(t, nil)
	ctx := context.Background()
	for range 2 {
		for _, td := range batches {
			require.NoError(t, c.ConsumeTraces(ctx, td))
		}
		clock.advance(time.Minute)
	}
	c.flush(ctx)
	want := recordSums(records)
	requireSums(t, want, points(sink, false))
	t.Logf("redelivered within step_memory::ttl: input tokens %v (once: %v), steps %v (once: %v)",
		total(points(sink, false), metricStepTokens, map[string]any{attrTokenType: tokenInput}), want.tokens[tokenInput],
		total(points(sink, false), metricStepCount, nil), want.finished)
}

// TestRedeliveryAfterStepMemoryCountsTwice is the limit: a delivery that
// comes after the step was forgotten (step_memory::ttl passed, or
// max_steps newer steps came between, or the collector restarted) is
// counted again, as with any collector metric.
func TestRedeliveryAfterStepMemoryCountsTwice(t *testing.T) {
	batches, records := replayAll(t)
	c, sink, clock := newTestConnector(t, nil)
	ctx := context.Background()
	for _, td := range batches {
		require.NoError(t, c.ConsumeTraces(ctx, td))
	}
	c.flush(ctx)
	clock.advance(c.cfg.StepMemory.TTL + time.Second)
	c.flush(ctx) // forgets the steps past the ttl
	require.Zero(t, c.memory.Len())
	for _, td := range batches {
		require.NoError(t, c.ConsumeTraces(ctx, td))
	}
	c.flush(ctx)
	once := recordSums(records)
	twice := sums{tokens: map[string]float64{}, byStatus: map[string]float64{}}
	for k, v := range once.tokens {
		twice.tokens[k] = 2 * v
	}
	for k, v := range once.byStatus {
		twice.byStatus[k] = 2 * v
	}
	requireSums(t, twice, points(sink, false))
	t.Logf("redelivered after step_memory::ttl: input tokens %v (once: %v), steps %v (once: %v)",
		total(points(sink, false), metricStepTokens, map[string]any{attrTokenType: tokenInput}), once.tokens[tokenInput],
		total(points(sink, false), metricStepCount, nil), once.finished)
}

// TestReadsWhatStepCollectReads: the connector's single walk over each
// span gives, for every step, the record that step.Collect (the
// exporter's reading) merges, in every field the metrics use.
func TestReadsWhatStepCollectReads(t *testing.T) {
	c, _, _ := newTestConnector(t, nil)
	records := map[string]*step.Step{}
	for _, fx := range fixtures(t) {
		for _, td := range annotateSplit(t, fx) {
			require.Empty(t, step.Collect(td, records))
			consume(t, c, td)
		}
	}
	require.Equal(t, len(records), c.memory.Len())
	project := func(r *step.Step) step.Step {
		return step.Step{
			ID: r.ID, ProviderName: r.ProviderName, Model: r.Model, AgentID: r.AgentID, ServiceName: r.ServiceName,
			FinishReason: r.FinishReason, ErrorType: r.ErrorType, Status: r.Status, StartTime: r.StartTime, EndTime: r.EndTime,
			PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens, CachedInputTokens: r.CachedInputTokens,
			CacheWriteTokens: r.CacheWriteTokens, ReasoningTokens: r.ReasoningTokens, TraceID: r.TraceID, SpanID: r.SpanID,
		}
	}
	for id, want := range records {
		st, ok := c.memory.Peek(id)
		require.True(t, ok, id)
		got := st.rec.step()
		got.ID = id
		require.Equal(t, project(want), project(&got), id)
	}
}
