package stepprocessor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// What the Python libraries of conformance/python record, span by span
// (captured/<suite>.json), read by the recognisers.

func TestADK2GenerateContentReadsTheProviderResolvedFromTheModel(t *testing.T) {
	ts := newGenAISpan("generate_content gemini-2.5-flash", map[string]any{
		"gen_ai.operation.name": "generate_content", "gen_ai.request.model": "gemini-2.5-flash",
		"gen_ai.provider.name": "gcp.gemini", "gcp.vertex.agent.invocation_id": "e-1",
		"gen_ai.usage.input_tokens": 470, "gen_ai.usage.output_tokens": 86,
		"gen_ai.usage.cache_read.input_tokens": 113, "gen_ai.usage.reasoning.output_tokens": 29,
	})
	ts.scope.SetName("gcp.vertex.agent")
	ts.scope.SetVersion("2.13.0")
	p := recogniseLLM(t, ts, "adk").patch
	require.Equal(t, "gcp.gemini", p.ProviderName)
	require.Equal(t, int64(470), *p.PromptTokens)
	require.Equal(t, int64(86), *p.CompletionTokens, "ADK 2's output_tokens already holds the thoughts")
	require.Equal(t, int64(113), *p.CachedInputTokens)
	require.Equal(t, int64(29), *p.ReasoningTokens)
}

func TestADKFrameworkNameIsNeverTheProvider(t *testing.T) {
	for _, key := range []string{"gen_ai.system", "gen_ai.provider.name"} {
		ts := newGenAISpan("call_llm", map[string]any{
			"gen_ai.request.model": "my-model", key: "gcp.vertex.agent", "gen_ai.usage.input_tokens": 5,
		})
		ts.scope.SetName("gcp.vertex.agent")
		require.Empty(t, recogniseLLM(t, ts, "adk").patch.ProviderName, key)
	}
}

// strandsBedrockCall is a Strands chat span of a Bedrock model with the
// given input and total counts, 62 output, 177 cache reads, 67 writes.
func strandsBedrockCall(input int64, total any) testSpan {
	a := map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.system": "strands-agents",
		"gen_ai.request.model":      "us.anthropic.claude-sonnet-4-20250514-v1:0",
		"gen_ai.usage.input_tokens": input, "gen_ai.usage.output_tokens": 62,
		"gen_ai.usage.cache_read_input_tokens": 177, "gen_ai.usage.cache_write_input_tokens": 67,
	}
	if total != nil {
		a["gen_ai.usage.total_tokens"] = total
	}
	ts := newGenAISpan("chat", a)
	ts.scope.SetName("strands.telemetry.tracer")
	return ts
}

func TestStrandsBedrockInputThatAlreadyHoldsTheCacheIsKept(t *testing.T) {
	// Strands 1.62: input_tokens = inputTokens + cache when inputTokens +
	// outputTokens is not totalTokens, so input + output = total.
	p := recogniseLLM(t, strandsBedrockCall(351, 413), "strands").patch
	require.Equal(t, int64(351), *p.PromptTokens)
	require.Equal(t, int64(413), *p.TotalTokens)
}

func TestStrandsBedrockInputWithoutTheCacheGetsIt(t *testing.T) {
	// Older Strands: Converse's inputTokens as it came, total counting the cache.
	p := recogniseLLM(t, strandsBedrockCall(107, 413), "strands").patch
	require.Equal(t, int64(351), *p.PromptTokens)
	require.Equal(t, int64(413), *p.TotalTokens)
	// No total to tell: Converse's inputTokens leaves the cache out.
	p = recogniseLLM(t, strandsBedrockCall(107, nil), "strands").patch
	require.Equal(t, int64(351), *p.PromptTokens)
}

// langsmithSpan is a LangSmith OTel-mode span of the Python SDK.
func langsmithSpan(name, runType string, attrs map[string]any) testSpan {
	attrs["langsmith.span.kind"] = runType
	ts := newGenAISpan(name, attrs)
	ts.scope.SetName("langsmith")
	return ts
}

func TestLangSmithPythonFinishReasonAndUsageFromTheirJSON(t *testing.T) {
	ts := langsmithSpan("ChatOpenAI", "llm", map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini",
		"gen_ai.usage.input_tokens": 330, "gen_ai.usage.output_tokens": 43, "gen_ai.usage.total_tokens": 373,
		"langsmith.metadata.usage_metadata": `{"input_tokens":330,"input_token_details":{"audio":0,"cache_read":77},"output_token_details":{"reasoning":21}}`,
		"gen_ai.completion":                 `{"generations":[[{"text":"","generation_info":{"finish_reason":"tool_calls"}}]],"llm_output":null}`,
	})
	out := recogniseLLM(t, ts, "langsmith")
	require.Empty(t, out.problems)
	p := out.patch
	require.Equal(t, "tool_calls", p.FinishReasonRaw)
	require.Equal(t, "tool_call", p.FinishReason)
	require.Equal(t, int64(77), *p.CachedInputTokens)
	require.Equal(t, int64(21), *p.ReasoningTokens)
}

func TestLangSmithStreamedFinishReasonIsInTheMessageMetadata(t *testing.T) {
	ts := langsmithSpan("ChatOpenAI", "llm", map[string]any{
		"gen_ai.request.model": "gpt-4o-mini",
		"gen_ai.completion": `{"generations":[[{"text":"","message":{"lc":1,"kwargs":` +
			`{"response_metadata":{"finish_reason":"stop","model_name":"gpt-4o-mini-2025-01-01"}}}}]]}`,
	})
	p := recogniseLLM(t, ts, "langsmith").patch
	require.Equal(t, "stop", p.FinishReasonRaw)
	require.Equal(t, "stop", p.FinishReason)
}

func TestLangSmithCompletionJSON(t *testing.T) {
	t.Run("broken JSON is a problem and the counts survive", func(t *testing.T) {
		out := recogniseLLM(t, langsmithSpan("ChatOpenAI", "llm", map[string]any{
			"gen_ai.usage.input_tokens": 3, "gen_ai.completion": `{"generations":[[`,
		}), "langsmith")
		require.Len(t, out.problems, 1)
		require.ErrorContains(t, out.problems[0], "gen_ai.completion")
		require.Equal(t, int64(3), *out.patch.PromptTokens)
	})
	t.Run("other outputs than an LLMResult give no reason and no problem", func(t *testing.T) {
		out := recogniseLLM(t, langsmithSpan("ChatOpenAI", "llm", map[string]any{
			"gen_ai.usage.input_tokens": 3, "gen_ai.completion": `{"generations":"none","output":{}}`,
		}), "langsmith")
		require.Empty(t, out.problems)
		require.Empty(t, out.patch.FinishReasonRaw)
	})
}

func TestLangSmithLangGraphRootIsTheRunAndItsNodesAreNot(t *testing.T) {
	root := langsmithSpan("weather-agent", "chain", map[string]any{
		"langsmith.metadata.ls_integration": "langgraph", "langsmith.metadata.thread_id": "t-1",
	})
	out, ok := recogniseOne(t, root)
	require.True(t, ok)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, step.DeriveRunID(root.span.TraceID(), root.span.SpanID()), out.ctx.RunID)
	require.Equal(t, "t-1", out.ctx.ConversationID)

	node := langsmithSpan("agent", "chain", map[string]any{
		"langsmith.metadata.ls_integration": "langgraph", "langsmith.metadata.langgraph_node": "agent",
	})
	out, _ = recogniseOne(t, node)
	require.Empty(t, out.ctx.RunID, "a node is a step of the graph's run")

	traceable := langsmithSpan("agent", "chain", map[string]any{})
	out, _ = recogniseOne(t, traceable)
	require.Empty(t, out.ctx.RunID, "a chain is no agent invocation")
}

func TestOpenInferenceLangGraphNodeIsNoRunButTheGraphIs(t *testing.T) {
	node := newOISpan("agent", "AGENT")
	node.span.Attributes().PutStr("metadata", `{"thread_id":"t-1","ls_integration":"langgraph","langgraph_node":"agent","langgraph_step":1}`)
	out, ok := recogniseOne(t, node)
	require.True(t, ok)
	require.Empty(t, out.ctx.RunID)
	require.Equal(t, "t-1", out.ctx.ConversationID)

	graph := newOISpan("weather-agent", "AGENT")
	graph.span.Attributes().PutStr("metadata", `{"thread_id":"t-1","ls_integration":"langgraph"}`)
	out, _ = recogniseOne(t, graph)
	require.NotEmpty(t, out.ctx.RunID)
}

func TestOpenInferenceLLMSpanThatSentNothingIsNoStep(t *testing.T) {
	// LlamaIndex's OpenAI._prepare_chat_with_tools.
	prep := newOISpan("OpenAI._prepare_chat_with_tools", "LLM")
	a := prep.span.Attributes()
	a.PutStr("llm.model_name", "gpt-4o-mini")
	a.PutStr("llm.provider", "openai")
	a.PutStr("input.value", `{"tools": ["<FunctionTool object>"], "user_msg": null}`)
	a.PutStr("output.value", `{"messages": [], "tools": []}`)
	out, ok := recogniseOne(t, prep)
	require.True(t, ok)
	require.Equal(t, roleContext, out.role)
	require.Equal(t, step.Step{}, out.patch)

	// The same span with any sign of a request is a call.
	for name, add := range map[string]func(testSpan){
		"input message":  func(s testSpan) { s.span.Attributes().PutStr("llm.input_messages.0.message.role", "user") },
		"output message": func(s testSpan) { s.span.Attributes().PutStr("llm.output_messages.0.message.role", "assistant") },
		"count":          func(s testSpan) { s.span.Attributes().PutInt("llm.token_count.prompt", 9) },
		"finish reason":  func(s testSpan) { s.span.Attributes().PutStr("llm.finish_reason", "stop") },
		"failure":        func(s testSpan) { s.span.Status().SetCode(ptrace.StatusCodeError) },
	} {
		s := newOISpan("OpenAI.achat", "LLM")
		a.CopyTo(s.span.Attributes())
		add(s)
		out, _ := recogniseOne(t, s)
		require.Equal(t, roleLLM, out.role, name)
	}

	// Content hidden (OPENINFERENCE_HIDE_INPUTS/OUTPUTS): nothing tells, so
	// it stays a call.
	bare := newOISpan("OpenAI.achat", "LLM")
	bare.span.Attributes().PutStr("llm.model_name", "gpt-4o-mini")
	out, _ = recogniseOne(t, bare)
	require.Equal(t, roleLLM, out.role)
}

// openlitChat is OpenLIT 1.45.0's span of a blocking chat.completions call
// (captured/openlit.json, call 1), with the given cache counts.
func openlitChat(cacheRead, cacheCreation int64) testSpan {
	ts := newGenAISpan("chat gpt-4o-mini", map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
		"gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini-2025-01-01",
		"gen_ai.response.id": "chatcmpl-fake1", "gen_ai.response.finish_reasons": []any{"tool_calls"},
		"gen_ai.usage.input_tokens": 210, "gen_ai.usage.output_tokens": 31, "gen_ai.client.token.usage": 241,
		"gen_ai.usage.cache_read.input_tokens": cacheRead, "gen_ai.usage.cache_creation.input_tokens": cacheCreation,
		"gen_ai.usage.cost": 0, "telemetry.sdk.name": "openlit", "server.address": "127.0.0.1", "server.port": 39439,
	})
	ts.scope.SetName("openlit.instrumentation.openai")
	return ts
}

func TestOpenLITZeroCacheCountsAreNoCounts(t *testing.T) {
	// OpenLIT writes both cache keys on every call, 0 when the API sent
	// none; OpenAI sends no cache writes.
	p := recogniseLLM(t, openlitChat(65, 0), "genai").patch
	require.Equal(t, int64(65), *p.CachedInputTokens)
	require.Nil(t, p.CacheWriteTokens)
	require.Equal(t, int64(210), *p.PromptTokens)
	require.Equal(t, int64(31), *p.CompletionTokens)
	require.Equal(t, "tool_call", p.FinishReason)

	p = recogniseLLM(t, openlitChat(0, 0), "genai").patch
	require.Nil(t, p.CachedInputTokens)
	require.Nil(t, p.CacheWriteTokens)

	// A count above zero is one.
	p = recogniseLLM(t, openlitChat(0, 40), "genai").patch
	require.Equal(t, int64(40), *p.CacheWriteTokens)

	// Another GenAI emitter's 0 is its count.
	other := openlitChat(0, 0)
	other.scope.SetName("opentelemetry.instrumentation.openai_v2")
	p = recogniseLLM(t, other, "genai").patch
	require.Equal(t, int64(0), *p.CachedInputTokens)
	require.Equal(t, int64(0), *p.CacheWriteTokens)
}

// OpenLIT 1.45.0's Anthropic span (instrumentation/anthropic/utils.py):
// gen_ai.usage.input_tokens is Anthropic's own input_tokens, without the
// cache, and the cache counts stand beside it; no total key. The step's
// prompt is all three. Its OpenAI span's input already holds the cache.
func TestOpenLITAnthropicInputGetsTheCache(t *testing.T) {
	ts := newGenAISpan("chat claude-sonnet-4-5", map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.system": "anthropic", "gen_ai.provider.name": "anthropic",
		"gen_ai.request.model": "claude-sonnet-4-5", "gen_ai.response.model": "claude-sonnet-4-5-20250929",
		"gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 80, "gen_ai.client.token.usage": 1280,
		"gen_ai.usage.cache_read.input_tokens": 300, "gen_ai.usage.cache_creation.input_tokens": 0,
		"gen_ai.usage.cost": 0,
	})
	ts.scope.SetName("openlit.instrumentation.anthropic")
	p := recogniseLLM(t, ts, "genai").patch
	require.Equal(t, int64(1500), *p.PromptTokens)
	require.Equal(t, int64(300), *p.CachedInputTokens)
	require.Nil(t, p.CacheWriteTokens)
	require.Equal(t, int64(80), *p.CompletionTokens)

	p = recogniseLLM(t, openlitChat(65, 0), "genai").patch
	require.Equal(t, int64(210), *p.PromptTokens)
}

// logfireOpenAISpan is a span of logfire.instrument_openai (logfire 5.4.0,
// scope logfire.openai) with the keys it writes on every call.
func logfireOpenAISpan(name string, attrs map[string]any) testSpan {
	base := map[string]any{
		"request_data": `{"model":"gpt-4o-mini"}`, "gen_ai.system": "openai", "gen_ai.provider.name": "openai",
		"gen_ai.request.model": "gpt-4o-mini", "gen_ai.operation.name": "chat", "async": false,
		"logfire.msg_template": "Chat Completion with {request_data[model]!r}", "logfire.msg": "Chat Completion with 'gpt-4o-mini'",
		"logfire.span_type": "span", "logfire.tags": []any{"LLM"},
		// Copied from the request model by Logfire's span processor.
		"gen_ai.response.model": "gpt-4o-mini",
	}
	for k, v := range attrs {
		base[k] = v
	}
	ts := newGenAISpan(name, base)
	ts.scope.SetName("logfire.openai")
	return ts
}

// logfireStreamLog is the log Logfire writes beside a streamed call's
// span when the stream ends: the call's response and counts.
func logfireStreamLog() testSpan {
	return logfireOpenAISpan("streaming response from {request_data[model]!r} took {duration:.2f}s", map[string]any{
		"logfire.span_type": "log", "logfire.level_num": 9, "duration": 0.010371861,
		"logfire.msg_template": "streaming response from {request_data[model]!r} took {duration:.2f}s",
		"logfire.msg":          "streaming response from 'gpt-4o-mini' took 0.01s",
		"gen_ai.response.id":   "chatcmpl-fake3", "gen_ai.response.model": "gpt-4o-mini-2025-01-01",
		"gen_ai.response.finish_reasons": `["tool_calls"]`,
		"gen_ai.usage.input_tokens":      "230", "gen_ai.usage.output_tokens": "33",
		"gen_ai.usage.cache_read.input_tokens": "67",
		"gen_ai.usage.raw":                     `{"completion_tokens":33,"prompt_tokens":230,"total_tokens":263,"completion_tokens_details":{"audio_tokens":0,"reasoning_tokens":11},"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":67}}`,
	})
}

func TestLogfireStreamedCallIsOneStepOnItsResponseLog(t *testing.T) {
	// The "Chat Completion" span of a stream ends with the request only.
	out, ok := recogniseOne(t, logfireOpenAISpan("Chat Completion with {request_data[model]!r}", nil))
	require.True(t, ok)
	require.Equal(t, "pydanticai", out.source)
	require.Equal(t, roleContext, out.role, "the request half of a stream is no step")

	p := recogniseLLM(t, logfireStreamLog(), "pydanticai").patch
	require.Equal(t, "gpt-4o-mini-2025-01-01", p.Model)
	require.Equal(t, "chatcmpl-fake3", p.RequestID)
	require.Equal(t, int64(230), *p.PromptTokens)
	require.Equal(t, int64(33), *p.CompletionTokens)
	require.Equal(t, int64(67), *p.CachedInputTokens)
	require.Equal(t, int64(11), *p.ReasoningTokens, "from gen_ai.usage.raw, the only place Logfire keeps it")
	require.Equal(t, "tool_call", p.FinishReason)
}

func TestLogfireBlockingCallAndFailedStreamStayCalls(t *testing.T) {
	p := recogniseLLM(t, logfireOpenAISpan("Chat Completion with {request_data[model]!r}", map[string]any{
		"gen_ai.response.model": "gpt-4o-mini-2025-01-01", "gen_ai.response.id": "chatcmpl-fake1",
		"gen_ai.usage.input_tokens": "210", "gen_ai.usage.output_tokens": "31",
		"gen_ai.response.finish_reasons": `["tool_calls"]`,
	}), "pydanticai").patch
	require.Equal(t, "chatcmpl-fake1", p.RequestID)

	// A request that failed before any stream has no response either.
	ts := logfireOpenAISpan("Chat Completion with {request_data[model]!r}", map[string]any{"error.type": "APIConnectionError"})
	ts.span.Status().SetCode(ptrace.StatusCodeError)
	require.Equal(t, step.StatusFailed, recogniseLLM(t, ts, "pydanticai").patch.Status)
}

// logfireStreamedCall is a streamed call under invoke_agent as Logfire
// traces it: the request span, then the response log beside it.
func logfireStreamedCall() ptrace.Traces {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	ss.Scope().SetName("logfire.openai")
	trace := pcommon.TraceID{7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	const t0 = 1767225600000000000
	agent := td.ResourceSpans().At(0).ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	agent.SetName("invoke_agent weather-agent")
	agent.SetTraceID(trace)
	agent.SetSpanID(pcommon.SpanID{0xa})
	agent.SetStartTimestamp(t0 - 1e6)
	agent.SetEndTimestamp(t0 + 40e6)
	agent.Attributes().PutStr("gen_ai.operation.name", "invoke_agent")
	for i, ts := range []testSpan{logfireOpenAISpan("Chat Completion with {request_data[model]!r}", nil), logfireStreamLog()} {
		sp := ss.Spans().AppendEmpty()
		ts.span.CopyTo(sp)
		sp.SetTraceID(trace)
		sp.SetSpanID(pcommon.SpanID{0xc, byte(i)})
		sp.SetParentSpanID(pcommon.SpanID{0xa})
	}
	// The log is written when the stream ends, after the request span.
	ss.Spans().At(0).SetStartTimestamp(t0)
	ss.Spans().At(0).SetEndTimestamp(t0 + 6e6)
	ss.Spans().At(1).SetStartTimestamp(t0 + 37e6)
	ss.Spans().At(1).SetEndTimestamp(t0 + 37e6)
	return td
}

func TestLogfireStreamedCallGivesOneStep(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Hour} {
		require.Equal(t, []string{pcommon.SpanID{0xc, 1}.String()}, stepsOf(t, logfireStreamedCall(), wait), "wait %v", wait)
	}
}

// semanticKernelChat is a model-call span of Semantic Kernel 1.45 (Python,
// SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS) with the keys
// of captured/semantic-kernel.json.
func semanticKernelChat(finish string) testSpan {
	ts := newGenAISpan("chat gpt-4o-mini", map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini",
		"server.address": "http://127.0.0.1:41631/v1/", "gen_ai.response.id": "chatcmpl-fake5",
		"gen_ai.response.finish_reason": finish,
		"gen_ai.usage.input_tokens":     250, "gen_ai.usage.output_tokens": 35,
	})
	ts.scope.SetName("semantic_kernel.utils.telemetry.model_diagnostics.decorators")
	return ts
}

func TestSemanticKernelChatIsGenAIWithItsEnumFinishReason(t *testing.T) {
	// gen_ai.response.finish_reason is among OpenLLMetry's own keys, but
	// Semantic Kernel writes it too: its span is a plain GenAI one.
	p := recogniseLLM(t, semanticKernelChat("FinishReason.TOOL_CALLS"), "genai").patch
	require.Equal(t, "openai", p.ProviderName)
	require.Equal(t, "gpt-4o-mini", p.Model)
	require.Equal(t, int64(250), *p.PromptTokens)
	require.Equal(t, int64(35), *p.CompletionTokens)
	require.Equal(t, "FinishReason.TOOL_CALLS", p.FinishReasonRaw)
	require.Equal(t, "tool_call", p.FinishReason)
	// Two choices: their reasons joined by commas; the first is read.
	p = recogniseLLM(t, semanticKernelChat("FinishReason.STOP,FinishReason.LENGTH"), "genai").patch
	require.Equal(t, "stop", p.FinishReason)
}

// litellmRequestSpan is litellm 1.110.2's litellm_request span
// (captured/litellm-otel.json, the first call) with the given usage object.
func litellmRequestSpan(usage any) testSpan {
	a := map[string]any{
		"llm.request.type": "completion", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini",
		"gen_ai.usage.input_tokens": 250, "gen_ai.usage.output_tokens": 35, "gen_ai.usage.total_tokens": 285,
	}
	if usage != nil {
		a["metadata.usage_object"] = usage
	}
	ts := newGenAISpan("litellm_request", a)
	ts.scope.SetName("litellm")
	return ts
}

// TestLiteLLMUsageObjectGivesTheCacheAndReasoning: the counts under the
// usage object's details are the step's; the span's own keys keep theirs.
func TestLiteLLMUsageObjectGivesTheCacheAndReasoning(t *testing.T) {
	f := recogniseLLM(t, litellmRequestSpan("{'completion_tokens': 35, 'prompt_tokens': 250, 'total_tokens': 285, "+
		"'completion_tokens_details': {'audio_tokens': 0, 'reasoning_tokens': 13}, "+
		"'prompt_tokens_details': {'audio_tokens': 0, 'cached_tokens': 69, 'cache_write_tokens': 12}}"), "openllmetry")
	require.Empty(t, f.problems)
	p := f.patch
	require.Equal(t, int64(250), *p.PromptTokens)
	require.Equal(t, int64(35), *p.CompletionTokens)
	require.Equal(t, int64(285), *p.TotalTokens)
	require.Equal(t, int64(69), *p.CachedInputTokens)
	require.Equal(t, int64(12), *p.CacheWriteTokens)
	require.Equal(t, int64(13), *p.ReasoningTokens)

	// A stream's object: details of None, and the cost beside them.
	f = recogniseLLM(t, litellmRequestSpan("{'completion_tokens': 35, 'prompt_tokens': 250, 'total_tokens': 285, "+
		"'completion_tokens_details': {'accepted_prediction_tokens': None, 'reasoning_tokens': 15, 'text_tokens': None}, "+
		"'prompt_tokens_details': {'cached_tokens': 71, 'image_tokens': None}, 'cost': 5.7e-05}"), "openllmetry")
	require.Empty(t, f.problems)
	require.Equal(t, int64(71), *f.patch.CachedInputTokens)
	require.Equal(t, int64(15), *f.patch.ReasoningTokens)
	require.Nil(t, f.patch.CacheWriteTokens)

	// No object: the span's keys alone, and no details.
	f = recogniseLLM(t, litellmRequestSpan(nil), "openllmetry")
	require.Equal(t, int64(250), *f.patch.PromptTokens)
	require.Nil(t, f.patch.CachedInputTokens)
	require.Nil(t, f.patch.ReasoningTokens)
}

// TestLiteLLMUsageObjectThatIsNoUsage: a value that is no usage repr, or a
// count that is no count, is reported; the span's own counts stand.
func TestLiteLLMUsageObjectThatIsNoUsage(t *testing.T) {
	for name, usage := range map[string]any{
		"not a repr":     "{'prompt_tokens': ",
		"a list":         "[1, 2]",
		"not text":       42,
		"negative count": "{'prompt_tokens_details': {'cached_tokens': -1}, 'completion_tokens_details': {'reasoning_tokens': 7}}",
	} {
		f := recogniseLLM(t, litellmRequestSpan(usage), "openllmetry")
		require.Len(t, f.problems, 1, name)
		require.Contains(t, f.problems[0].Error(), "metadata.usage_object", name)
		require.Equal(t, int64(250), *f.patch.PromptTokens, name)
		require.Nil(t, f.patch.CachedInputTokens, name)
		if name == "negative count" {
			require.Equal(t, int64(7), *f.patch.ReasoningTokens, "the good count is still read")
		}
	}
}

// TestLogfireRawUsageIsBelievedOnlyForThisCall: gen_ai.usage.raw fills
// what the keys left out only when its input count is the span's; a
// value that is no JSON object changes nothing and is no problem.
func TestLogfireRawUsageIsBelievedOnlyForThisCall(t *testing.T) {
	raw := func(v any) testSpan {
		ts := logfireStreamLog()
		ts.span.Attributes().Remove("gen_ai.usage.raw")
		if v != nil {
			require.NoError(t, ts.span.Attributes().PutEmpty("gen_ai.usage.raw").FromRaw(v))
		}
		return ts
	}
	for name, c := range map[string]struct {
		raw       any
		reasoning *int64
	}{
		"Responses shape":       {raw: `{"input_tokens": 230, "output_tokens": 33, "output_tokens_details": {"reasoning_tokens": 7}}`, reasoning: step.Int(7)},
		"another call's usage":  {raw: `{"prompt_tokens": 999, "completion_tokens_details": {"reasoning_tokens": 7}}`},
		"Anthropic's, no parts": {raw: `{"input_tokens": 230, "output_tokens": 33, "cache_read_input_tokens": 67}`},
		"not JSON":              {raw: `CompletionUsage(prompt_tokens=230)`},
		"broken JSON":           {raw: `{"prompt_tokens": 230, "completion_tokens_details": {`},
		"a fraction":            {raw: `{"prompt_tokens": 230, "completion_tokens_details": {"reasoning_tokens": 1.5}}`},
		"not text":              {raw: 230},
		"absent":                {},
	} {
		f := recogniseLLM(t, raw(c.raw), "pydanticai")
		require.Empty(t, f.problems, name)
		require.Equal(t, c.reasoning, f.patch.ReasoningTokens, name)
		require.Equal(t, int64(67), *f.patch.CachedInputTokens, "%s: the span's own key", name)
	}
}
