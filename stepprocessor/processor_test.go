package stepprocessor

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

// These tests drive the processor's machinery (buffer, context, outlines)
// through user `fields:`, which make steps out of plain keys, so that they
// hold whatever the convention recognisers do.
var plainFields = map[string][]string{
	"model":         {"model"},
	"prompt_tokens": {"input_tokens"},
	"agent_id":      {"agent"},
	"user_id":       {"user"},
}

type spanSpec struct {
	trace  byte
	span   byte
	parent byte
	attrs  map[string]any
}

func tracesOf(specs ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	ss := rs.ScopeSpans().AppendEmpty()
	for _, s := range specs {
		sp := ss.Spans().AppendEmpty()
		sp.SetName("span")
		sp.SetTraceID(pcommon.TraceID{s.trace, 1})
		sp.SetSpanID(pcommon.SpanID{s.span, 2})
		if s.parent != 0 {
			sp.SetParentSpanID(pcommon.SpanID{s.parent, 2})
		}
		sp.SetStartTimestamp(pcommon.Timestamp(1767225600000000000 + int64(s.span)))
		sp.SetEndTimestamp(pcommon.Timestamp(1767225601000000000 + int64(s.span)))
		_ = sp.Attributes().FromRaw(s.attrs)
	}
	return td
}

type harness struct {
	p    *stepProcessor
	sink *consumertest.TracesSink
	tel  *componenttest.Telemetry
}

func newHarness(t *testing.T, mutate func(*Config)) *harness {
	t.Helper()
	cfg := createDefaultConfig()
	cfg.Fields = plainFields
	mutate(cfg)
	require.NoError(t, cfg.Validate())
	h := &harness{sink: &consumertest.TracesSink{}, tel: componenttest.NewTelemetry()}
	t.Cleanup(func() { require.NoError(t, h.tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = h.tel.NewTelemetrySettings()
	p, err := newStepProcessor(set, cfg, h.sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	h.p = p
	return h
}

func (h *harness) consume(t *testing.T, td ptrace.Traces) {
	t.Helper()
	require.NoError(t, h.p.ConsumeTraces(context.Background(), td))
}

// records merges every patch the sink received, as the exporter would.
func (h *harness) records(t *testing.T) map[string]step.Step {
	t.Helper()
	all := map[string]*step.Step{}
	for _, td := range h.sink.AllTraces() {
		require.Empty(t, step.Collect(td, all))
	}
	out := map[string]step.Step{}
	for _, r := range step.Sorted(all) {
		out[r.ID] = r
	}
	return out
}

func idOf(trace, span byte) string {
	return step.DeriveID(pcommon.TraceID{trace, 1}, pcommon.SpanID{span, 2})
}

func (h *harness) counter(t *testing.T, name string) int64 {
	t.Helper()
	m, err := h.tel.GetMetric("otelcol_processor_step_" + name)
	if err != nil {
		return 0
	}
	var n int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		n += dp.Value
	}
	return n
}

func TestBufferedTraceIsReleasedAfterWait(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Wait = 50 * time.Millisecond })
	h.consume(t, tracesOf(spanSpec{trace: 1, span: 1, attrs: map[string]any{"model": "m", "input_tokens": 3}}))
	require.Zero(t, h.sink.SpanCount(), "held while the wait runs")
	require.Eventually(t, func() bool { return h.sink.SpanCount() == 1 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, int64(3), *h.records(t)[idOf(1, 1)].PromptTokens)
	require.NoError(t, h.p.Shutdown(context.Background()))
}

func TestMaxTracesReleasesOldestEarlyAndDropsNothing(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Wait = time.Hour; c.MaxTraces = 3 })
	for i := byte(1); i <= 10; i++ {
		h.consume(t, tracesOf(spanSpec{trace: i, span: 1, attrs: map[string]any{"model": "m"}}))
	}
	require.Equal(t, 7, h.sink.SpanCount(), "the 7 oldest traces were released early")
	require.Equal(t, int64(7), h.counter(t, "traces_released_early"))
	require.Equal(t, 3, h.p.buf.len())
	require.NoError(t, h.p.Shutdown(context.Background()))
	require.Equal(t, 10, h.sink.SpanCount(), "shutdown releases the rest")
	require.Len(t, h.records(t), 10)
}

func TestStatelessModeHoldsNothing(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Wait = 0 })
	require.Nil(t, h.p.buf)
	require.Nil(t, h.p.sk)
	h.consume(t, tracesOf(
		spanSpec{trace: 1, span: 1, attrs: map[string]any{"agent": "agent-a"}},
		spanSpec{trace: 1, span: 2, parent: 1, attrs: map[string]any{"model": "m"}},
	))
	require.Equal(t, 2, h.sink.SpanCount(), "passed on at once")
	require.Equal(t, "agent-a", h.records(t)[idOf(1, 2)].AgentID, "the batch is a window")
}

func TestStepInheritsNearestAncestorContext(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Wait = time.Hour })
	h.consume(t, tracesOf(
		spanSpec{trace: 1, span: 1, attrs: map[string]any{"agent": "outer", "user": "u-1"}},
		spanSpec{trace: 1, span: 2, parent: 1, attrs: map[string]any{"agent": "inner"}},
		spanSpec{trace: 1, span: 3, parent: 2, attrs: map[string]any{"note": "a tool span in between"}},
		spanSpec{trace: 1, span: 4, parent: 3, attrs: map[string]any{"model": "m"}},
	))
	require.NoError(t, h.p.Shutdown(context.Background()))
	r := h.records(t)[idOf(1, 4)]
	require.Equal(t, "inner", r.AgentID)
	require.Equal(t, "u-1", r.UserID)
}

// An agent span ends after all its children, often long after the first
// model call was released; its context must still reach that step.
func TestLateAncestorGivesContextToReleasedStep(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Wait = time.Hour })
	ctx := context.Background()
	h.consume(t, tracesOf(spanSpec{trace: 1, span: 2, parent: 1, attrs: map[string]any{"model": "m", "agent": "own"}}))
	h.p.release(ctx, h.p.buf.takeAll(), false)
	h.consume(t, tracesOf(spanSpec{trace: 1, span: 1, attrs: map[string]any{"agent": "late-agent", "user": "late-user"}}))
	require.NoError(t, h.p.Shutdown(ctx))
	r := h.records(t)[idOf(1, 2)]
	require.Equal(t, "own", r.AgentID, "the step's own value still wins")
	require.Equal(t, "late-user", r.UserID)
	require.Equal(t, int64(1), h.counter(t, "patches"))
}

func TestLateStepInheritsFromReleasedAncestor(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Wait = time.Hour })
	ctx := context.Background()
	h.consume(t, tracesOf(
		spanSpec{trace: 1, span: 1, attrs: map[string]any{"agent": "agent-a"}},
		spanSpec{trace: 1, span: 2, parent: 1},
	))
	h.p.release(ctx, h.p.buf.takeAll(), false)
	h.consume(t, tracesOf(spanSpec{trace: 1, span: 3, parent: 2, attrs: map[string]any{"model": "m"}}))
	require.NoError(t, h.p.Shutdown(ctx))
	require.Equal(t, "agent-a", h.records(t)[idOf(1, 3)].AgentID)
}

func TestLLMInsideLLMIsOneStep(t *testing.T) {
	for _, order := range []string{"one window", "inner first", "outer first"} {
		t.Run(order, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Wait = time.Hour })
			ctx := context.Background()
			outer := spanSpec{trace: 1, span: 1, attrs: map[string]any{"model": "wrapper", "input_tokens": 10}}
			inner := spanSpec{trace: 1, span: 2, parent: 1, attrs: map[string]any{"model": "m", "input_tokens": 10}}
			switch order {
			case "one window":
				h.consume(t, tracesOf(outer, inner))
			case "inner first":
				h.consume(t, tracesOf(inner))
				h.p.release(ctx, h.p.buf.takeAll(), false)
				h.consume(t, tracesOf(outer))
			case "outer first":
				h.consume(t, tracesOf(outer))
				h.p.release(ctx, h.p.buf.takeAll(), false)
				h.consume(t, tracesOf(inner))
			}
			require.NoError(t, h.p.Shutdown(ctx))
			require.Len(t, h.records(t), 1, "one call, not two")
		})
	}
}

// Claude Code's spans use flat, non-standard keys; `fields:` covers them.
func TestUserFieldsMakeStepsOfNonStandardSpans(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Wait = 0
		c.Fields = map[string][]string{
			"model": {"model"}, "prompt_tokens": {"input_tokens"}, "completion_tokens": {"output_tokens"},
			"cached_input_tokens": {"cache_read_tokens"}, "project_id": {"resource.service.namespace"},
		}
	})
	td := tracesOf(spanSpec{trace: 1, span: 1, attrs: map[string]any{
		"model": "claude-sonnet-4", "input_tokens": "1200", "output_tokens": 80.0, "cache_read_tokens": 1000}})
	td.ResourceSpans().At(0).Resource().Attributes().PutStr("service.namespace", "team-a")
	h.consume(t, td)
	r := h.records(t)[idOf(1, 1)]
	require.Equal(t, "fields", r.Source)
	require.Equal(t, "claude-sonnet-4", r.Model)
	require.Equal(t, int64(1200), *r.PromptTokens)
	require.Equal(t, int64(1280), *r.TotalTokens)
	require.Equal(t, int64(1000), *r.CachedInputTokens)
	require.Equal(t, "team-a", r.ProjectID)
	require.Equal(t, "svc", r.ServiceName)
}

// Letta's Step rejects a stop_reason or feedback outside its vocabulary, so
// a mapped value outside them is never written there: a finish reason is
// kept as finish_reason_raw, and each drop is counted.
func TestUserFieldsOutsideLettasVocabulariesAreNotWritten(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Wait = 0
		c.Fields = map[string][]string{"model": {"model"}, "stop_reason": {"why"}, "feedback": {"rating"}}
	})
	h.consume(t, tracesOf(
		spanSpec{trace: 1, span: 1, attrs: map[string]any{"model": "m", "why": "stop", "rating": "thumbs_up"}},
		spanSpec{trace: 1, span: 2, attrs: map[string]any{"model": "m", "why": "max_steps", "rating": "positive"}},
	))
	r := h.records(t)
	require.Empty(t, r[idOf(1, 1)].StopReason)
	require.Empty(t, r[idOf(1, 1)].Feedback)
	require.Equal(t, "stop", r[idOf(1, 1)].FinishReasonRaw)
	require.Equal(t, "stop", r[idOf(1, 1)].FinishReason)
	require.Equal(t, "max_steps", r[idOf(1, 2)].StopReason)
	require.Equal(t, "positive", r[idOf(1, 2)].Feedback)
	require.Equal(t, int64(2), h.counter(t, "attribute_errors"))
}

func TestMalformedAttributeCostsOnlyItsField(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Wait = 0 })
	h.consume(t, tracesOf(
		spanSpec{trace: 1, span: 1, attrs: map[string]any{"model": "m", "input_tokens": "NaN tokens"}},
		spanSpec{trace: 1, span: 2, attrs: map[string]any{"model": "m", "input_tokens": 7}},
	))
	r := h.records(t)
	require.Len(t, r, 2, "the bad span is still a step and its batch goes on")
	require.Nil(t, r[idOf(1, 1)].PromptTokens)
	require.Equal(t, "m", r[idOf(1, 1)].Model)
	require.Equal(t, int64(7), *r[idOf(1, 2)].PromptTokens)
	require.Equal(t, int64(1), h.counter(t, "attribute_errors"))
}

func TestSpansWithoutStepsPassUntouched(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Wait = 0 })
	td := tracesOf(spanSpec{trace: 1, span: 1, attrs: map[string]any{"http.method": "GET"}})
	h.consume(t, td)
	require.Equal(t, 1, h.sink.SpanCount())
	attrs := h.sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	require.Equal(t, 1, attrs.Len())
}

func TestSpanWithoutIDsIsNotAStep(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Wait = 0 })
	td := tracesOf(
		spanSpec{trace: 1, span: 1, attrs: map[string]any{"model": "m"}},
		spanSpec{trace: 1, span: 2, attrs: map[string]any{"model": "m"}},
	)
	for i := 0; i < 2; i++ {
		sp := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(i)
		sp.SetTraceID(pcommon.TraceID{})
		sp.SetSpanID(pcommon.SpanID{})
	}
	h.consume(t, tracesOf(spanSpec{trace: 2, span: 1, attrs: map[string]any{"model": "m"}}))
	h.consume(t, td)
	require.Len(t, h.records(t), 1, "two calls without ids never merge into one record")
	require.Equal(t, 3, h.sink.SpanCount(), "and the spans still go on")
	require.Equal(t, int64(2), h.counter(t, "attribute_errors"))
}

// A span that arrives annotated already (a second step processor in the
// pipeline, a replayed request) carries step.* keys, which the claim pass
// notes: its step is written by replacing them, never as a second copy of
// a key (step.Write, not step.WriteNew), and reads back the same.
func TestAnnotatingTwiceWritesEachKeyOnce(t *testing.T) {
	payload, _ := mixedBatch(t)
	td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(payload)
	require.NoError(t, err)
	cfg := createDefaultConfig()
	Annotate(cfg, td)
	var first [][]step.Step
	eachSpan(td, func(sp ptrace.Span) {
		ps, _ := step.Read(sp.Attributes())
		first = append(first, ps)
	})
	Annotate(cfg, td)
	i, anchors := 0, 0
	eachSpan(td, func(sp ptrace.Span) {
		seen := map[string]bool{}
		for k := range sp.Attributes().All() {
			require.False(t, seen[k], "span %s: key %s twice", sp.SpanID(), k)
			seen[k] = true
		}
		if seen[step.Prefix+"id"] {
			anchors++
		}
		ps, _ := step.Read(sp.Attributes())
		require.Equal(t, first[i], ps[:min(len(ps), len(first[i]))], "span %s", sp.SpanID())
		i++
	})
	require.Greater(t, anchors, 1000)
}
