package stepprocessor

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
)

// newLangfuseSpan is a span of langfuse-python 5's tracer (scope
// langfuse-sdk with the project's public key, as the SDK creates it).
func newLangfuseSpan(name string, attrs map[string]any) testSpan {
	ts := newGenAISpan(name, attrs)
	ts.scope.SetName("langfuse-sdk")
	ts.scope.SetVersion("5.0.4")
	ts.scope.Attributes().PutStr("public_key", "pk-lf-fake")
	return ts
}

// The keys and values of a streamed call through langfuse.openai 5.0.4, as
// the Python conformance suite captured them
// (conformance/python/captured/langfuse-openai.json).
func TestLangfusePythonStreamGenerationKeepsItsMetadataFinishReason(t *testing.T) {
	out := recogniseLLM(t, newLangfuseSpan("OpenAI-generation", map[string]any{
		"user.id":                                     "user-7",
		"session.id":                                  "conv-langfuse-py-stream",
		"langfuse.observation.type":                   "generation",
		"langfuse.observation.model.name":             "gpt-4o-mini-2025-01-01",
		"langfuse.observation.usage_details":          `{"completion_tokens": 33, "prompt_tokens": 230, "total_tokens": 263, "completion_tokens_details": {"audio_tokens": 0, "reasoning_tokens": 11}, "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 67}}`,
		"langfuse.observation.completion_start_time":  `"2026-11-30T15:44:08.917954Z"`,
		"langfuse.observation.metadata.finish_reason": `"tool_calls"`,
	}), "langfuse")
	p := out.patch
	require.Equal(t, "gpt-4o-mini-2025-01-01", p.Model)
	require.Equal(t, int64(230), *p.PromptTokens)
	require.Equal(t, int64(33), *p.CompletionTokens)
	require.Equal(t, int64(263), *p.TotalTokens)
	require.Equal(t, int64(67), *p.CachedInputTokens)
	require.Equal(t, int64(11), *p.ReasoningTokens)
	require.Equal(t, "tool_calls", p.FinishReasonRaw, "the JSON string the SDK wrote, decoded")
	require.Equal(t, "tool_call", p.FinishReason)
	require.Equal(t, step.StatusSuccess, p.Status)
	require.Equal(t, "conv-langfuse-py-stream", out.ctx.ConversationID)
	require.Equal(t, "user-7", out.ctx.UserID)
}

// langfuse-python 3 and 4 wrote a string metadata value as it was.
func TestLangfuseOlderPlainMetadataFinishReasonIsRead(t *testing.T) {
	out := recogniseLLM(t, newLangfuseSpan("OpenAI-generation", map[string]any{
		"langfuse.observation.type":                   "generation",
		"langfuse.observation.metadata.finish_reason": "stop",
	}), "langfuse")
	require.Equal(t, "stop", out.patch.FinishReasonRaw)
	require.Equal(t, "stop", out.patch.FinishReason)
}

// A blocking call through langfuse.openai records no finish reason (only
// the message, in langfuse.observation.output): none is inferred.
func TestLangfuseBlockingGenerationHasNoFinishReason(t *testing.T) {
	out := recogniseLLM(t, newLangfuseSpan("OpenAI-generation", map[string]any{
		"langfuse.observation.type":          "generation",
		"langfuse.observation.model.name":    "gpt-4o-mini-2025-01-01",
		"langfuse.observation.output":        `{"role": "assistant", "content": "It is sunny in Paris."}`,
		"langfuse.observation.usage_details": `{"completion_tokens": 32, "prompt_tokens": 220, "total_tokens": 252}`,
	}), "langfuse")
	require.Empty(t, out.patch.FinishReasonRaw)
	require.Empty(t, out.patch.FinishReason)
}
