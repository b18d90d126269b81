package stepprocessor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// siblingCalls is an invoke_agent span with two chat spans beneath it that
// answer with one response id, the second starting at secondStart (ms
// after the first) and each lasting 100 ms.
func siblingCalls(secondStart int64, secondParent pcommon.SpanID) ptrace.Traces {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	trace := pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	const t0 = 1767225600000000000
	agent := ss.Spans().AppendEmpty()
	agent.SetName("invoke_agent weather-agent")
	agent.SetTraceID(trace)
	agent.SetSpanID(pcommon.SpanID{0xa})
	agent.SetStartTimestamp(t0)
	agent.SetEndTimestamp(t0 + 1e9)
	agent.Attributes().PutStr("gen_ai.operation.name", "invoke_agent")
	agent.Attributes().PutStr("gen_ai.agent.name", "weather-agent")
	for i, start := range []int64{0, secondStart} {
		sp := ss.Spans().AppendEmpty()
		sp.SetName("chat gpt-4o")
		sp.SetTraceID(trace)
		sp.SetSpanID(pcommon.SpanID{0xb, byte(i)})
		sp.SetParentSpanID(pcommon.SpanID{0xa})
		if i == 1 {
			sp.SetParentSpanID(secondParent)
		}
		sp.SetStartTimestamp(pcommon.Timestamp(t0 + start*1e6))
		sp.SetEndTimestamp(pcommon.Timestamp(t0 + (start+100)*1e6))
		a := sp.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.provider.name", "openai")
		a.PutStr("gen_ai.request.model", "gpt-4o")
		a.PutStr("gen_ai.response.id", "chatcmpl-1")
		a.PutInt("gen_ai.usage.input_tokens", 100)
		a.PutInt("gen_ai.usage.output_tokens", 10)
	}
	return td
}

// stepsOf runs td through a processor, stateless (wait 0) or buffered
// and released, and gives the span ids of the steps it wrote.
func stepsOf(t *testing.T, td ptrace.Traces, wait time.Duration) []string {
	t.Helper()
	cfg := unpriced()
	cfg.Wait = wait
	var ids []string
	for _, r := range runBatches(t, cfg, []ptrace.Traces{td}, false) {
		ids = append(ids, r["span_id"].(string))
	}
	return ids
}

// Two instrumentations of one call, side by side under one parent, with
// one response id and overlapping times, are one step on the inner span;
// the same id on calls apart in time is two calls (a server that answers
// every call with one id), and a nested pair stays the wrapper rule's.
func TestSiblingSpansOfOneCallAreOneStep(t *testing.T) {
	agent := pcommon.SpanID{0xa}
	inner := pcommon.SpanID{0xb, 1}.String()
	for _, wait := range []time.Duration{0, time.Hour} {
		td := siblingCalls(20, agent) // 20 to 120 ms beside 0 to 100 ms
		td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(2).SetEndTimestamp(1767225600000000000 + 90e6)
		require.Equal(t, []string{inner}, stepsOf(t, td, wait), "overlapping, wait %v", wait)

		require.Len(t, stepsOf(t, siblingCalls(200, agent), wait), 2, "apart in time, wait %v", wait)

		td = siblingCalls(20, pcommon.SpanID{0xb, 0})
		td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(2).SetEndTimestamp(1767225600000000000 + 90e6)
		require.Equal(t, []string{inner}, stepsOf(t, td, wait), "nested, wait %v", wait)
	}
}
