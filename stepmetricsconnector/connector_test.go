package stepmetricsconnector

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepmetricsconnector/internal/metadata"
)

func okStep(id string) *step.Step {
	return &step.Step{
		ID: id, ProviderName: "openai", Model: "gpt-4o", AgentID: "agent-1", ServiceName: "svc",
		PromptTokens: step.Int(100), CompletionTokens: step.Int(20), Status: step.StatusSuccess,
		FinishReason: "stop", StartTime: step.Time(1e9), EndTime: step.Time(3e9),
		RunID: "run-1", TraceID: "0102030405060708090a0b0c0d0e0f10", SpanID: "0102030405060708",
	}
}

func consume(t *testing.T, c *stepMetrics, td ptrace.Traces) {
	t.Helper()
	require.NoError(t, c.ConsumeTraces(context.Background(), td))
}

// TestPartsThatOverlapAreCountedOnce: an anchor, then a late patch that
// repeats its tokens and adds output, then one that raises input. The sums
// follow the merged record (the largest count), not the number of parts.
func TestPartsThatOverlapAreCountedOnce(t *testing.T) {
	c, sink, _ := newTestConnector(t, nil)
	td := ptrace.NewTraces()
	first := &step.Step{ID: "step-a", ProviderName: "openai", Model: "gpt-4o", PromptTokens: step.Int(100), Status: step.StatusPending}
	anchorSpan(td, first, 1, 1)
	consume(t, c, td)

	td = ptrace.NewTraces()
	late := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	step.AppendPatch(late.Attributes(), &step.Step{ID: "step-a", PromptTokens: step.Int(100), CompletionTokens: step.Int(20), Status: step.StatusSuccess})
	step.AppendPatch(late.Attributes(), &step.Step{ID: "step-a", PromptTokens: step.Int(120)})
	consume(t, c, td)
	c.flush(context.Background())

	pts := points(sink, false)
	require.Equal(t, 120.0, total(pts, metricStepTokens, map[string]any{attrTokenType: tokenInput}))
	require.Equal(t, 20.0, total(pts, metricStepTokens, map[string]any{attrTokenType: tokenOutput}))
	require.Equal(t, 1.0, total(pts, metricStepCount, nil))
	// The late parts carry no model: their increase still goes to the
	// step's series, known from the anchor.
	require.Equal(t, 120.0, total(pts, metricStepTokens, map[string]any{attrTokenType: tokenInput, attrResponseModel: "gpt-4o"}))
}

// TestCostFromAnchorAndPatchIsCountedOnce reads step.cost_usd on the anchor
// and cost_usd in a step.patches entry, keeping the largest.
func TestCostFromAnchorAndPatchIsCountedOnce(t *testing.T) {
	c, sink, _ := newTestConnector(t, nil)
	td := ptrace.NewTraces()
	sp := anchorSpan(td, okStep("step-c"), 1, 1)
	sp.Attributes().PutDouble(costUSDKey, 0.25)
	consume(t, c, td)
	consume(t, c, td) // redelivered: no change
	td = ptrace.NewTraces()
	late := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	step.AppendPatch(late.Attributes(), &step.Step{ID: "step-c", ReasoningTokens: step.Int(7)})
	late.Attributes().PutEmptySlice("ignored") // unrelated keys are left alone
	v, _ := late.Attributes().Get(step.PatchesKey)
	v.Slice().At(0).Map().PutDouble(costUSDName, 0.5)
	consume(t, c, td)
	c.flush(context.Background())
	pts := points(sink, false)
	require.InDelta(t, 0.5, total(pts, metricStepCost, nil), 1e-12)
	require.Equal(t, 7.0, total(pts, metricStepTokens, map[string]any{attrTokenType: tokenReasoning}))
	for _, p := range pts {
		if p.metric == metricStepCost {
			require.Equal(t, "gpt-4o", p.attrs[attrResponseModel])
		}
	}
}

// TestGenAIMetricsHaveTheConventionsShape checks names, units, types,
// bucket boundaries and attributes of the released metrics.
func TestGenAIMetricsHaveTheConventionsShape(t *testing.T) {
	c, sink, _ := newTestConnector(t, nil)
	td := ptrace.NewTraces()
	anchorSpan(td, okStep("step-1"), 1, 1)
	failed := okStep("step-2")
	failed.Status, failed.ErrorType, failed.FinishReason = step.StatusFailed, "RateLimitError", "error"
	anchorSpan(td, failed, 2, 2)
	untyped := okStep("step-3")
	untyped.Status = step.StatusFailed
	anchorSpan(td, untyped, 3, 3)
	consume(t, c, td)
	c.flush(context.Background())

	md := sink.AllMetrics()[0]
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	byName := map[string]pmetric.Metric{}
	for i := 0; i < ms.Len(); i++ {
		byName[ms.At(i).Name()] = ms.At(i)
	}
	usage := byName["gen_ai.client.token.usage"]
	require.Equal(t, "{token}", usage.Unit())
	require.Equal(t, pmetric.MetricTypeHistogram, usage.Type())
	require.Equal(t, pmetric.AggregationTemporalityCumulative, usage.Histogram().AggregationTemporality())
	dp := usage.Histogram().DataPoints().At(0)
	require.Equal(t, []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}, dp.ExplicitBounds().AsRaw())

	dur := byName["gen_ai.client.operation.duration"]
	require.Equal(t, "s", dur.Unit())
	require.Equal(t, []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92},
		dur.Histogram().DataPoints().At(0).ExplicitBounds().AsRaw())

	pts := points(sink, false)
	require.Equal(t, 2.0, total(pts, metricOperationDuration, map[string]any{attrErrorType: "RateLimitError"}), "2s, the recorded error type")
	require.Equal(t, 2.0, total(pts, metricOperationDuration, map[string]any{attrErrorType: "_OTHER"}), "2s, no error type recorded")
	for _, p := range pts {
		if p.metric != metricOperationDuration && p.metric != metricTokenUsage {
			continue
		}
		require.Equal(t, "chat", p.attrs[attrOperationName])
		require.Equal(t, "openai", p.attrs[attrProviderName])
		require.Equal(t, "gpt-4o", p.attrs[attrRequestModel])
		require.Equal(t, "gpt-4o", p.attrs[attrResponseModel])
		if p.metric == metricOperationDuration && p.attrs[attrErrorType] == nil {
			require.Equal(t, uint64(1), p.count, "one success")
			require.Equal(t, 2.0, p.value)
		}
	}
	require.Equal(t, 1.0, total(pts, metricStepCount, map[string]any{attrStatus: "success", attrFinishReason: "stop"}))
	require.Equal(t, 2.0, total(pts, metricStepCount, map[string]any{attrStatus: "failed"}))
	require.Equal(t, 300.0, total(pts, metricTokenUsage, map[string]any{attrTokenType: "input"}))
}

// TestIdsAreNeverLabels: no attribute of any point holds a step, run,
// trace or span id; the configured extra dimension is there.
func TestIdsAreNeverLabels(t *testing.T) {
	c, sink, _ := newTestConnector(t, func(cfg *Config) {
		def := "none"
		cfg.Dimensions = []Dimension{{Name: "project_id"}, {Name: "model_handle", Default: &def}}
	})
	s := okStep("step-x")
	s.ProjectID = "proj-1"
	td := ptrace.NewTraces()
	anchorSpan(td, s, 1, 1)
	consume(t, c, td)
	c.flush(context.Background())
	pts := points(sink, false)
	require.NotEmpty(t, pts)
	for _, p := range pts {
		require.Equal(t, "proj-1", p.attrs["step.project_id"], p.metric)
		require.Equal(t, "none", p.attrs["step.model_handle"], p.metric)
		for k, v := range p.attrs {
			for _, id := range []string{s.ID, s.RunID, s.TraceID, s.SpanID} {
				require.NotEqual(t, id, v, "%s: %s holds an id", p.metric, k)
			}
		}
	}
}

// TestExemplarsCarryTheAnchorsTraceAndSpanID: a spike leads to its trace.
func TestExemplarsCarryTheAnchorsTraceAndSpanID(t *testing.T) {
	c, sink, _ := newTestConnector(t, nil)
	td := ptrace.NewTraces()
	sp := anchorSpan(td, okStep("step-e"), 9, 8)
	consume(t, c, td)
	c.flush(context.Background())
	pts := points(sink, false)
	require.NotEmpty(t, pts)
	for _, p := range pts {
		require.Equal(t, 1, p.exs.Len(), p.metric)
		require.Equal(t, sp.TraceID(), p.exs.At(0).TraceID(), p.metric)
		require.Equal(t, sp.SpanID(), p.exs.At(0).SpanID(), p.metric)
	}
	// Exemplars are kept for one flush only.
	c.flush(context.Background())
	for _, p := range points(sink, false) {
		require.Zero(t, p.exs.Len(), p.metric)
	}
}

// TestCardinalityLimitFoldsNewSeriesIntoOverflow: past the limit, new
// attribute sets go to one series with otel.metric.overflow=true and the
// sum is still whole.
func TestCardinalityLimitFoldsNewSeriesIntoOverflow(t *testing.T) {
	c, sink, _ := newTestConnector(t, func(cfg *Config) { cfg.AggregationCardinalityLimit = 3 })
	td := ptrace.NewTraces()
	for i := range 10 {
		s := okStep(fmt.Sprintf("step-%d", i))
		s.Model = fmt.Sprintf("model-%d", i)
		anchorSpan(td, s, byte(i), byte(i))
	}
	consume(t, c, td)
	c.flush(context.Background())
	pts := points(sink, false)
	n, overflow := 0, 0.0
	for _, p := range pts {
		if p.metric != metricStepCount {
			continue
		}
		n++
		if p.attrs["otel.metric.overflow"] == true {
			overflow = p.value
		}
	}
	require.Equal(t, 4, n, "3 series and the overflow series")
	require.Equal(t, 7.0, overflow)
	require.Equal(t, 10.0, total(pts, metricStepCount, nil))
}

// TestDeltaTemporalityStartsEachFlushFromZero.
func TestDeltaTemporalityStartsEachFlushFromZero(t *testing.T) {
	c, sink, clock := newTestConnector(t, func(cfg *Config) { cfg.AggregationTemporality = delta })
	ctx := context.Background()
	td := ptrace.NewTraces()
	anchorSpan(td, okStep("step-1"), 1, 1)
	consume(t, c, td)
	clock.advance(time.Second)
	c.flush(ctx)
	td = ptrace.NewTraces()
	anchorSpan(td, okStep("step-2"), 2, 2)
	consume(t, c, td)
	clock.advance(time.Second)
	c.flush(ctx)
	c.flush(ctx) // nothing new: nothing sent
	require.Len(t, sink.AllMetrics(), 2)
	last := sink.AllMetrics()[1].ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < last.Len(); i++ {
		m := last.At(i)
		if m.Name() != metricStepCount {
			continue
		}
		require.Equal(t, pmetric.AggregationTemporalityDelta, m.Sum().AggregationTemporality())
		dp := m.Sum().DataPoints().At(0)
		require.Equal(t, int64(1), dp.IntValue())
		require.Equal(t, pcommon.NewTimestampFromTime(clock.now().Add(-time.Second)), dp.StartTimestamp(), "starts at the previous flush")
	}
	require.Equal(t, 2.0, total(points(sink, true), metricStepCount, nil))
	// Every metric of the second flush holds step-2, whose series were
	// made again after the reset (none is lost to a series of the first).
	pts := points(sink, false)
	require.Equal(t, 100.0, total(pts, metricStepTokens, map[string]any{attrTokenType: tokenInput}))
	require.Equal(t, 20.0, total(pts, metricStepTokens, map[string]any{attrTokenType: tokenOutput}))
	require.Equal(t, 100.0, total(pts, metricTokenUsage, map[string]any{attrTokenType: tokenInput}))
	require.Equal(t, 2.0, total(pts, metricOperationDuration, nil))
}

// TestSeriesNotSeenForSeriesExpirationAreDropped.
func TestSeriesNotSeenForSeriesExpirationAreDropped(t *testing.T) {
	c, sink, clock := newTestConnector(t, func(cfg *Config) { cfg.SeriesExpiration = time.Minute })
	ctx := context.Background()
	td := ptrace.NewTraces()
	anchorSpan(td, okStep("step-old"), 1, 1)
	consume(t, c, td)
	clock.advance(2 * time.Minute)
	td = ptrace.NewTraces()
	s := okStep("step-new")
	s.Model = "gpt-5"
	anchorSpan(td, s, 2, 2)
	consume(t, c, td)
	c.flush(ctx)
	for _, p := range points(sink, false) {
		require.Equal(t, "gpt-5", p.attrs[attrResponseModel], "%s: the gpt-4o series expired", p.metric)
	}
	// A gpt-4o step after the expiry makes its series again.
	clock.advance(2 * time.Minute)
	td = ptrace.NewTraces()
	anchorSpan(td, okStep("step-later"), 3, 3)
	consume(t, c, td)
	c.flush(ctx)
	pts := points(sink, false)
	require.Equal(t, 100.0, total(pts, metricStepTokens, map[string]any{attrTokenType: tokenInput, attrResponseModel: "gpt-4o"}))
	require.Equal(t, 20.0, total(pts, metricTokenUsage, map[string]any{attrTokenType: tokenOutput, attrResponseModel: "gpt-4o"}))
}

// TestStepMemoryIsBounded: past max_steps the least recently seen step is
// forgotten.
func TestStepMemoryIsBounded(t *testing.T) {
	c, _, _ := newTestConnector(t, func(cfg *Config) { cfg.StepMemory.MaxSteps = 5 })
	td := ptrace.NewTraces()
	for i := range 20 {
		anchorSpan(td, okStep(fmt.Sprintf("step-%d", i)), byte(i), byte(i))
	}
	consume(t, c, td)
	require.Equal(t, 5, c.memory.Len())
}

// TestBadPatchCostsNothingElse: a span with a bad step.* value and a bad
// cost is skipped; the other steps of the batch are counted.
func TestBadPatchCostsNothingElse(t *testing.T) {
	c, sink, _ := newTestConnector(t, nil)
	td := ptrace.NewTraces()
	bad := anchorSpan(td, okStep("step-bad"), 1, 1)
	bad.Attributes().PutStr("step.status", "exploded")
	badCost := anchorSpan(td, okStep("step-badcost"), 2, 2)
	badCost.Attributes().PutStr(costUSDKey, "a lot")
	anchorSpan(td, okStep("step-good"), 3, 3)
	noID := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	noID.Attributes().PutInt("step.prompt_tokens", 5)
	noID.Attributes().PutStr(step.PatchesKey, "not a list")
	consume(t, c, td)
	c.flush(context.Background())
	pts := points(sink, false)
	require.Equal(t, 2.0, total(pts, metricStepCount, nil), "step-badcost and step-good")
	require.Zero(t, total(pts, metricStepCost, nil))
	require.Equal(t, 4, c.rejected)
}

// TestLifecycleFlushesOnTickAndAtShutdown builds the connector from its
// factory, as a collector does.
func TestLifecycleFlushesOnTickAndAtShutdown(t *testing.T) {
	f := NewFactory()
	require.Equal(t, metadata.Type, f.Type())
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.MetricsFlushInterval = 10 * time.Millisecond
	sink := &consumertest.MetricsSink{}
	ctx := context.Background()
	conn, err := f.CreateTracesToMetrics(ctx, connectortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, conn.Start(ctx, componenttest.NewNopHost()))
	td := ptrace.NewTraces()
	anchorSpan(td, okStep("step-1"), 1, 1)
	require.NoError(t, conn.ConsumeTraces(ctx, td))
	require.Eventually(t, func() bool { return len(sink.AllMetrics()) > 0 }, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, conn.Shutdown(ctx))
	n := len(sink.AllMetrics())
	require.NoError(t, conn.Shutdown(ctx), "a second shutdown is harmless")
	require.Equal(t, n, len(sink.AllMetrics()))
}

// TestShutdownWithoutStart: a collector that fails to start another
// component shuts this one down without having started it.
func TestShutdownWithoutStart(t *testing.T) {
	c, _, _ := newTestConnector(t, nil)
	require.NoError(t, c.Shutdown(context.Background()))
}
