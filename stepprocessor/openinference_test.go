package stepprocessor

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// newOISpan is an OpenInference span of the given kind from a service in a
// Phoenix project.
func newOISpan(name, kind string) testSpan {
	ts := newTestSpan(name)
	ts.res.Attributes().PutStr("service.name", "support-bot")
	ts.res.Attributes().PutStr("openinference.project.name", "support")
	ts.scope.SetName("openinference.instrumentation.openai")
	ts.span.Attributes().PutStr("openinference.span.kind", kind)
	return ts
}

func TestOpenInferenceLLMSpanIsAStep(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	a := ts.span.Attributes()
	a.PutStr("llm.model_name", "gpt-4o-2024-08-06")
	a.PutStr("llm.provider", "openai")
	a.PutStr("llm.system", "openai")
	a.PutInt("llm.token_count.prompt", 1200)
	a.PutInt("llm.token_count.completion", 300)
	a.PutInt("llm.token_count.total", 1500)
	a.PutInt("llm.token_count.prompt_details.cache_read", 1024)
	a.PutInt("llm.token_count.prompt_details.cache_write", 100)
	a.PutInt("llm.token_count.completion_details.reasoning", 64)
	a.PutStr("llm.finish_reason", "tool_calls")
	ts.span.Status().SetCode(ptrace.StatusCodeOk)

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, roleLLM, out.role)
	require.Equal(t, "openinference", out.source)
	require.Empty(t, out.problems)
	p := out.patch
	require.Empty(t, p.ID, "the core derives the id")
	require.Equal(t, "gpt-4o-2024-08-06", p.Model)
	require.Equal(t, "openai", p.ProviderName)
	require.Equal(t, step.Int(1200), p.PromptTokens)
	require.Equal(t, step.Int(300), p.CompletionTokens)
	require.Equal(t, step.Int(1500), p.TotalTokens)
	require.Equal(t, step.Int(1024), p.CachedInputTokens)
	require.Equal(t, step.Int(100), p.CacheWriteTokens)
	require.Equal(t, step.Int(64), p.ReasoningTokens)
	require.Equal(t, "tool_calls", p.FinishReasonRaw)
	require.Equal(t, "tool_call", p.FinishReason)
	require.Empty(t, p.StopReason)
	require.Equal(t, step.StatusSuccess, p.Status)
	require.Equal(t, step.ProgressionFinished, p.Progression)
	require.Equal(t, "0a0102030405060708090a0b0c0d0e0f", p.TraceID)
	require.Equal(t, "0b01020304050607", p.SpanID)
	require.Equal(t, step.Time(1767225600000000000), p.StartTime)
	require.Equal(t, step.Time(1767225601500000000), p.EndTime)
	require.Equal(t, "support-bot", p.ServiceName)
	require.Equal(t, "support", out.ctx.ProjectID)
}

func TestOpenInferenceAgentUsageIsAnAggregateNeverAStep(t *testing.T) {
	ts := newOISpan("Agent", "AGENT")
	a := ts.span.Attributes()
	a.PutStr("agent.name", "triage")
	a.PutStr("session.id", "sess-1")
	a.PutStr("user.id", "user-7")
	a.PutInt("llm.token_count.prompt", 5000)
	a.PutInt("llm.token_count.completion", 900)
	a.PutStr("llm.model_name", "gpt-4o")

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, step.Step{}, out.patch, "usage on an AGENT span must not become a step")
	require.Equal(t, stepContext{
		AgentID:        "triage",
		RunID:          step.DeriveRunID(ts.span.TraceID(), ts.span.SpanID()),
		ConversationID: "sess-1",
		UserID:         "user-7",
		ProjectID:      "support",
	}, out.ctx)
}

func TestOpenInferenceChainIsContextWithoutARun(t *testing.T) {
	ts := newOISpan("RunnableSequence", "CHAIN")
	ts.span.Attributes().PutStr("session.id", "sess-2")
	ts.span.Attributes().PutInt("llm.token_count.total", 42)

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, step.Step{}, out.patch)
	require.Empty(t, out.ctx.RunID, "only an agent invocation starts a run")
	require.Equal(t, "sess-2", out.ctx.ConversationID)
}

func TestOpenInferenceSpanKindIsCaseInsensitive(t *testing.T) {
	out, ok := recogniseOne(t, newOISpan("llm", "llm"))
	require.True(t, ok)
	require.Equal(t, roleLLM, out.role)
}

func TestOpenInferenceToolAndRetrieverSpansAreNotClaimed(t *testing.T) {
	for _, kind := range []string{"TOOL", "RETRIEVER", "EMBEDDING", "RERANKER"} {
		t.Run(kind, func(t *testing.T) {
			ix := newKeyIndex()
			r := newOpenInference(ix)
			f := newSpanFacts(ix)
			ts := newOISpan("x", kind)
			f.load(ts.res, ts.scope, ts.span)
			require.False(t, r.recognise(f, &finding{}))
		})
	}
}

func TestOpenInferenceTagsAsArrayOrJSONString(t *testing.T) {
	cases := map[string]func(pcommon.Map){
		"array": func(a pcommon.Map) {
			s := a.PutEmptySlice("tag.tags")
			s.AppendEmpty().SetStr("beta")
			s.AppendEmpty().SetStr("eu")
		},
		"json string": func(a pcommon.Map) { a.PutStr("tag.tags", `["beta", "eu"]`) },
	}
	for name, set := range cases {
		t.Run(name, func(t *testing.T) {
			ts := newOISpan("Agent", "AGENT")
			set(ts.span.Attributes())
			out, ok := recogniseOne(t, ts)
			require.True(t, ok)
			require.Empty(t, out.problems)
			require.Equal(t, []string{"beta", "eu"}, out.ctx.Tags)
		})
	}
}

func TestOpenInferenceMalformedTagsAreAProblemAndContextSurvives(t *testing.T) {
	ts := newOISpan("Agent", "AGENT")
	ts.span.Attributes().PutStr("tag.tags", `["beta",`)
	ts.span.Attributes().PutStr("agent.name", "triage")

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Len(t, out.problems, 1)
	require.ErrorContains(t, out.problems[0], "tag.tags")
	require.Nil(t, out.ctx.Tags)
	require.Equal(t, "triage", out.ctx.AgentID)
}

func TestOpenInferenceTokenCountsAsStringOrDouble(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	a := ts.span.Attributes()
	a.PutStr("llm.token_count.prompt", "1200")
	a.PutDouble("llm.token_count.completion", 300)
	a.PutStr("llm.token_count.prompt_details.cache_read", " 1024 ")

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Empty(t, out.problems)
	require.Equal(t, step.Int(1200), out.patch.PromptTokens)
	require.Equal(t, step.Int(300), out.patch.CompletionTokens)
	require.Equal(t, step.Int(1024), out.patch.CachedInputTokens)
}

func TestOpenInferenceGarbageCountIsAProblemAndOtherFieldsSurvive(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	a := ts.span.Attributes()
	a.PutStr("llm.model_name", "claude-sonnet-4-5")
	a.PutStr("llm.token_count.prompt", "lots")
	a.PutDouble("llm.token_count.completion", 12.5)
	a.PutInt("llm.token_count.total", -3)
	a.PutInt("llm.token_count.completion_details.reasoning", 7)

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Len(t, out.problems, 3)
	require.ErrorContains(t, out.problems[0], "llm.token_count.prompt")
	require.ErrorContains(t, out.problems[1], "llm.token_count.completion")
	require.ErrorContains(t, out.problems[2], "llm.token_count.total")
	require.Nil(t, out.patch.PromptTokens)
	require.Nil(t, out.patch.CompletionTokens)
	require.Nil(t, out.patch.TotalTokens)
	require.Equal(t, step.Int(7), out.patch.ReasoningTokens)
	require.Equal(t, "claude-sonnet-4-5", out.patch.Model)
	require.Equal(t, step.StatusSuccess, out.patch.Status)
}

func TestOpenInferenceProviderPrefersTheHostOverTheModelFamily(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	ts.span.Attributes().PutStr("llm.provider", "azure")
	ts.span.Attributes().PutStr("llm.system", "openai")
	out, _ := recogniseOne(t, ts)
	require.Equal(t, "azure.ai.openai", out.patch.ProviderName)

	ts = newOISpan("ChatCompletion", "LLM")
	ts.span.Attributes().PutStr("llm.system", "Anthropic")
	out, _ = recogniseOne(t, ts)
	require.Equal(t, "anthropic", out.patch.ProviderName, "llm.system is the fallback, normalised")
}

func TestOpenInferenceResponseModelBeatsModelNameAndRequestModel(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	a := ts.span.Attributes()
	a.PutStr("llm.request.model_name", "gpt-4o")
	a.PutStr("llm.model_name", "gpt-4o")
	a.PutStr("llm.response.model_name", "gpt-4o-2024-08-06")
	out, _ := recogniseOne(t, ts)
	require.Equal(t, "gpt-4o-2024-08-06", out.patch.Model)

	ts = newOISpan("ChatCompletion", "LLM")
	ts.span.Attributes().PutStr("llm.request.model_name", "gpt-4o-mini")
	out, _ = recogniseOne(t, ts)
	require.Equal(t, "gpt-4o-mini", out.patch.Model)
}

func TestOpenInferenceCacheInputIsReadAsCacheRead(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	ts.span.Attributes().PutInt("llm.token_count.prompt_details.cache_input", 512)
	out, _ := recogniseOne(t, ts)
	require.Equal(t, step.Int(512), out.patch.CachedInputTokens)
}

func TestOpenInferenceRawFinishReasonIsKeptNextToTheNormalisedOne(t *testing.T) {
	cases := []struct{ raw, norm string }{
		{"end_turn", "stop"},
		{"max_tokens", "length"},
		{"MAX_TOKENS", "length"},
		{"pause_turn", ""},
	}
	for _, c := range cases {
		t.Run(c.raw, func(t *testing.T) {
			ts := newOISpan("Messages", "LLM")
			ts.span.Attributes().PutStr("llm.finish_reason", c.raw)
			out, _ := recogniseOne(t, ts)
			require.Equal(t, c.raw, out.patch.FinishReasonRaw)
			require.Equal(t, c.norm, out.patch.FinishReason)
		})
	}
}

func TestOpenInferenceNoFinishReasonIsNeverInferred(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	ts.span.Attributes().PutInt("llm.token_count.completion", 10)
	out, _ := recogniseOne(t, ts)
	require.Empty(t, out.patch.FinishReasonRaw)
	require.Empty(t, out.patch.FinishReason)
}

func TestOpenInferenceFinishReasonOfTheWrongTypeIsAProblem(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	ts.span.Attributes().PutInt("llm.finish_reason", 1)
	ts.span.Attributes().PutStr("llm.model_name", "gpt-4o")
	out, _ := recogniseOne(t, ts)
	require.Len(t, out.problems, 1)
	require.ErrorContains(t, out.problems[0], "llm.finish_reason")
	require.Equal(t, "gpt-4o", out.patch.Model)
}

func TestOpenInferenceExceptionEventFailsTheStepEvenWithStatusOK(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	ts.span.Attributes().PutStr("llm.request.model_name", "gpt-4o")
	ts.span.Status().SetCode(ptrace.StatusCodeOk)
	ev := ts.span.Events().AppendEmpty()
	ev.SetName("exception")
	ev.Attributes().PutStr("exception.type", "openai.RateLimitError")
	ev.Attributes().PutStr("exception.message", "Rate limit reached")
	ev.Attributes().PutStr("exception.stacktrace", "Traceback ...")

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	p := out.patch
	require.Equal(t, step.StatusFailed, p.Status)
	require.Equal(t, step.ProgressionStart, p.Progression, "no response came back")
	require.Equal(t, "openai.RateLimitError", p.ErrorType)
	require.Equal(t, &step.ErrorData{Message: "Rate limit reached", Traceback: "Traceback ..."}, p.ErrorData)
	require.Equal(t, "gpt-4o", p.Model)
}

func TestOpenInferenceFailedCallWithAResponseIsFinished(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	ts.span.Attributes().PutStr("llm.finish_reason", "content_filter")
	ts.span.Attributes().PutInt("llm.token_count.completion", 3)
	ts.span.Status().SetCode(ptrace.StatusCodeError)
	ts.span.Status().SetMessage("output blocked")

	out, _ := recogniseOne(t, ts)
	require.Equal(t, step.StatusFailed, out.patch.Status)
	require.Equal(t, step.ProgressionFinished, out.patch.Progression)
	require.Equal(t, &step.ErrorData{Message: "output blocked"}, out.patch.ErrorData)
}

func TestOpenInferenceContextOnTheLLMSpanItself(t *testing.T) {
	ts := newOISpan("ChatCompletion", "LLM")
	a := ts.span.Attributes()
	a.PutStr("session.id", "sess-3")
	a.PutStr("user.id", "user-3")
	a.PutStr("agent.name", "writer")

	out, _ := recogniseOne(t, ts)
	require.Equal(t, roleLLM, out.role)
	require.Equal(t, "sess-3", out.ctx.ConversationID)
	require.Equal(t, "user-3", out.ctx.UserID)
	require.Equal(t, "writer", out.ctx.AgentID)
	require.Empty(t, out.ctx.RunID, "a model call inherits its run")
	require.Empty(t, out.patch.ConversationID, "context travels in ctx, not in the patch")
}

func TestOpenInferenceMetadataFillsOnlyMissingContext(t *testing.T) {
	ts := newOISpan("LangGraph", "CHAIN")
	a := ts.span.Attributes()
	a.PutStr("user.id", "user-from-attr")
	a.PutStr("metadata", `{"thread_id": "thread-9", "user_id": "user-from-metadata", "agent_id": 17}`)

	out, _ := recogniseOne(t, ts)
	require.Empty(t, out.problems)
	require.Equal(t, "thread-9", out.ctx.ConversationID)
	require.Equal(t, "user-from-attr", out.ctx.UserID)
	require.Equal(t, "17", out.ctx.AgentID)
}

func TestOpenInferenceMalformedMetadataIsAProblem(t *testing.T) {
	ts := newOISpan("Agent", "AGENT")
	ts.span.Attributes().PutStr("metadata", `{"thread_id": `)
	ts.span.Attributes().PutStr("session.id", "sess-4")

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Len(t, out.problems, 1)
	require.ErrorContains(t, out.problems[0], "metadata")
	require.Equal(t, "sess-4", out.ctx.ConversationID)
	require.NotEmpty(t, out.ctx.RunID)
}

func TestOpenInferenceForeignSpanCostsNoAllocation(t *testing.T) {
	ix := newKeyIndex()
	r := newOpenInference(ix)
	f := newSpanFacts(ix)
	ts := newTestSpan("chat gpt-4o")
	ts.span.Attributes().PutStr("gen_ai.operation.name", "chat")
	ts.span.Attributes().PutInt("gen_ai.usage.input_tokens", 10)
	f.load(ts.res, ts.scope, ts.span)
	var out finding
	allocs := testing.AllocsPerRun(100, func() { r.recognise(f, &out) })
	require.Zero(t, allocs)
	require.False(t, r.recognise(f, &out))
}

// TestOpenInferenceUsageDetailsFromTheResponse: an LLM span with no cache
// or reasoning keys takes them from the provider's usage in output.value
// (openai-agents records a streamed Responses API response as [response],
// conformance/python/captured/openai-agents-openinference.json), only when
// that usage's input count is the span's prompt count.
func TestOpenInferenceUsageDetailsFromTheResponse(t *testing.T) {
	responses := `{"id": "resp_1", "output": [{"type": "message", "content": [{"text": "Sunny."}]}], "usage": {"input_tokens": 430, ` +
		`"input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 87, "cache_write_tokens_details": null}, ` +
		`"output_tokens": 53, "output_tokens_details": {"reasoning_tokens": 31}, "total_tokens": 483}}`
	chat := `{"id": "chatcmpl-1", "choices": [], "usage": {"prompt_tokens": 430, "completion_tokens": 53, ` +
		`"prompt_tokens_details": {"cached_tokens": 87}, "completion_tokens_details": {"reasoning_tokens": 31}}}`
	for _, c := range []struct {
		name          string
		output        any
		extra         map[string]any
		cached, think *int64
	}{
		{name: "a Responses API response", output: responses, cached: step.Int(87), think: step.Int(31)},
		{name: "a streamed response in a list", output: " [" + responses + "]", cached: step.Int(87), think: step.Int(31)},
		{name: "a Chat Completions response", output: chat, cached: step.Int(87), think: step.Int(31)},
		// smolagents' ChatMessage: the SDK response's repr under "raw"
		// (captured/smolagents-openinference.json).
		{name: "smolagents' raw response repr", output: `{"role": "assistant", "content": null, "raw": "ChatCompletion(id='chatcmpl-fake25', ` +
			`object='chat.completion', usage=CompletionUsage(completion_tokens=53, prompt_tokens=430, total_tokens=483, ` +
			`completion_tokens_details=CompletionTokensDetails(audio_tokens=0, reasoning_tokens=31), ` +
			`prompt_tokens_details=PromptTokensDetails(audio_tokens=0, cache_write_tokens=None, cached_tokens=87)))", ` +
			`"token_usage": {"input_tokens": 430, "output_tokens": 53, "total_tokens": 483}}`, cached: step.Int(87), think: step.Int(31)},
		{name: "smolagents' stream, no raw", output: `{"role": "assistant", "content": "Sunny.", "raw": null, "token_usage": {"input_tokens": 430}}`},
		{name: "a raw repr of another call", output: `{"raw": "ChatCompletion(usage=CompletionUsage(prompt_tokens=9, prompt_tokens_details=PromptTokensDetails(cached_tokens=8)))"}`},
		{name: "a raw that is no repr", output: `{"raw": "usage=("}`},
		{name: "another call's usage", output: strings.Replace(responses, `"input_tokens": 430`, `"input_tokens": 999`, 1)},
		{name: "messages, no usage", output: `[{"content": "Sunny.", "role": "assistant"}]`},
		{name: "plain text", output: "It is sunny in Paris."},
		{name: "broken JSON", output: responses[:100]},
		{name: "a count that is no whole number", output: strings.Replace(responses, `"cached_tokens": 87`, `"cached_tokens": 8.5`, 1), think: step.Int(31)},
		{name: "not text", output: 7},
		{name: "the span's own cache count wins", output: responses, extra: map[string]any{"llm.token_count.prompt_details.cache_read": 5}, cached: step.Int(5)},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := map[string]any{
				"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.provider": "openai",
				"llm.token_count.prompt": 430, "llm.token_count.completion": 53,
				"output.value": c.output, "output.mime_type": "application/json",
			}
			for k, v := range c.extra {
				a[k] = v
			}
			f := recogniseLLM(t, newGenAISpan("generation", a), "openinference")
			require.Empty(t, f.problems)
			require.Equal(t, c.cached, f.patch.CachedInputTokens, "cached_input_tokens")
			require.Equal(t, c.think, f.patch.ReasoningTokens, "reasoning_tokens")
			require.Equal(t, int64(430), *f.patch.PromptTokens)
		})
	}
}

// TestSmolagentsFinishReasonFromTheRawResponse: smolagents records no
// finish reason but its ChatMessage's raw response repr has one, read once
// the repr's usage has shown it is this call's.
func TestSmolagentsFinishReasonFromTheRawResponse(t *testing.T) {
	output := func(prompt int) string {
		return `{"role": "assistant", "raw": "ChatCompletion(id='chatcmpl-fake25', choices=[Choice(finish_reason='tool_calls', index=0, ` +
			`logprobs=None, message=ChatCompletionMessage(content=None, role='assistant'))], object='chat.completion', ` +
			`usage=CompletionUsage(completion_tokens=53, prompt_tokens=` + strconv.Itoa(prompt) + `, total_tokens=483))"}`
	}
	span := func(out string) testSpan {
		return newGenAISpan("OpenAIModel.generate", map[string]any{
			"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini",
			"llm.token_count.prompt": 430, "llm.token_count.completion": 53, "output.value": out,
		})
	}
	p := recogniseLLM(t, span(output(430)), "openinference").patch
	require.Equal(t, "tool_calls", p.FinishReasonRaw)
	require.Equal(t, "tool_call", p.FinishReason)

	p = recogniseLLM(t, span(output(999)), "openinference").patch
	require.Empty(t, p.FinishReasonRaw, "another call's response")
}
