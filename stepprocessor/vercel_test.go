package stepprocessor

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// newVercelSpan is a legacy-mode AI SDK span (scope "ai") for operation op,
// with the telemetry settings every span of the call carries.
func newVercelSpan(op string) testSpan {
	ts := newTestSpan(op)
	ts.res.Attributes().PutStr("service.name", "next-app")
	ts.scope.SetName("ai")
	a := ts.span.Attributes()
	a.PutStr("ai.operationId", op)
	a.PutStr("operation.name", op+" weather-agent")
	a.PutStr("ai.telemetry.functionId", "weather-agent")
	a.PutStr("ai.telemetry.metadata.sessionId", "sess-1")
	a.PutStr("ai.telemetry.metadata.userId", "user-1")
	a.PutStr("ai.model.provider", "openai.chat")
	a.PutStr("ai.model.id", "gpt-4o")
	return ts
}

// newGenAIModeSpan is an AI SDK 7 @ai-sdk/otel GenAI-mode span.
func newGenAIModeSpan(name, op string, kind ptrace.SpanKind) testSpan {
	ts := newTestSpan(name)
	ts.res.Attributes().PutStr("service.name", "next-app")
	ts.scope.SetName("gen_ai")
	ts.span.SetKind(kind)
	ts.span.Attributes().PutStr("gen_ai.operation.name", op)
	return ts
}

func TestVercelDoGenerateIsAStep(t *testing.T) {
	ts := newVercelSpan("ai.generateText.doGenerate")
	a := ts.span.Attributes()
	a.PutStr("gen_ai.system", "openai.chat")
	a.PutStr("gen_ai.request.model", "gpt-4o")
	a.PutStr("ai.response.model", "gpt-4o-2024-08-06")
	a.PutStr("ai.response.id", "chatcmpl-abc")
	a.PutStr("ai.response.finishReason", "tool-calls")
	a.PutInt("ai.usage.promptTokens", 812)
	a.PutInt("ai.usage.completionTokens", 41)
	a.PutInt("gen_ai.usage.input_tokens", 812)
	a.PutInt("gen_ai.usage.output_tokens", 41)

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, "vercel", out.source)
	require.Equal(t, roleLLM, out.role)
	require.Empty(t, out.problems)
	p := out.patch
	require.Empty(t, p.ID)
	require.Equal(t, "gpt-4o-2024-08-06", p.Model)
	require.Equal(t, "openai", p.ProviderName)
	require.Equal(t, "chatcmpl-abc", p.RequestID)
	require.Equal(t, step.Int(812), p.PromptTokens)
	require.Equal(t, step.Int(41), p.CompletionTokens)
	require.Equal(t, "tool-calls", p.FinishReasonRaw)
	require.Equal(t, "tool_call", p.FinishReason)
	require.Equal(t, step.StatusSuccess, p.Status)
	require.Equal(t, step.ProgressionFinished, p.Progression)
	require.Equal(t, "0b01020304050607", p.SpanID)
	require.Equal(t, "0a0102030405060708090a0b0c0d0e0f", p.TraceID)
	require.Equal(t, "next-app", p.ServiceName)
	require.Empty(t, p.StopReason)
	require.Equal(t, stepContext{AgentID: "weather-agent", ConversationID: "sess-1", UserID: "user-1"}, out.ctx)
}

func TestVercelOuterCallUsageIsAnAggregateNeverAStep(t *testing.T) {
	for _, op := range []string{"ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject"} {
		t.Run(op, func(t *testing.T) {
			ts := newVercelSpan(op)
			a := ts.span.Attributes()
			a.PutInt("ai.usage.promptTokens", 1700)
			a.PutInt("ai.usage.completionTokens", 90)
			a.PutStr("ai.response.finishReason", "stop")

			out, ok := recogniseOne(t, ts)
			require.True(t, ok)
			require.Equal(t, roleContext, out.role)
			require.Equal(t, step.Step{}, out.patch)
			require.Equal(t, stepContext{
				AgentID:        "weather-agent",
				RunID:          step.DeriveRunID(ts.span.TraceID(), ts.span.SpanID()),
				ConversationID: "sess-1",
				UserID:         "user-1",
			}, out.ctx)
		})
	}
}

func TestVercelToolCallAndEmbedSpansAreNotClaimed(t *testing.T) {
	for _, op := range []string{"ai.toolCall", "ai.embed.doEmbed", "ai.embedMany"} {
		t.Run(op, func(t *testing.T) {
			ix := newKeyIndex()
			r := newVercel(ix)
			f := newSpanFacts(ix)
			ts := newVercelSpan(op)
			f.load(ts.res, ts.scope, ts.span)
			require.False(t, r.recognise(f, &finding{}))
		})
	}
}

func TestVercelV3SpanWithoutOperationIDIsKnownByScopeAndName(t *testing.T) {
	ts := newTestSpan("ai.generateText.doGenerate")
	ts.scope.SetName("ai")
	a := ts.span.Attributes()
	a.PutStr("ai.model.id", "claude-3-5-sonnet-20240620")
	a.PutStr("ai.model.provider", "anthropic.messages")
	a.PutStr("ai.finishReason", "stop")
	a.PutInt("ai.usage.promptTokens", 20)
	a.PutInt("ai.usage.completionTokens", 5)

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, roleLLM, out.role)
	require.Equal(t, "claude-3-5-sonnet-20240620", out.patch.Model)
	require.Equal(t, "anthropic", out.patch.ProviderName)
	require.Equal(t, "stop", out.patch.FinishReasonRaw)
	require.Equal(t, "stop", out.patch.FinishReason)
	require.Equal(t, step.Int(20), out.patch.PromptTokens)
}

func TestVercelV6DetailKeysWinOverLegacyCacheKeys(t *testing.T) {
	ts := newVercelSpan("ai.streamText.doStream")
	a := ts.span.Attributes()
	a.PutInt("ai.usage.inputTokens", 9500)
	a.PutInt("ai.usage.inputTokenDetails.noCacheTokens", 1000)
	a.PutInt("ai.usage.inputTokenDetails.cacheReadTokens", 8000)
	a.PutInt("ai.usage.inputTokenDetails.cacheWriteTokens", 500)
	a.PutInt("ai.usage.cachedInputTokens", 7999)
	a.PutInt("ai.usage.outputTokens", 300)
	a.PutInt("ai.usage.outputTokenDetails.textTokens", 200)
	a.PutInt("ai.usage.outputTokenDetails.reasoningTokens", 100)
	a.PutInt("ai.usage.reasoningTokens", 99)
	a.PutInt("ai.usage.totalTokens", 9800)

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	p := out.patch
	require.Equal(t, step.Int(9500), p.PromptTokens, "v6 inputTokens already include the cache")
	require.Equal(t, step.Int(8000), p.CachedInputTokens)
	require.Equal(t, step.Int(500), p.CacheWriteTokens)
	require.Equal(t, step.Int(300), p.CompletionTokens)
	require.Equal(t, step.Int(100), p.ReasoningTokens)
	require.Equal(t, step.Int(9800), p.TotalTokens)
}

func TestVercelV6PromptIsTheSumOfItsBreakdownWhenTheTotalIsMissing(t *testing.T) {
	ts := newVercelSpan("ai.streamText.doStream")
	a := ts.span.Attributes()
	a.PutInt("ai.usage.inputTokenDetails.noCacheTokens", 1000)
	a.PutInt("ai.usage.inputTokenDetails.cacheReadTokens", 8000)
	a.PutInt("ai.usage.inputTokenDetails.cacheWriteTokens", 500)

	out, _ := recogniseOne(t, ts)
	require.Equal(t, step.Int(9500), out.patch.PromptTokens)
}

func TestVercelV5PromptTokensAreKeptAsRecorded(t *testing.T) {
	ts := newVercelSpan("ai.generateText.doGenerate")
	a := ts.span.Attributes()
	a.PutInt("ai.usage.promptTokens", 2000)
	a.PutInt("ai.usage.cachedInputTokens", 1500)

	out, _ := recogniseOne(t, ts)
	require.Equal(t, step.Int(2000), out.patch.PromptTokens, "cached tokens are never added on top")
	require.Equal(t, step.Int(1500), out.patch.CachedInputTokens)
}

func TestVercelHyphenatedFinishReasons(t *testing.T) {
	cases := []struct {
		raw, norm string
		status    step.Status
	}{
		{"tool-calls", "tool_call", step.StatusSuccess},
		{"content-filter", "content_filter", step.StatusSuccess},
		{"length", "length", step.StatusSuccess},
		{"other", "", step.StatusSuccess},
		{"unknown", "", step.StatusSuccess},
		{"error", "error", step.StatusFailed},
	}
	for _, c := range cases {
		t.Run(c.raw, func(t *testing.T) {
			ts := newVercelSpan("ai.generateText.doGenerate")
			ts.span.Attributes().PutStr("ai.response.finishReason", c.raw)
			out, _ := recogniseOne(t, ts)
			require.Equal(t, c.raw, out.patch.FinishReasonRaw)
			require.Equal(t, c.norm, out.patch.FinishReason)
			require.Equal(t, c.status, out.patch.Status)
			require.Equal(t, step.ProgressionFinished, out.patch.Progression)
		})
	}
}

func TestVercelFinishReasonsArrayIsTheFallback(t *testing.T) {
	ts := newVercelSpan("ai.generateText.doGenerate")
	ts.span.Attributes().PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr("content-filter")
	out, _ := recogniseOne(t, ts)
	require.Equal(t, "content-filter", out.patch.FinishReasonRaw)
	require.Equal(t, "content_filter", out.patch.FinishReason)
}

func TestVercelTokenCountsAsStringOrDouble(t *testing.T) {
	ts := newVercelSpan("ai.generateText.doGenerate")
	a := ts.span.Attributes()
	a.PutStr("ai.usage.inputTokens", "640")
	a.PutDouble("ai.usage.outputTokens", 32.0)
	a.PutStr("ai.usage.totalTokens", "672.0")

	out, _ := recogniseOne(t, ts)
	require.Empty(t, out.problems)
	require.Equal(t, step.Int(640), out.patch.PromptTokens)
	require.Equal(t, step.Int(32), out.patch.CompletionTokens)
	require.Equal(t, step.Int(672), out.patch.TotalTokens)
}

func TestVercelGarbageCountIsAProblemAndTheNextKeyIsTried(t *testing.T) {
	ts := newVercelSpan("ai.generateText.doGenerate")
	a := ts.span.Attributes()
	a.PutStr("ai.usage.inputTokens", "NaN")
	a.PutInt("gen_ai.usage.input_tokens", 640)
	a.PutEmptyMap("ai.usage.outputTokens")
	a.PutStr("ai.response.finishReason", "stop")

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Len(t, out.problems, 2)
	require.ErrorContains(t, out.problems[0], "ai.usage.inputTokens")
	require.ErrorContains(t, out.problems[1], "ai.usage.outputTokens")
	require.Equal(t, step.Int(640), out.patch.PromptTokens)
	require.Nil(t, out.patch.CompletionTokens)
	require.Equal(t, "stop", out.patch.FinishReason)
	require.Equal(t, "gpt-4o", out.patch.Model)
}

func TestVercelFailedCallWithoutResponseOnlyStarted(t *testing.T) {
	ts := newVercelSpan("ai.streamText.doStream")
	ts.span.Status().SetCode(ptrace.StatusCodeError)
	ts.span.Status().SetMessage("Overloaded")
	ev := ts.span.Events().AppendEmpty()
	ev.SetName("exception")
	ev.Attributes().PutStr("exception.type", "AI_APICallError")
	ev.Attributes().PutStr("exception.message", "Overloaded")

	out, _ := recogniseOne(t, ts)
	p := out.patch
	require.Equal(t, step.StatusFailed, p.Status)
	require.Equal(t, step.ProgressionStart, p.Progression)
	require.Equal(t, "AI_APICallError", p.ErrorType)
	require.Equal(t, &step.ErrorData{Message: "Overloaded"}, p.ErrorData)
	require.Equal(t, "gpt-4o", p.Model, "the request model survives")
}

func TestVercelTagsFromTelemetryMetadata(t *testing.T) {
	ts := newVercelSpan("ai.generateText")
	s := ts.span.Attributes().PutEmptySlice("ai.telemetry.metadata.tags")
	s.AppendEmpty().SetStr("prod")
	s.AppendEmpty().SetStr("eu")
	out, _ := recogniseOne(t, ts)
	require.Equal(t, []string{"prod", "eu"}, out.ctx.Tags)

	ts = newVercelSpan("ai.generateText")
	ts.span.Attributes().PutStr("ai.telemetry.metadata.tags", `["prod","eu"]`)
	out, _ = recogniseOne(t, ts)
	require.Equal(t, []string{"prod", "eu"}, out.ctx.Tags)
}

func TestVercelGenAIModeInvokeAgentIsContextAndItsUsageIsNeverAStep(t *testing.T) {
	ts := newGenAIModeSpan("invoke_agent gpt-4o", "invoke_agent", ptrace.SpanKindInternal)
	a := ts.span.Attributes()
	a.PutStr("gen_ai.agent.name", "weather-agent")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o")
	a.PutInt("gen_ai.usage.input_tokens", 1700)
	a.PutInt("gen_ai.usage.output_tokens", 90)
	a.PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr("stop")

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, "vercel", out.source)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, step.Step{}, out.patch)
	require.Equal(t, stepContext{
		AgentID: "weather-agent",
		RunID:   step.DeriveRunID(ts.span.TraceID(), ts.span.SpanID()),
	}, out.ctx)
}

func TestVercelGenAIModeAgentStepIsAWrapperNeverAStep(t *testing.T) {
	ts := newGenAIModeSpan("step 1", "agent_step", ptrace.SpanKindInternal)
	ts.span.Attributes().PutInt("gen_ai.usage.input_tokens", 900)

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, step.Step{}, out.patch)
	require.True(t, out.ctx.empty())
}

func TestVercelGenAIModeChatIsAStep(t *testing.T) {
	ts := newGenAIModeSpan("chat gpt-4o", "chat", ptrace.SpanKindClient)
	a := ts.span.Attributes()
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o")
	a.PutStr("gen_ai.response.model", "gpt-4o-2024-08-06")
	a.PutStr("gen_ai.response.id", "resp_1")
	a.PutInt("gen_ai.usage.input_tokens", 900)
	a.PutInt("gen_ai.usage.output_tokens", 40)
	a.PutInt("gen_ai.usage.cache_read.input_tokens", 512)
	a.PutInt("gen_ai.usage.cache_creation.input_tokens", 64)
	a.PutEmptySlice("gen_ai.response.finish_reasons").AppendEmpty().SetStr("tool-calls")

	out, ok := recogniseOne(t, ts)
	require.True(t, ok)
	require.Equal(t, "vercel", out.source)
	require.Equal(t, roleLLM, out.role)
	p := out.patch
	require.Equal(t, "gpt-4o-2024-08-06", p.Model)
	require.Equal(t, "openai", p.ProviderName)
	require.Equal(t, "resp_1", p.RequestID)
	require.Equal(t, step.Int(900), p.PromptTokens)
	require.Equal(t, step.Int(40), p.CompletionTokens)
	require.Equal(t, step.Int(512), p.CachedInputTokens)
	require.Equal(t, step.Int(64), p.CacheWriteTokens)
	require.Equal(t, "tool-calls", p.FinishReasonRaw)
	require.Equal(t, "tool_call", p.FinishReason)
	require.Equal(t, step.ProgressionFinished, p.Progression)
}

func TestVercelGenAIModeIsClaimedOnlyBySureSigns(t *testing.T) {
	cases := map[string]testSpan{
		"another scope": func() testSpan {
			ts := newGenAIModeSpan("chat gpt-4o", "chat", ptrace.SpanKindClient)
			ts.scope.SetName("opentelemetry.instrumentation.openai_v2")
			return ts
		}(),
		"chat that is not a client call": newGenAIModeSpan("chat gpt-4o", "chat", ptrace.SpanKindInternal),
		"agent_step of another shape":    newGenAIModeSpan("agent loop", "agent_step", ptrace.SpanKindInternal),
		"execute_tool":                   newGenAIModeSpan("execute_tool weather", "execute_tool", ptrace.SpanKindInternal),
	}
	for name, ts := range cases {
		t.Run(name, func(t *testing.T) {
			ix := newKeyIndex()
			r := newVercel(ix)
			f := newSpanFacts(ix)
			f.load(ts.res, ts.scope, ts.span)
			require.False(t, r.recognise(f, &finding{}))
		})
	}
}

func TestVercelForeignSpanCostsNoAllocation(t *testing.T) {
	ix := newKeyIndex()
	r := newVercel(ix)
	f := newSpanFacts(ix)
	ts := newOISpan("ChatCompletion", "LLM")
	ts.span.Attributes().PutInt("llm.token_count.prompt", 10)
	f.load(ts.res, ts.scope, ts.span)
	var out finding
	allocs := testing.AllocsPerRun(100, func() { r.recognise(f, &out) })
	require.Zero(t, allocs)
	require.False(t, r.recognise(f, &out))
}

func TestVercelV5BedrockInputGetsTheCacheFromProviderMetadata(t *testing.T) {
	ts := newVercelSpan("ai.generateText.doGenerate")
	a := ts.span.Attributes()
	a.PutStr("ai.model.provider", "amazon-bedrock")
	a.PutStr("ai.model.id", "us.anthropic.claude-3-7-sonnet-20250219-v1:0")
	a.PutInt("ai.usage.inputTokens", 12)
	a.PutInt("ai.usage.outputTokens", 30)
	a.PutInt("ai.usage.totalTokens", 42)
	a.PutInt("ai.usage.cachedInputTokens", 1500)
	a.PutStr("ai.response.providerMetadata", `{"bedrock":{"usage":{"cacheReadInputTokens":1500,"cacheWriteInputTokens":200}}}`)
	out := recogniseLLM(t, ts, "vercel")
	p := out.patch
	require.Equal(t, "aws.bedrock", p.ProviderName)
	require.Equal(t, int64(1712), *p.PromptTokens, "12 uncached + 1500 read + 200 written")
	require.Equal(t, int64(1742), *p.TotalTokens, "the total left the cache out too")
	require.Equal(t, int64(1500), *p.CachedInputTokens)
	require.Equal(t, int64(200), *p.CacheWriteTokens)
}

func TestVercelV5OpenAIInputIsKeptAsRecorded(t *testing.T) {
	ts := newVercelSpan("ai.generateText.doGenerate")
	a := ts.span.Attributes()
	a.PutInt("ai.usage.inputTokens", 800)
	a.PutInt("ai.usage.outputTokens", 48)
	a.PutInt("ai.usage.cachedInputTokens", 512)
	a.PutStr("ai.response.providerMetadata", `{"openai":{"cachedPromptTokens":512}}`)
	p := recogniseLLM(t, ts, "vercel").patch
	require.Equal(t, int64(800), *p.PromptTokens, "OpenAI's count includes the cache")
	require.Nil(t, p.CacheWriteTokens)
}

func TestVercelBrokenProviderMetadataIsAProblem(t *testing.T) {
	ts := newVercelSpan("ai.generateText.doGenerate")
	a := ts.span.Attributes()
	a.PutStr("ai.model.provider", "anthropic.messages")
	a.PutInt("ai.usage.inputTokens", 4)
	a.PutStr("ai.response.providerMetadata", `{"anthropic":`)
	out := recogniseLLM(t, ts, "vercel")
	require.Len(t, out.problems, 1)
	require.Equal(t, int64(4), *out.patch.PromptTokens)
}
