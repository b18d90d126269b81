package stepprocessor

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Focused tests of the GenAI-shaped emitters; testdata/{strands,adk,
// langsmith} hold their whole traces.

func TestFinishReasonOnlyOnTheChoiceEventIsRead(t *testing.T) {
	ts := newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o",
	})
	ev := ts.span.Events().AppendEmpty()
	ev.SetName("gen_ai.choice")
	ev.Attributes().PutStr("finish_reason", "length")
	out := recogniseLLM(t, ts, "genai")
	require.Equal(t, "length", out.patch.FinishReasonRaw)
	require.Equal(t, "length", out.patch.FinishReason)
}

func TestFinishReasonOnlyInTheOutputMessagesAttributeIsRead(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
		"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"text","content":"hi"}],"finish_reason":"stop"}]`,
	}), "genai")
	require.Equal(t, "stop", out.patch.FinishReason)
}

func TestAttributeFinishReasonBeatsTheEvent(t *testing.T) {
	ts := newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.response.finish_reasons": []any{"stop"},
	})
	ev := ts.span.Events().AppendEmpty()
	ev.SetName("gen_ai.choice")
	ev.Attributes().PutStr("finish_reason", "length")
	require.Equal(t, "stop", recogniseLLM(t, ts, "genai").patch.FinishReasonRaw)
}

func TestBrokenOutputMessagesAreAProblemNotAFailure(t *testing.T) {
	out := recogniseLLM(t, newGenAISpan("chat gpt-4o", map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.usage.input_tokens": 3,
		"gen_ai.output.messages": `[{"finish_reason":`,
	}), "genai")
	require.Len(t, out.problems, 1)
	require.Contains(t, out.problems[0].Error(), "gen_ai.output.messages")
	require.Equal(t, int64(3), *out.patch.PromptTokens)
}

func TestStrandsSystemNameIsNeverTheProvider(t *testing.T) {
	ts := newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.system": "strands-agents", "gen_ai.request.model": "gpt-4o",
		"gen_ai.event.start_time": "2026-01-01T00:00:00Z",
	})
	out := recogniseLLM(t, ts, "strands")
	require.Empty(t, out.patch.ProviderName, "gpt-4o alone does not say who served it")
}

func TestStrandsTypeScriptServiceNamedTracerIsClaimedByItsKeys(t *testing.T) {
	ts := newGenAISpan("chat", map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "my-app", "gen_ai.request.model": "amazon.nova-lite-v1:0",
		"gen_ai.event.start_time": "2026-01-01T00:00:00Z", "gen_ai.usage.input_tokens": 7, "gen_ai.usage.output_tokens": 2,
		"gen_ai.usage.total_tokens": 509, "gen_ai.usage.cache_read_input_tokens": 500,
	})
	ts.scope.SetName("my-app")
	out := recogniseLLM(t, ts, "strands")
	require.Equal(t, "aws.bedrock", out.patch.ProviderName, "from the Bedrock model id, not the service name")
	require.Equal(t, int64(507), *out.patch.PromptTokens, "Bedrock's inputTokens leaves the cache out")
	require.Equal(t, int64(509), *out.patch.TotalTokens)
}

func TestADKCallLLMWithoutCapturedContentKeepsTheAttributeCounts(t *testing.T) {
	ts := newGenAISpan("call_llm", map[string]any{
		"gen_ai.system": "gcp.vertex.agent", "gen_ai.request.model": "gemini-2.5-flash",
		"gcp.vertex.agent.llm_response": map[string]any{}, // ADK_CAPTURE_MESSAGE_CONTENT_IN_SPANS=false
		"gen_ai.usage.input_tokens":     100, "gen_ai.usage.output_tokens": 20,
	})
	ts.scope.SetName("gcp.vertex.agent")
	out := recogniseLLM(t, ts, "adk")
	require.Equal(t, "gcp.gen_ai", out.patch.ProviderName)
	require.Equal(t, int64(100), *out.patch.PromptTokens)
	require.Equal(t, int64(20), *out.patch.CompletionTokens)
	require.Empty(t, out.problems)
}

func TestADKBrokenResponseJSONIsAProblem(t *testing.T) {
	ts := newGenAISpan("call_llm", map[string]any{
		"gen_ai.system": "gcp.vertex.agent", "gen_ai.request.model": "gemini-2.5-flash",
		"gcp.vertex.agent.llm_response": "<not serializable>", "gen_ai.usage.input_tokens": 100,
	})
	ts.scope.SetName("gcp.vertex.agent")
	out := recogniseLLM(t, ts, "adk")
	require.Len(t, out.problems, 1)
	require.Equal(t, int64(100), *out.patch.PromptTokens)
}

func TestADKLiteLLMRouteNamesTheProvider(t *testing.T) {
	ts := newGenAISpan("call_llm", map[string]any{
		"gen_ai.system": "gcp.vertex.agent", "gen_ai.request.model": "openai/gpt-4o-mini",
	})
	ts.scope.SetName("gcp.vertex.agent")
	require.Equal(t, "openai", recogniseLLM(t, ts, "adk").patch.ProviderName)
}

func TestLangSmithPromptRunIsNoStep(t *testing.T) {
	ts := newGenAISpan("ChatPromptTemplate", map[string]any{
		"langsmith.span.kind": "prompt", "gen_ai.operation.name": "chat", "gen_ai.system": "langchain",
	})
	ts.scope.SetName("langsmith")
	out, ok := recogniseOne(t, ts)
	require.True(t, ok, "claimed, so no other convention reads its op as a model call")
	require.Equal(t, roleContext, out.role)
}

func TestLangSmithProviderFromLsProviderBeatsTheGuess(t *testing.T) {
	ts := newGenAISpan("AzureChatOpenAI", map[string]any{
		"langsmith.span.kind": "llm", "gen_ai.operation.name": "chat", "gen_ai.system": "openai",
		"langsmith.metadata.ls_provider": "azure", "gen_ai.request.model": "gpt-4o",
		"gen_ai.usage.input_token_details": "{'cache_read': 10, 'cache_creation': 5}",
	})
	ts.scope.SetName("langsmith")
	out := recogniseLLM(t, ts, "langsmith")
	require.Equal(t, "azure.ai.openai", out.patch.ProviderName)
	require.Equal(t, int64(10), *out.patch.CachedInputTokens)
	require.Equal(t, int64(5), *out.patch.CacheWriteTokens)
}

func TestLangSmithBadDetailsAreAProblem(t *testing.T) {
	ts := newGenAISpan("ChatOpenAI", map[string]any{
		"langsmith.span.kind": "llm", "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 9,
		"gen_ai.usage.input_token_details": "cache_read=10",
	})
	ts.scope.SetName("langsmith")
	out := recogniseLLM(t, ts, "langsmith")
	require.Len(t, out.problems, 1)
	require.Nil(t, out.patch.CachedInputTokens)
	require.Equal(t, int64(9), *out.patch.PromptTokens)
}

func TestLangSmithJSUsageMetadataGivesTheBreakdownWhenTheDetailKeysAreMissing(t *testing.T) {
	ts := newGenAISpan("ChatOpenAI", map[string]any{
		"langsmith.span.kind": "llm", "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 900,
		"langsmith.usage_metadata": `{"input_tokens":900,"output_tokens":40,"total_tokens":940,` +
			`"input_token_details":{"cache_read":512},"output_token_details":{"reasoning":16}}`,
	})
	ts.scope.SetName("langsmith")
	out := recogniseLLM(t, ts, "langsmith")
	require.Equal(t, int64(512), *out.patch.CachedInputTokens)
	require.Nil(t, out.patch.CacheWriteTokens)
	require.Equal(t, int64(16), *out.patch.ReasoningTokens)
}

func TestADKThoughtsJoinGeminiCandidatesButNotALiteLLMCompletion(t *testing.T) {
	for _, tc := range []struct {
		model          string
		wantCompletion int64
	}{
		{"gemini-2.5-flash", 50}, // candidates 20 + thoughts 30
		{"openai/o4-mini", 20},   // completion_tokens already counts the reasoning
	} {
		ts := newGenAISpan("call_llm", map[string]any{
			"gen_ai.system": "gcp.vertex.agent", "gen_ai.request.model": tc.model,
			"gcp.vertex.agent.llm_response": `{"usage_metadata":{"prompt_token_count":100,"candidates_token_count":20,"thoughts_token_count":30}}`,
		})
		ts.scope.SetName("gcp.vertex.agent")
		out := recogniseLLM(t, ts, "adk")
		require.Equal(t, tc.wantCompletion, *out.patch.CompletionTokens, tc.model)
		require.Equal(t, int64(30), *out.patch.ReasoningTokens, tc.model)
	}
}
