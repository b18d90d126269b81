package stepprocessor

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// newGenAISpan is a span with the given GenAI attributes and a service name.
func newGenAISpan(name string, attrs map[string]any) testSpan {
	ts := newTestSpan(name)
	ts.res.Attributes().PutStr("service.name", "support-bot")
	if err := ts.span.Attributes().FromRaw(attrs); err != nil {
		panic(err)
	}
	return ts
}

func recogniseLLM(t *testing.T, ts testSpan, source string) finding {
	t.Helper()
	out, ok := recogniseOne(t, ts)
	require.True(t, ok, "span not recognised")
	require.Equal(t, source, out.source)
	require.Equal(t, roleLLM, out.role)
	return out
}

func TestGenAIChatSpanIsAStepWithCurrentKeys(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name":                    "chat",
		"gen_ai.provider.name":                     "openai",
		"gen_ai.request.model":                     "gpt-4o",
		"gen_ai.response.model":                    "gpt-4o-2024-08-06",
		"gen_ai.response.id":                       "chatcmpl-123",
		"gen_ai.usage.input_tokens":                1200,
		"gen_ai.usage.output_tokens":               300,
		"gen_ai.usage.cache_read.input_tokens":     1000,
		"gen_ai.usage.cache_creation.input_tokens": 100,
		"gen_ai.usage.reasoning.output_tokens":     120,
		"gen_ai.response.finish_reasons":           []any{"stop"},
		"server.address":                           "api.openai.com",
		"server.port":                              443,
		"gen_ai.conversation.id":                   "conv-1",
		"gen_ai.agent.name":                        "triage",
	}), "genai")

	p := out.patch
	require.Empty(t, p.ID, "the core derives the id")
	require.Equal(t, "gpt-4o-2024-08-06", p.Model)
	require.Equal(t, "openai", p.ProviderName)
	require.Equal(t, "api.openai.com:443", p.ModelEndpoint)
	require.Equal(t, int64(1200), *p.PromptTokens)
	require.Equal(t, int64(300), *p.CompletionTokens)
	require.Nil(t, p.TotalTokens, "no total was recorded; Finalize computes it")
	require.Equal(t, int64(1000), *p.CachedInputTokens)
	require.Equal(t, int64(100), *p.CacheWriteTokens)
	require.Equal(t, int64(120), *p.ReasoningTokens)
	require.Equal(t, "stop", p.FinishReasonRaw)
	require.Equal(t, "stop", p.FinishReason)
	require.Empty(t, p.StopReason, "stop_reason is Letta's")
	require.Equal(t, "chatcmpl-123", p.RequestID)
	require.Equal(t, step.StatusSuccess, p.Status)
	require.Equal(t, step.ProgressionFinished, p.Progression)
	require.Equal(t, "0a0102030405060708090a0b0c0d0e0f", p.TraceID)
	require.Equal(t, "0b01020304050607", p.SpanID)
	require.Equal(t, step.Time(1767225600000000000), p.StartTime)
	require.Equal(t, step.Time(1767225601500000000), p.EndTime)
	require.Equal(t, "support-bot", p.ServiceName)
	require.Equal(t, "conv-1", out.ctx.ConversationID)
	require.Equal(t, "triage", out.ctx.AgentID)
	require.Empty(t, out.problems)
}

func TestGenAIRequestModelWhenNoResponseModel(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name": "chat",
		"gen_ai.request.model":  "claude-sonnet-4",
	}), "genai")
	require.Equal(t, "claude-sonnet-4", out.patch.Model)
}

func TestGenAIEveryModelCallOperationIsAStep(t *testing.T) {
	for _, op := range []string{"chat", "text_completion", "generate_content", "completion", "generate"} {
		t.Run(op, func(t *testing.T) {
			recogniseLLM(t, newGenAISpan(op, map[string]any{"gen_ai.operation.name": op}), "genai")
		})
	}
}

func TestGenAIDeprecatedKeysWithTokensAsStrings(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat gpt-4", map[string]any{
		"gen_ai.operation.name":          "chat",
		"gen_ai.system":                  "az.ai.openai",
		"gen_ai.request.model":           "gpt-4",
		"gen_ai.usage.prompt_tokens":     "42",
		"gen_ai.usage.completion_tokens": " 7 ",
	}), "genai")
	require.Equal(t, "azure.ai.openai", out.patch.ProviderName)
	require.Equal(t, int64(42), *out.patch.PromptTokens)
	require.Equal(t, int64(7), *out.patch.CompletionTokens)
	require.Empty(t, out.problems)
}

func TestGenAITokensAsDoubles(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name":      "chat",
		"gen_ai.usage.input_tokens":  float64(512),
		"gen_ai.usage.output_tokens": 64.0,
	}), "genai")
	require.Equal(t, int64(512), *out.patch.PromptTokens)
	require.Equal(t, int64(64), *out.patch.CompletionTokens)
}

func TestGenAIBadTokenValuesAreProblemsAndOtherFieldsSurvive(t *testing.T) {
	ts := newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name":                "chat",
		"gen_ai.response.model":                "gpt-4o",
		"gen_ai.usage.input_tokens":            -5,
		"gen_ai.usage.cache_read.input_tokens": "lots",
		"gen_ai.usage.reasoning.output_tokens": []any{1, 2},
		"gen_ai.response.id":                   "chatcmpl-9",
	})
	ts.span.Attributes().PutDouble("gen_ai.usage.output_tokens", math.NaN())
	out := recogniseLLM(t, ts, "genai")

	p := out.patch
	require.Nil(t, p.PromptTokens)
	require.Nil(t, p.CompletionTokens)
	require.Nil(t, p.CachedInputTokens)
	require.Nil(t, p.ReasoningTokens)
	require.Equal(t, "gpt-4o", p.Model)
	require.Equal(t, "chatcmpl-9", p.RequestID)
	require.Equal(t, step.StatusSuccess, p.Status)
	require.Len(t, out.problems, 4)
	for i, key := range []string{
		"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
		"gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.reasoning.output_tokens",
	} {
		require.Contains(t, out.problems[i].Error(), key)
	}
}

func TestGenAIBadCurrentTokenKeyFallsBackToTheDeprecatedOne(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name":      "chat",
		"gen_ai.usage.input_tokens":  "n/a",
		"gen_ai.usage.prompt_tokens": 10,
	}), "genai")
	require.Equal(t, int64(10), *out.patch.PromptTokens)
	require.Len(t, out.problems, 1)
	require.Contains(t, out.problems[0].Error(), "gen_ai.usage.input_tokens")
}

func TestGenAICacheAliases(t *testing.T) {
	for _, tc := range []struct{ key, field string }{
		{"gen_ai.usage.cache_read_input_tokens", "cached"},
		{"gen_ai.usage.cache_read_tokens", "cached"},
		{"gen_ai.usage.input_cached_tokens", "cached"},
		{"gen_ai.usage.cached_input_tokens", "cached"},
		{"gen_ai.usage.details.cache_read_tokens", "cached"},
		{"gen_ai.usage.cache_creation_input_tokens", "write"},
		{"gen_ai.usage.cache_write_tokens", "write"},
		{"gen_ai.usage.details.cache_write_tokens", "write"},
		{"gen_ai.usage.reasoning_tokens", "reasoning"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
				"gen_ai.operation.name": "chat",
				tc.key:                  33,
			}), "genai")
			got := map[string]*int64{
				"cached":    out.patch.CachedInputTokens,
				"write":     out.patch.CacheWriteTokens,
				"reasoning": out.patch.ReasoningTokens,
			}[tc.field]
			require.NotNil(t, got)
			require.Equal(t, int64(33), *got)
		})
	}
}

func TestGenAICurrentCacheKeyBeatsTheUnderscoreForm(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name":                "chat",
		"gen_ai.usage.cache_read.input_tokens": 20,
		"gen_ai.usage.cache_read_input_tokens": 10,
	}), "genai")
	require.Equal(t, int64(20), *out.patch.CachedInputTokens)
}

func TestGenAIContextWindowSize(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name":      "chat",
		"gen_ai.context.window_size": 200000,
	}), "genai")
	require.Equal(t, int64(200000), *out.patch.ContextWindowLimit)
}

func TestGenAIFinishReasonForms(t *testing.T) {
	for _, tc := range []struct {
		name      string
		value     any
		raw, norm string
	}{
		{"string array", []any{"tool_calls"}, "tool_calls", "tool_call"},
		{"first non-empty choice", []any{"", "length"}, "length", "length"},
		{"stringified array", `["max_tokens"]`, "max_tokens", "length"},
		{"hyphenated", "content-filter", "content-filter", "content_filter"},
		{"provider raw value", "end_turn", "end_turn", "stop"},
		{"no normalised meaning", "pause_turn", "pause_turn", ""},
		{"empty array records nothing", []any{}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
				"gen_ai.operation.name":          "chat",
				"gen_ai.response.finish_reasons": tc.value,
			}), "genai")
			require.Equal(t, tc.raw, out.patch.FinishReasonRaw)
			require.Equal(t, tc.norm, out.patch.FinishReason)
			require.Empty(t, out.problems)
		})
	}
}

func TestGenAINoFinishReasonIsNeverInferred(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name":      "chat",
		"gen_ai.usage.output_tokens": 10,
	}), "genai")
	require.Empty(t, out.patch.FinishReasonRaw)
	require.Empty(t, out.patch.FinishReason)
}

func TestGenAIFinishReasonOfTheWrongTypeIsAProblem(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name":          "chat",
		"gen_ai.response.finish_reasons": 3,
		"gen_ai.request.model":           "gpt-4o",
	}), "genai")
	require.Empty(t, out.patch.FinishReasonRaw)
	require.Equal(t, "gpt-4o", out.patch.Model)
	require.Len(t, out.problems, 1)
	require.Contains(t, out.problems[0].Error(), "gen_ai.response.finish_reasons")
}

func TestGenAIFailedCallWithExceptionEvent(t *testing.T) {
	ts := newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name": "chat",
		"gen_ai.request.model":  "gpt-4o",
		"error.type":            "openai.RateLimitError",
	})
	ts.span.Status().SetCode(ptrace.StatusCodeError)
	ts.span.Status().SetMessage("Rate limit reached")
	ev := ts.span.Events().AppendEmpty()
	ev.SetName("exception")
	ev.Attributes().PutStr("exception.type", "RateLimitError")
	ev.Attributes().PutStr("exception.message", "429 Too Many Requests")
	ev.Attributes().PutStr("exception.stacktrace", "Traceback (most recent call last): ...")
	out := recogniseLLM(t, ts, "genai")

	p := out.patch
	require.Equal(t, step.StatusFailed, p.Status)
	require.Equal(t, step.ProgressionStart, p.Progression, "no response came back")
	require.Equal(t, "openai.RateLimitError", p.ErrorType)
	require.NotNil(t, p.ErrorData)
	require.Equal(t, "Rate limit reached", p.ErrorData.Message)
	require.Equal(t, "Traceback (most recent call last): ...", p.ErrorData.Traceback)
	require.Equal(t, "gpt-4o", p.Model)
}

func TestGenAIExceptionEventAloneFailsTheCall(t *testing.T) {
	ts := newGenAISpan("chat", map[string]any{"gen_ai.operation.name": "chat"})
	ev := ts.span.Events().AppendEmpty()
	ev.SetName("exception")
	ev.Attributes().PutStr("exception.type", "TimeoutError")
	out := recogniseLLM(t, ts, "genai")
	require.Equal(t, step.StatusFailed, out.patch.Status)
	require.Equal(t, "TimeoutError", out.patch.ErrorType)
}

func TestGenAIFinishReasonErrorFailsTheCallWithItsErrorType(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name":          "chat",
		"gen_ai.response.finish_reasons": []any{"error"},
		"error.type":                     "_OTHER",
	}), "genai")
	require.Equal(t, step.StatusFailed, out.patch.Status)
	require.Equal(t, "_OTHER", out.patch.ErrorType)
	require.Equal(t, step.ProgressionFinished, out.patch.Progression, "a finish reason came back")
}

func TestGenAIInvokeAgentUsageIsAnAggregateNeverAStep(t *testing.T) {
	ts := newGenAISpan("invoke_agent triage", map[string]any{
		"gen_ai.operation.name":      "invoke_agent",
		"gen_ai.agent.id":            "asst_123",
		"gen_ai.agent.name":          "triage",
		"gen_ai.conversation.id":     "conv-1",
		"gen_ai.usage.input_tokens":  5000,
		"gen_ai.usage.output_tokens": 900,
		"user.id":                    "u-7",
	})
	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, "genai", out.source)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, step.Step{}, out.patch, "usage on invoke_agent must not be read")
	require.Equal(t, "asst_123", out.ctx.AgentID)
	require.Equal(t, step.DeriveRunID(ts.span.TraceID(), ts.span.SpanID()), out.ctx.RunID)
	require.Equal(t, "conv-1", out.ctx.ConversationID)
	require.Equal(t, "u-7", out.ctx.UserID)
}

func TestGenAIInvokeWorkflowNamesTheAgentAfterTheWorkflow(t *testing.T) {
	out, ok := recogniseOne(t, newGenAISpan("invoke_workflow triage-flow", map[string]any{
		"gen_ai.operation.name": "invoke_workflow",
		"gen_ai.workflow.name":  "triage-flow",
	}))
	require.True(t, ok)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, "triage-flow", out.ctx.AgentID)
	require.NotEmpty(t, out.ctx.RunID)
}

func TestGenAICreateAgentIsContextWithoutARun(t *testing.T) {
	out, ok := recogniseOne(t, newGenAISpan("create_agent helper", map[string]any{
		"gen_ai.operation.name": "create_agent",
		"gen_ai.agent.name":     "helper",
	}))
	require.True(t, ok)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, "helper", out.ctx.AgentID)
	require.Empty(t, out.ctx.RunID)
}

func TestGenAIToolSpanIsNotAStep(t *testing.T) {
	_, ok := recogniseOne(t, newGenAISpan("execute_tool get_weather", map[string]any{
		"gen_ai.operation.name": "execute_tool",
		"gen_ai.tool.name":      "get_weather",
		"gen_ai.request.model":  "gpt-4o",
	}))
	require.False(t, ok)

	out, ok := recogniseOne(t, newGenAISpan("execute_tool get_weather", map[string]any{
		"gen_ai.operation.name":  "execute_tool",
		"gen_ai.conversation.id": "conv-1",
	}))
	require.True(t, ok, "a tool span may still hand down context")
	require.Equal(t, roleContext, out.role)
	require.Equal(t, "conv-1", out.ctx.ConversationID)
}

func TestGenAIEmbeddingsSpanIsNotAStep(t *testing.T) {
	_, ok := recogniseOne(t, newGenAISpan("embeddings text-embedding-3-small", map[string]any{
		"gen_ai.operation.name":     "embeddings",
		"gen_ai.provider.name":      "openai",
		"gen_ai.request.model":      "text-embedding-3-small",
		"gen_ai.usage.input_tokens": 12,
	}))
	require.False(t, ok)
}

func TestGenAISpanFromBeforeOperationNameIsAStep(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("openai.chat", map[string]any{
		"gen_ai.system":              "openai",
		"gen_ai.request.model":       "gpt-3.5-turbo",
		"gen_ai.usage.prompt_tokens": 11,
	}), "genai")
	require.Equal(t, "gpt-3.5-turbo", out.patch.Model)
	require.Equal(t, int64(11), *out.patch.PromptTokens)
}

func TestGenAIUserFromEndUserID(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name": "chat",
		"enduser.id":            "alice",
	}), "genai")
	require.Equal(t, "alice", out.ctx.UserID)
}

func TestGenAISpanWithoutGenAIKeysIsNotClaimed(t *testing.T) {
	_, ok := recogniseOne(t, newGenAISpan("GET /health", map[string]any{
		"http.request.method": "GET",
		"server.address":      "localhost",
	}))
	require.False(t, ok)
}

// A span that no recogniser claims is the common case on the hot path.
func TestGenAIFamilyForeignSpanCostsNoAllocation(t *testing.T) {
	ix := newKeyIndex()
	rs := []recogniser{newOpenLLMetry(ix), newPydanticAI(ix), newGenAI(ix)}
	f := newSpanFacts(ix)
	ts := newGenAISpan("GET /orders", map[string]any{
		"http.request.method": "GET",
		"server.address":      "orders.internal",
		"server.port":         8080,
	})
	f.load(ts.res, ts.scope, ts.span)
	var out finding
	allocs := testing.AllocsPerRun(100, func() {
		for _, r := range rs {
			if r.recognise(f, &out) {
				t.Fatal("claimed a foreign span")
			}
		}
	})
	require.Zero(t, allocs)
}
