package stepprocessor

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
)

func newPydanticAISpan(name string, attrs map[string]any) testSpan {
	ts := newGenAISpan(name, attrs)
	ts.scope.SetName("pydantic-ai")
	ts.scope.SetVersion("1.0.0")
	return ts
}

func TestPydanticAIChatSpanIsAStepWithItsBaggageContext(t *testing.T) {
	out := recogniseLLM(t, newPydanticAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name":                  "chat",
		"gen_ai.system":                          "openai",
		"gen_ai.provider.name":                   "openai",
		"gen_ai.request.model":                   "gpt-4o",
		"gen_ai.response.model":                  "gpt-4o-2024-08-06",
		"gen_ai.response.id":                     "chatcmpl-p1",
		"gen_ai.usage.input_tokens":              800,
		"gen_ai.usage.output_tokens":             60,
		"gen_ai.usage.cache_read.input_tokens":   512,
		"gen_ai.usage.details.cache_read_tokens": 512,
		"gen_ai.response.finish_reasons":         []any{"tool_call"},
		"operation.cost":                         0.0021,
		"gen_ai.agent.name":                      "weather_agent",
		"gen_ai.agent.call.id":                   "run-call-1",
		"gen_ai.conversation.id":                 "conv-42",
		"server.address":                         "api.openai.com",
	}), "pydanticai")
	p := out.patch
	require.Equal(t, "gpt-4o-2024-08-06", p.Model)
	require.Equal(t, "openai", p.ProviderName)
	require.Equal(t, "api.openai.com", p.ModelEndpoint)
	require.Equal(t, int64(800), *p.PromptTokens)
	require.Equal(t, int64(60), *p.CompletionTokens)
	require.Equal(t, int64(512), *p.CachedInputTokens)
	require.Equal(t, "tool_call", p.FinishReasonRaw)
	require.Equal(t, "tool_call", p.FinishReason)
	require.Equal(t, "chatcmpl-p1", p.RequestID)
	require.Equal(t, step.StatusSuccess, p.Status)
	require.Equal(t, step.ProgressionFinished, p.Progression)
	require.Equal(t, "weather_agent", out.ctx.AgentID)
	require.Equal(t, "run-call-1", out.ctx.RunID)
	require.Equal(t, "conv-42", out.ctx.ConversationID)
}

func TestPydanticAIBackcompatDetailKeysAreRead(t *testing.T) {
	out := recogniseLLM(t, newPydanticAISpan("chat claude-sonnet-4", map[string]any{
		"gen_ai.operation.name":                   "chat",
		"gen_ai.usage.input_tokens":               1000,
		"gen_ai.usage.details.cache_read_tokens":  700,
		"gen_ai.usage.details.cache_write_tokens": 200,
	}), "pydanticai")
	require.Equal(t, int64(1000), *out.patch.PromptTokens, "pydantic-ai input already includes cache")
	require.Equal(t, int64(700), *out.patch.CachedInputTokens)
	require.Equal(t, int64(200), *out.patch.CacheWriteTokens)
}

func TestPydanticAIAgentRunAggregatedUsageIsNeverAStep(t *testing.T) {
	out, ok := recogniseOne(t, newPydanticAISpan("invoke_agent weather_agent", map[string]any{
		"gen_ai.operation.name":                 "invoke_agent",
		"gen_ai.agent.name":                     "weather_agent",
		"agent_name":                            "weather_agent",
		"model_name":                            "gpt-4o",
		"gen_ai.agent.call.id":                  "run-call-1",
		"gen_ai.conversation.id":                "conv-42",
		"gen_ai.aggregated_usage.input_tokens":  1600,
		"gen_ai.aggregated_usage.output_tokens": 140,
		"logfire.msg":                           "weather_agent run",
	}))
	require.True(t, ok)
	require.Equal(t, "pydanticai", out.source)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, step.Step{}, out.patch)
	require.Equal(t, "weather_agent", out.ctx.AgentID)
	require.Equal(t, "run-call-1", out.ctx.RunID, "gen_ai.agent.call.id is the run id")
	require.Equal(t, "conv-42", out.ctx.ConversationID)
}

// Instrumentation version 2 named the span "agent run" and, before
// gen_ai.aggregated_usage (pydantic-ai#3995), put the run's totals under the
// plain usage keys.
func TestPydanticAIV2AgentRunPlainUsageIsNeverCounted(t *testing.T) {
	ts := newPydanticAISpan("agent run", map[string]any{
		"agent_name":                 "support",
		"model_name":                 "gpt-4o",
		"gen_ai.usage.input_tokens":  1600,
		"gen_ai.usage.output_tokens": 140,
		"logfire.msg":                "support run",
	})
	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, step.Step{}, out.patch)
	require.Equal(t, "support", out.ctx.AgentID)
	require.Equal(t, step.DeriveRunID(ts.span.TraceID(), ts.span.SpanID()), out.ctx.RunID)
}

func TestPydanticAIToolSpanIsNotAStep(t *testing.T) {
	for _, name := range []string{"execute_tool get_weather", "running tool"} {
		t.Run(name, func(t *testing.T) {
			out, ok := recogniseOne(t, newPydanticAISpan(name, map[string]any{
				"gen_ai.operation.name": "execute_tool",
				"gen_ai.tool.name":      "get_weather",
				"gen_ai.agent.call.id":  "run-call-1",
			}))
			require.True(t, ok, "it carries baggage context")
			require.Equal(t, roleContext, out.role)
			require.Equal(t, "run-call-1", out.ctx.RunID)
		})
	}
	_, ok := recogniseOne(t, newPydanticAISpan("running tool", map[string]any{
		"gen_ai.tool.name": "get_weather",
	}))
	require.False(t, ok)
}

func TestPydanticAIChatSpanKnownByNameWithoutOperation(t *testing.T) {
	out := recogniseLLM(t, newPydanticAISpan("chat gpt-4o", map[string]any{
		"gen_ai.system":             "openai",
		"gen_ai.request.model":      "gpt-4o",
		"gen_ai.usage.input_tokens": 5,
	}), "pydanticai")
	require.Equal(t, "gpt-4o", out.patch.Model)
}

func TestLogfireScopeIsPydanticAI(t *testing.T) {
	ts := newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name": "chat",
		"gen_ai.system":         "openai",
	})
	ts.scope.SetName("logfire.openai")
	recogniseLLM(t, ts, "pydanticai")
}

func TestPydanticAIRunIDMarksTheSpanWithoutItsScope(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name": "chat",
		"gen_ai.agent.call.id":  "run-call-2",
	}), "pydanticai")
	require.Equal(t, "run-call-2", out.ctx.RunID)
}

func TestPydanticAITokensAsStringsAndGarbage(t *testing.T) {
	out := recogniseLLM(t, newPydanticAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name":      "chat",
		"gen_ai.usage.input_tokens":  "77",
		"gen_ai.usage.output_tokens": "seven",
		"gen_ai.agent.name":          "support",
	}), "pydanticai")
	require.Equal(t, int64(77), *out.patch.PromptTokens)
	require.Nil(t, out.patch.CompletionTokens)
	require.Equal(t, "support", out.ctx.AgentID)
	require.Len(t, out.problems, 1)
	require.Contains(t, out.problems[0].Error(), "gen_ai.usage.output_tokens")
}
