package stepprocessor

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

const deepLevels = 10_000

// deepSlice nests v deepLevels arrays down.
func deepSlice(v any) any {
	for range deepLevels {
		v = []any{v}
	}
	return v
}

// deepMap nests v deepLevels maps down.
func deepMap(v any) any {
	for range deepLevels {
		v = map[string]any{"k": v}
	}
	return v
}

// absurdSpan is one span a broken or hostile instrumentation may send.
type absurdSpan struct {
	name     string
	emptyIDs bool // all-zero trace and span ids, which OTLP calls invalid
	attrs    map[string]any
}

var (
	goodTrace = pcommon.TraceID{0xa1, 1}
	goodSpan  = pcommon.SpanID{0xb1, 1}
)

// absurdBatch is a good GenAI chat span (the first) next to absurd ones: huge strings,
// deep arrays and maps, NaN, infinite and negative counts, ids of the wrong
// length (a Letta step_id, empty trace and span ids), conventions nobody
// knows, and keys and values that are not UTF-8.
func absurdBatch() ptrace.Traces {
	chat := func(extra map[string]any) map[string]any {
		m := map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	spans := []absurdSpan{
		{name: "chat gpt-4o", attrs: chat(map[string]any{
			"gen_ai.provider.name": "openai", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 5,
			"gen_ai.response.finish_reasons": []any{"stop"}})},
		{name: strings.Repeat("n", 1<<20), attrs: chat(map[string]any{
			"gen_ai.response.model": strings.Repeat("m", 4<<20), "gen_ai.conversation.id": strings.Repeat("c", 1<<20)})},
		{name: "chat", attrs: chat(map[string]any{
			"gen_ai.response.finish_reasons": deepSlice("stop"), "gen_ai.usage.input_tokens": deepMap(1)})},
		{name: "chat", attrs: chat(map[string]any{
			"gen_ai.usage.input_tokens": math.NaN(), "gen_ai.usage.output_tokens": math.Inf(1),
			"gen_ai.usage.cache_read.input_tokens": math.Inf(-1)})},
		{name: "chat", attrs: chat(map[string]any{
			"gen_ai.usage.input_tokens": -5, "gen_ai.usage.output_tokens": "-7", "gen_ai.request.max_tokens": math.MinInt64})},
		{name: "StepManager.log_step_async", attrs: map[string]any{"parameter.step_id": "'step-123'", "parameter.status": "StepStatus.PENDING"}},
		{name: "chat", emptyIDs: true, attrs: chat(nil)},
		{name: "my.llm.call", attrs: map[string]any{"acme.llm.tokens": 12, "acme.model": "x", "llm.vendor": "acme"}},
		{name: "chat \xff", attrs: chat(map[string]any{
			"gen_ai.\xff\xfe": "x", "gen_ai.response.model": "gpt-\xc3\x28", "gen_ai.provider.name": "\xff",
			"gen_ai.response.finish_reasons": []any{"\xfe"}, "gen_ai.conversation.id": "\x00\xff"})},
		{name: "invoke_agent", attrs: map[string]any{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": deepSlice("a")}},
	}
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	for i, s := range spans {
		sp := ss.Spans().AppendEmpty()
		sp.SetName(s.name)
		switch {
		case i == 0:
			sp.SetTraceID(goodTrace)
			sp.SetSpanID(goodSpan)
		case !s.emptyIDs:
			sp.SetTraceID(pcommon.TraceID{0xc0, byte(i)})
			sp.SetSpanID(pcommon.SpanID{0xd0, byte(i)})
		}
		sp.SetStartTimestamp(1767225600000000000)
		sp.SetEndTimestamp(1767225601000000000)
		if err := sp.Attributes().FromRaw(s.attrs); err != nil {
			panic(err)
		}
	}
	return td
}

// TestAbsurdSpansNeverCostTheOtherSteps runs the absurd batch through the
// processor in both modes: nothing panics, every span goes on, what the
// processor wrote reads back, the good step is exact, and shutdown ends
// within its deadline.
func TestAbsurdSpansNeverCostTheOtherSteps(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Hour} {
		t.Run("wait "+wait.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			cfg.Wait = wait
			sink := &consumertest.TracesSink{}
			p, err := newStepProcessor(processortest.NewNopSettings(metadata.Type), cfg, sink)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			require.NoError(t, p.Start(ctx, componenttest.NewNopHost()))
			td := absurdBatch()
			spans := td.SpanCount()
			require.NoError(t, returnsWithin(t, 20*time.Second, "ConsumeTraces", func() error { return p.ConsumeTraces(ctx, td) }))
			require.NoError(t, returnsWithin(t, 10*time.Second, "Shutdown", func() error { return p.Shutdown(ctx) }),
				"shutdown releases everything held")

			require.Equal(t, spans, sink.SpanCount(), "every span goes on")
			records := map[string]*step.Step{}
			for _, out := range sink.AllTraces() {
				require.Empty(t, step.Collect(out, records))
			}
			good := records[step.DeriveID(goodTrace, goodSpan)]
			require.NotNil(t, good)
			require.Equal(t, "gpt-4o", good.Model)
			require.Equal(t, "openai", good.ProviderName)
			require.Equal(t, step.Int(10), good.PromptTokens)
			require.Equal(t, step.Int(5), good.CompletionTokens)
			require.Equal(t, "stop", good.FinishReason)
			for id, r := range records {
				if r.PromptTokens != nil {
					require.GreaterOrEqual(t, *r.PromptTokens, int64(0), id)
				}
				if r.CompletionTokens != nil {
					require.GreaterOrEqual(t, *r.CompletionTokens, int64(0), id)
				}
			}
		})
	}
}

// TestSpanTimestampPast2262LeavesTheTimeUnset is the crasher FuzzSpanRecognition
// found (testdata/fuzz/FuzzSpanRecognition/1604c8fded187b1e): a start time
// past int64 nanoseconds was written as a negative step.start_time, which
// the exporter refuses, losing the whole record.
func TestSpanTimestampPast2262LeavesTheTimeUnset(t *testing.T) {
	td := tracesOf(spanSpec{trace: 1, span: 1})
	sp := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	sp.Attributes().PutStr("gen_ai.operation.name", "chat")
	sp.SetStartTimestamp(pcommon.Timestamp(math.MaxUint64 - 7))
	Annotate(nil, td)
	records := map[string]*step.Step{}
	require.Empty(t, step.Collect(td, records))
	r := records[idOf(1, 1)]
	require.NotNil(t, r, "the step is kept")
	require.Zero(t, r.StartTime)
	require.Equal(t, step.Time(1767225601000000001), r.EndTime)
}

// returnsWithin runs fn and fails the test if it has not returned within
// d: a hang fails in d, not at the test binary's timeout.
func returnsWithin(t *testing.T, d time.Duration, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s did not return within %s", what, d)
		return nil
	}
}
