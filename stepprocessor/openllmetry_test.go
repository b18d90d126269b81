package stepprocessor

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
)

// OpenLLMetry before 0.17 (Apr 2024): llm.* keys and llm.vendor.
func TestOpenLLMetryLegacyLLMKeysBefore017(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("anthropic.chat", map[string]any{
		"llm.request.type":                "chat",
		"llm.vendor":                      "Anthropic",
		"llm.request.model":               "claude-3-opus",
		"llm.response.model":              "claude-3-opus-20240229",
		"llm.usage.prompt_tokens":         "250",
		"llm.usage.completion_tokens":     40,
		"llm.usage.total_tokens":          290,
		"llm.completions.0.finish_reason": "end_turn",
	}), "openllmetry")
	p := out.patch
	require.Equal(t, "anthropic", p.ProviderName)
	require.Equal(t, "claude-3-opus-20240229", p.Model)
	require.Equal(t, int64(250), *p.PromptTokens)
	require.Equal(t, int64(40), *p.CompletionTokens)
	require.Equal(t, int64(290), *p.TotalTokens)
	require.Equal(t, "end_turn", p.FinishReasonRaw)
	require.Equal(t, "stop", p.FinishReason)
	require.Equal(t, step.StatusSuccess, p.Status)
	require.Empty(t, out.problems)
}

// OpenLLMetry 0.17 to 0.47: gen_ai.system and gen_ai.usage.prompt_tokens,
// still with llm.request.type and llm.usage.total_tokens.
func TestOpenLLMetryKeysFrom017To047(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("openai.chat", map[string]any{
		"llm.request.type":                  "chat",
		"gen_ai.system":                     "openai",
		"gen_ai.request.model":              "gpt-4o",
		"gen_ai.response.model":             "gpt-4o-2024-05-13",
		"gen_ai.usage.prompt_tokens":        100,
		"gen_ai.usage.completion_tokens":    20,
		"llm.usage.total_tokens":            120,
		"gen_ai.openai.api_base":            "https://api.openai.com/v1/",
		"gen_ai.completion.0.finish_reason": "tool_calls",
		"gen_ai.response.id":                "chatcmpl-abc",
	}), "openllmetry")
	p := out.patch
	require.Equal(t, "openai", p.ProviderName)
	require.Equal(t, "gpt-4o-2024-05-13", p.Model)
	require.Equal(t, "https://api.openai.com/v1/", p.ModelEndpoint)
	require.Equal(t, int64(100), *p.PromptTokens)
	require.Equal(t, int64(20), *p.CompletionTokens)
	require.Equal(t, int64(120), *p.TotalTokens)
	require.Equal(t, "tool_calls", p.FinishReasonRaw)
	require.Equal(t, "tool_call", p.FinishReason)
	require.Equal(t, "chatcmpl-abc", p.RequestID)
}

// OpenLLMetry 0.48 and later: input/output tokens, the underscore cache
// keys, gen_ai.usage.reasoning_tokens; 0.53 adds gen_ai.provider.name.
func TestOpenLLMetryKeysFrom048(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("openai.chat", map[string]any{
		"gen_ai.operation.name":                    "chat",
		"llm.request.type":                         "chat",
		"gen_ai.provider.name":                     "openai",
		"gen_ai.request.model":                     "o3-mini",
		"gen_ai.usage.input_tokens":                900,
		"gen_ai.usage.output_tokens":               500,
		"gen_ai.usage.total_tokens":                1400,
		"gen_ai.usage.cache_read_input_tokens":     600,
		"gen_ai.usage.cache_creation_input_tokens": 50,
		"gen_ai.usage.reasoning_tokens":            320,
		"gen_ai.response.finish_reasons":           []any{"stop"},
		"server.address":                           "api.openai.com",
	}), "openllmetry")
	p := out.patch
	require.Equal(t, "openai", p.ProviderName)
	require.Equal(t, "api.openai.com", p.ModelEndpoint)
	require.Equal(t, int64(900), *p.PromptTokens)
	require.Equal(t, int64(500), *p.CompletionTokens)
	require.Equal(t, int64(1400), *p.TotalTokens)
	require.Equal(t, int64(600), *p.CachedInputTokens)
	require.Equal(t, int64(50), *p.CacheWriteTokens)
	require.Equal(t, int64(320), *p.ReasoningTokens)
	require.Equal(t, "stop", p.FinishReason)
}

func TestOpenLLMetryCapitalisedLegacyVendorsAreNormalised(t *testing.T) {
	for vendor, want := range map[string]string{
		"Anthropic":  "anthropic",
		"MistralAI":  "mistral_ai",
		"AWS":        "aws.bedrock",
		"Azure":      "azure.ai.openai",
		"Google":     "gcp.gemini",
		"OpenRouter": "openrouter",
		"TogetherAI": "together_ai",
		"Langchain":  "", // a framework, not a provider
	} {
		t.Run(vendor, func(t *testing.T) {
			out := recogniseLLM(t, newGenAISpan("chat", map[string]any{
				"llm.request.type": "chat",
				"llm.vendor":       vendor,
			}), "openllmetry")
			require.Equal(t, want, out.patch.ProviderName)
		})
	}
}

func TestOpenLLMetryCustomStopReasonKeys(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("anthropic.chat", map[string]any{
		"gen_ai.operation.name":       "chat",
		"gen_ai.response.stop_reason": "max_tokens",
	}), "openllmetry")
	require.Equal(t, "max_tokens", out.patch.FinishReasonRaw)
	require.Equal(t, "length", out.patch.FinishReason)
	require.Empty(t, out.patch.StopReason)
}

func TestOpenLLMetryCompletionRequestTypeIsAStep(t *testing.T) {
	recogniseLLM(t, newGenAISpan("cohere.completion", map[string]any{
		"llm.request.type":  "completion",
		"gen_ai.system":     "Cohere",
		"llm.request.model": "command",
	}), "openllmetry")
}

func TestOpenLLMetryEmbeddingAndRerankAreNotSteps(t *testing.T) {
	for _, typ := range []string{"embedding", "rerank", "unknown"} {
		t.Run(typ, func(t *testing.T) {
			_, ok := recogniseOne(t, newGenAISpan("cohere."+typ, map[string]any{
				"llm.request.type":       typ,
				"gen_ai.system":          "cohere",
				"llm.usage.total_tokens": 12,
			}))
			require.False(t, ok)
		})
	}
}

func TestOpenLLMetryWorkflowIsContextWithRunAndAssociationProperties(t *testing.T) {
	ts := newGenAISpan("joke_generator.workflow", map[string]any{
		"traceloop.span.kind":                         "workflow",
		"traceloop.entity.name":                       "joke_generator",
		"traceloop.workflow.name":                     "joke_generator",
		"traceloop.association.properties.session_id": "sess-9",
		"traceloop.association.properties.user_id":    "user-3",
		"llm.usage.total_tokens":                      999,
	})
	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, "openllmetry", out.source)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, step.Step{}, out.patch, "workflow usage is an aggregate")
	require.Equal(t, "joke_generator", out.ctx.AgentID)
	require.Equal(t, step.DeriveRunID(ts.span.TraceID(), ts.span.SpanID()), out.ctx.RunID)
	require.Equal(t, "sess-9", out.ctx.ConversationID)
	require.Equal(t, "user-3", out.ctx.UserID)
}

func TestOpenLLMetryAgentDecoratorNamesTheAgent(t *testing.T) {
	out, ok := recogniseOne(t, newGenAISpan("joker.agent", map[string]any{
		"traceloop.span.kind":     "agent",
		"traceloop.entity.name":   "joker",
		"traceloop.workflow.name": "joke_generator",
	}))
	require.True(t, ok)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, "joker", out.ctx.AgentID)
	require.NotEmpty(t, out.ctx.RunID)
}

func TestOpenLLMetryModelCallDoesNotTakeTheWorkflowNameAsItsAgent(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("openai.chat", map[string]any{
		"gen_ai.operation.name":                       "chat",
		"traceloop.workflow.name":                     "joke_generator",
		"traceloop.entity.path":                       "joker",
		"traceloop.association.properties.session_id": "sess-9",
	}), "openllmetry")
	require.Empty(t, out.ctx.AgentID, "the nearest agent ancestor names it")
	require.Equal(t, "sess-9", out.ctx.ConversationID)
}

func TestOpenLLMetryTaskSpanIsContextOnlyWithAssociationProperties(t *testing.T) {
	_, ok := recogniseOne(t, newGenAISpan("tell_joke.task", map[string]any{
		"traceloop.span.kind":   "task",
		"traceloop.entity.name": "tell_joke",
	}))
	require.False(t, ok)

	out, ok := recogniseOne(t, newGenAISpan("tell_joke.task", map[string]any{
		"traceloop.span.kind":                      "task",
		"traceloop.entity.name":                    "tell_joke",
		"traceloop.association.properties.user_id": "user-3",
	}))
	require.True(t, ok)
	require.Equal(t, roleContext, out.role)
	require.Empty(t, out.ctx.AgentID)
	require.Empty(t, out.ctx.RunID)
	require.Equal(t, "user-3", out.ctx.UserID)
}

func TestOpenLLMetryToolSpanIsNotAStep(t *testing.T) {
	_, ok := recogniseOne(t, newGenAISpan("search.tool", map[string]any{
		"traceloop.span.kind":   "tool",
		"traceloop.entity.name": "search",
		"gen_ai.tool.name":      "search",
	}))
	require.False(t, ok)
}

func TestOpenLLMetryClaimsItsScopeWithoutItsKeys(t *testing.T) {
	ts := newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name": "chat",
		"gen_ai.provider.name":  "openai",
	})
	ts.scope.SetName("@traceloop/instrumentation-openai")
	recogniseLLM(t, ts, "openllmetry")
}

func TestPlainGenAISpanIsLeftToGenAI(t *testing.T) {
	ts := newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name":     "chat",
		"gen_ai.provider.name":      "openai",
		"gen_ai.usage.input_tokens": 3,
	})
	ts.scope.SetName("opentelemetry.instrumentation.openai_v2")
	recogniseLLM(t, ts, "genai")
}

func TestOpenLLMetryLeavesPydanticAISpansToPydanticAI(t *testing.T) {
	ts := newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name":                       "chat",
		"traceloop.association.properties.session_id": "sess-1",
	})
	ts.scope.SetName("pydantic-ai")
	recogniseLLM(t, ts, "pydanticai")
}

// OpenLLMetry JS's Anthropic instrumentation records Anthropic's own
// input_tokens, which leave the cache out, and a total of input + output.
// Both must gain the cache, or the anchor's step.total_tokens would not be
// the record's total (found by the Jaeger end-to-end test).
func TestOpenLLMetryAnthropicJSCacheGoesIntoPromptAndTotal(t *testing.T) {
	ts := newTestSpan("anthropic.chat")
	ts.scope.SetName("@traceloop/instrumentation-anthropic")
	a := ts.span.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "anthropic")
	a.PutStr("gen_ai.request.model", "claude-sonnet-4")
	a.PutInt("gen_ai.usage.input_tokens", 55)
	a.PutInt("gen_ai.usage.output_tokens", 25)
	a.PutInt("gen_ai.usage.total_tokens", 80)
	a.PutInt("gen_ai.usage.cache_read_input_tokens", 150)
	a.PutInt("gen_ai.usage.cache_creation_input_tokens", 20)
	f, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, "openllmetry", f.source)
	require.Equal(t, int64(225), *f.patch.PromptTokens)
	require.Equal(t, int64(250), *f.patch.TotalTokens)
}

// OpenLLMetry Python 0.62's Anthropic span, keys as
// opentelemetry-instrumentation-anthropic 0.62.4 writes them
// (conformance/python/captured/openllmetry-anthropic.json): nothing but
// gen_ai.* keys, so only its scope makes it OpenLLMetry's. Its input count
// already sums Anthropic's input_tokens and both cache counts (unlike the
// JS package's), and must be kept as it is.
func TestOpenLLMetryPythonAnthropicIsClaimedByScopeAndItsInputKept(t *testing.T) {
	ts := newTestSpan("anthropic.chat")
	ts.scope.SetName("opentelemetry.instrumentation.anthropic")
	ts.scope.SetVersion("0.62.4")
	a := ts.span.Attributes()
	a.PutStr("gen_ai.provider.name", "anthropic")
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.request.model", "claude-sonnet-4-5")
	a.PutStr("gen_ai.response.model", "claude-sonnet-4-5-20250101")
	a.PutStr("gen_ai.response.id", "msg_fake5")
	a.PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr("tool_call")
	a.PutInt("gen_ai.usage.input_tokens", 225)
	a.PutInt("gen_ai.usage.output_tokens", 25)
	a.PutInt("gen_ai.usage.total_tokens", 250)
	a.PutInt("gen_ai.usage.cache_read.input_tokens", 125)
	a.PutInt("gen_ai.usage.cache_creation.input_tokens", 45)
	out := recogniseLLM(t, ts, "openllmetry")
	p := out.patch
	require.Equal(t, "anthropic", p.ProviderName)
	require.Equal(t, "claude-sonnet-4-5-20250101", p.Model)
	require.Equal(t, int64(225), *p.PromptTokens)
	require.Equal(t, int64(25), *p.CompletionTokens)
	require.Equal(t, int64(250), *p.TotalTokens)
	require.Equal(t, int64(125), *p.CachedInputTokens)
	require.Equal(t, int64(45), *p.CacheWriteTokens)
	require.Equal(t, "tool_call", p.FinishReason)
	require.Equal(t, "msg_fake5", p.RequestID)
}

// OpenLLMetry Python 0.62's OpenAI span: the input count includes the
// cached tokens and the output count the reasoning ones, as OpenAI's do.
func TestOpenLLMetryPythonOpenAIKeys(t *testing.T) {
	ts := newTestSpan("openai.chat")
	ts.scope.SetName("opentelemetry.instrumentation.openai.v1")
	a := ts.span.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o-mini")
	a.PutStr("gen_ai.response.model", "gpt-4o-mini-2025-01-01")
	a.PutBool("gen_ai.is_streaming", false)
	a.PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr("tool_call")
	a.PutInt("gen_ai.usage.total_tokens", 241)
	a.PutInt("gen_ai.usage.output_tokens", 31)
	a.PutInt("gen_ai.usage.input_tokens", 210)
	a.PutInt("gen_ai.usage.cache_read.input_tokens", 65)
	a.PutInt("gen_ai.usage.reasoning_tokens", 9)
	out := recogniseLLM(t, ts, "openllmetry")
	p := out.patch
	require.Equal(t, int64(210), *p.PromptTokens)
	require.Equal(t, int64(31), *p.CompletionTokens)
	require.Equal(t, int64(241), *p.TotalTokens)
	require.Equal(t, int64(65), *p.CachedInputTokens)
	require.Equal(t, int64(9), *p.ReasoningTokens)
	require.Nil(t, p.CacheWriteTokens)
}

// Contrib's anthropic instrumentation shares OpenLLMetry's module name but
// names its spans as GenAI does ("chat {model}"): its spans stay GenAI's.
func TestContribAnthropicScopeWithGenAISpanNameIsLeftToGenAI(t *testing.T) {
	ts := newGenAISpan("chat claude-sonnet-4-5", map[string]any{
		"gen_ai.operation.name":     "chat",
		"gen_ai.provider.name":      "anthropic",
		"gen_ai.usage.input_tokens": 3,
	})
	ts.scope.SetName("opentelemetry.instrumentation.anthropic")
	ts.scope.SetVersion("0.1b0")
	recogniseLLM(t, ts, "genai")
}
