package stepprocessor

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

const (
	testStepID  = "step-6f1f1c2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"
	testActor   = "User(id='user-00000000-0000-4000-8000-000000000000', organization_id='org-00000000-0000-4000-8000-000000000000', name='default user', created_at=datetime.datetime(2026, 1, 1, 0, 0, tzinfo=TzInfo(UTC)), is_deleted=False)"
	testTraceID = "0a0102030405060708090a0b0c0d0e0f"
)

// lettaSpan makes a span as Letta's tracer writes it: scope
// letta.otel.tracing, every parameter a string.
func lettaSpan(name string, params map[string]string) testSpan {
	ts := newTestSpan(name)
	ts.scope.SetName("letta.otel.tracing")
	ts.res.Attributes().PutStr("service.name", "letta-server")
	for k, v := range params {
		ts.span.Attributes().PutStr(k, v)
	}
	return ts
}

func recogniseLetta(t *testing.T, ts testSpan) finding {
	t.Helper()
	out, ok := recogniseOne(t, ts)
	require.True(t, ok, "span %q not claimed", ts.span.Name())
	require.Equal(t, "letta", out.source)
	return out
}

func TestLettaStatusFromEachSpanKind(t *testing.T) {
	for name, tc := range map[string]struct {
		params map[string]string
		status step.Status
		prog   step.Progression
	}{
		"StepManager.log_step_async": {
			map[string]string{"parameter.status": "StepStatus.PENDING"}, step.StatusPending, step.ProgressionStepLogged},
		"StepManager.update_step_success_async": {nil, step.StatusSuccess, step.ProgressionFinished},
		"StepManager.update_step_error_async":   {nil, step.StatusFailed, step.ProgressionFinished},
		"StepManager.update_step_cancelled_async": {
			map[string]string{"parameter.stop_reason": "StopReasonType.cancelled"}, step.StatusCancelled, step.ProgressionFinished},
		"StepManager.update_step_stop_reason": {
			map[string]string{"parameter.stop_reason": "StopReasonType.end_turn"}, "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			params := map[string]string{"parameter.step_id": testStepID, "parameter.actor": testActor}
			for k, v := range tc.params {
				params[k] = v
			}
			out := recogniseLetta(t, lettaSpan(name, params))
			require.Equal(t, roleLettaPart, out.role)
			require.Empty(t, out.problems)
			require.Equal(t, testStepID, out.patch.ID)
			require.Equal(t, tc.status, out.patch.Status)
			require.Equal(t, tc.prog, out.patch.Progression)
			require.Equal(t, testTraceID, out.patch.TraceID)
		})
	}
}

func TestLettaLogStepAsyncAnchorsTheStep(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("StepManager.log_step_async", map[string]string{
		"parameter.step_id": testStepID, "parameter.status": "StepStatus.PENDING",
		"parameter.agent_id": "agent-1", "parameter.run_id": "run-1", "parameter.provider_name": "openai",
		"parameter.model": "gpt-4o-mini", "parameter.model_endpoint": "https://api.openai.com/v1",
		"parameter.model_handle": "openai/gpt-4o-mini", "parameter.context_window_limit": "128000",
		"parameter.usage": "UsageStatistics(completion_tokens=0, prompt_tokens=0, total_tokens=0)",
	}))
	require.True(t, out.lettaAnchor)
	p := out.patch
	require.Equal(t, "0b01020304050607", p.SpanID)
	require.Equal(t, step.Time(1767225600000000000), p.StartTime)
	require.Equal(t, step.Time(1767225601500000000), p.EndTime)
	require.Equal(t, "letta-server", p.ServiceName)
	require.Equal(t, "agent-1", p.AgentID)
	require.Equal(t, "run-1", p.RunID)
	require.Equal(t, "openai", p.ProviderName)
	require.Equal(t, "gpt-4o-mini", p.Model)
	require.Equal(t, "https://api.openai.com/v1", p.ModelEndpoint)
	require.Equal(t, "openai/gpt-4o-mini", p.ModelHandle)
	require.Equal(t, step.Int(128000), p.ContextWindowLimit)
	require.Equal(t, step.Int(0), p.PromptTokens)
}

func TestLettaOnlyTheLogSpanSetsSpanID(t *testing.T) {
	for _, name := range []string{"agent_step", "StepManager.update_step_success_async", "StepManager.update_step_error_async"} {
		key := "parameter.step_id"
		if name == "agent_step" {
			key = "step_id"
		}
		out := recogniseLetta(t, lettaSpan(name, map[string]string{key: testStepID}))
		require.Empty(t, out.patch.SpanID, name)
		require.False(t, out.lettaAnchor, name)
	}
}

func TestLettaAgentStepGivesStartAndTimes(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("agent_step", map[string]string{"step_id": testStepID}))
	require.Equal(t, roleLettaPart, out.role)
	require.Equal(t, testStepID, out.patch.ID)
	require.Equal(t, step.ProgressionStart, out.patch.Progression)
	require.Empty(t, out.patch.Status, "agent_step says nothing of the status")
	require.Equal(t, step.Time(1767225600000000000), out.patch.StartTime)
}

func TestLettaSuccessUsageWithCacheAndReasoningDetails(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("StepManager.update_step_success_async", map[string]string{
		"parameter.step_id": testStepID,
		"parameter.usage": "UsageStatistics(completion_tokens=50, prompt_tokens=1200, total_tokens=1250, " +
			"prompt_tokens_details=UsageStatisticsPromptTokenDetails(cached_tokens=None, cache_read_tokens=1000, cache_creation_tokens=150), " +
			"completion_tokens_details=UsageStatisticsCompletionTokenDetails(reasoning_tokens=20))",
		"parameter.stop_reason": "None",
	}))
	require.Empty(t, out.problems)
	p := out.patch
	require.Equal(t, step.Int(1200), p.PromptTokens)
	require.Equal(t, step.Int(50), p.CompletionTokens)
	require.Equal(t, step.Int(1250), p.TotalTokens)
	require.Equal(t, step.Int(1000), p.CachedInputTokens)
	require.Equal(t, step.Int(150), p.CacheWriteTokens)
	require.Equal(t, step.Int(20), p.ReasoningTokens)
	require.Empty(t, p.StopReason, "no stop reason on a step that continues the loop")
	require.Empty(t, p.StartTime, "times come from agent_step and the log span")
}

func TestLettaZeroCacheCountsStayUnset(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("StepManager.update_step_success_async", map[string]string{
		"parameter.step_id": testStepID,
		"parameter.usage": "UsageStatistics(completion_tokens=5, prompt_tokens=7, total_tokens=12, " +
			"prompt_tokens_details=UsageStatisticsPromptTokenDetails(cached_tokens=0, cache_read_tokens=0, cache_creation_tokens=0), " +
			"completion_tokens_details=None)",
	}))
	require.Nil(t, out.patch.CachedInputTokens)
	require.Nil(t, out.patch.CacheWriteTokens)
	require.Nil(t, out.patch.ReasoningTokens)
}

func TestLettaNoneValuesLeftUnset(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("StepManager.log_step_async", map[string]string{
		"parameter.step_id": testStepID, "parameter.provider_id": "None", "parameter.project_id": "None",
		"parameter.stop_reason": "None", "parameter.error_type": "None", "parameter.error_data": "None",
		"parameter.model_handle": "None", "parameter.run_id": "run-1",
	}))
	require.Empty(t, out.problems)
	p := out.patch
	require.Empty(t, p.ProviderID)
	require.Empty(t, p.ProjectID)
	require.Empty(t, p.StopReason)
	require.Empty(t, p.ErrorType)
	require.Nil(t, p.ErrorData)
	require.Empty(t, p.ModelHandle)
	require.Equal(t, "run-1", p.RunID)
}

func TestLettaEnumStringsKeepLettaVocabulary(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("StepManager.log_step_async", map[string]string{
		"parameter.step_id": testStepID, "parameter.provider_category": "ProviderCategory.byok",
		"parameter.status": "StepStatus.PENDING",
	}))
	require.Equal(t, "byok", out.patch.ProviderCategory)
	require.Equal(t, step.StatusPending, out.patch.Status)

	out = recogniseLetta(t, lettaSpan("StepManager.update_step_resolved_model_async", map[string]string{
		"parameter.step_id": testStepID, "parameter.provider_category": "base",
	}))
	require.Equal(t, "base", out.patch.ProviderCategory)

	out = recogniseLetta(t, lettaSpan("StepManager.update_step_stop_reason", map[string]string{
		"parameter.step_id": testStepID, "parameter.stop_reason": "StopReasonType.end_turn",
	}))
	require.Equal(t, "end_turn", out.patch.StopReason)

	out = recogniseLetta(t, lettaSpan("StepManager.update_step_success_async", map[string]string{
		"parameter.step_id":     testStepID,
		"parameter.stop_reason": "LettaStopReason(message_type='stop_reason', stop_reason=<StopReasonType.max_steps: 'max_steps'>)",
	}))
	require.Equal(t, "max_steps", out.patch.StopReason)
}

func TestLettaOrganizationAndUserFromActor(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("StepManager.log_step_async", map[string]string{
		"parameter.step_id": testStepID, "parameter.actor": testActor,
	}))
	require.Empty(t, out.problems)
	require.Equal(t, "org-00000000-0000-4000-8000-000000000000", out.patch.OrganizationID)
	require.Equal(t, "user-00000000-0000-4000-8000-000000000000", out.patch.UserID)
}

func TestLettaErrorDataFromErrorUpdate(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("StepManager.update_step_error_async", map[string]string{
		"parameter.step_id":         testStepID,
		"parameter.error_type":      "RateLimitError",
		"parameter.error_message":   "Error code: 429 - rate limited",
		"parameter.error_traceback": "Traceback (most recent call last):\n  File \"x.py\", line 1\nRateLimitError: 429\n",
		"parameter.error_details":   "{'status_code': 429, 'provider': 'openai', 'retryable': True}",
		"parameter.stop_reason":     "LettaStopReason(message_type='stop_reason', stop_reason=<StopReasonType.llm_api_error: 'llm_api_error'>)",
	}))
	require.Empty(t, out.problems)
	p := out.patch
	require.Equal(t, step.StatusFailed, p.Status)
	require.Equal(t, "RateLimitError", p.ErrorType)
	require.NotNil(t, p.ErrorData)
	require.Equal(t, "Error code: 429 - rate limited", p.ErrorData.Message)
	require.Contains(t, p.ErrorData.Traceback, "RateLimitError: 429")
	require.JSONEq(t, `{"status_code": 429, "provider": "openai", "retryable": true}`, p.ErrorData.Details)
	require.Equal(t, "llm_api_error", p.StopReason)
	require.Equal(t, step.Time(1767225601500000000), p.EndTime)
}

func TestLettaMalformedUsageIsAProblemOtherFieldsSurvive(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("StepManager.update_step_success_async", map[string]string{
		"parameter.step_id":     testStepID,
		"parameter.actor":       testActor,
		"parameter.usage":       "UsageStatistics(completion_tokens=5, prompt_tokens=",
		"parameter.stop_reason": "LettaStopReason(message_type='stop_reason', stop_reason=<StopReasonType.end_turn: 'end_turn'>)",
	}))
	require.Len(t, out.problems, 1)
	require.ErrorContains(t, out.problems[0], "parameter.usage")
	p := out.patch
	require.Nil(t, p.PromptTokens)
	require.Nil(t, p.CompletionTokens)
	require.Equal(t, step.StatusSuccess, p.Status)
	require.Equal(t, "end_turn", p.StopReason)
	require.Equal(t, "org-00000000-0000-4000-8000-000000000000", p.OrganizationID)
}

func TestLettaBadCountInUsageKeepsTheOtherCounts(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("StepManager.update_step_success_async", map[string]string{
		"parameter.step_id": testStepID,
		"parameter.usage":   "UsageStatistics(completion_tokens='five', prompt_tokens=7, total_tokens=-1)",
	}))
	require.Len(t, out.problems, 1)
	require.ErrorContains(t, out.problems[0], "completion_tokens")
	require.ErrorContains(t, out.problems[0], "total_tokens")
	require.Equal(t, step.Int(7), out.patch.PromptTokens)
	require.Nil(t, out.patch.CompletionTokens)
}

func TestLettaMalformedValuesNameTheirKey(t *testing.T) {
	for key, val := range map[string]string{
		"parameter.status":               "StepStatus.DONE",
		"parameter.context_window_limit": "lots",
		"parameter.provider_category":    "ProviderCategory.by ok",
		"parameter.actor":                "'just a string'",
		"parameter.stop_reason":          "LettaStopReason(stop_reason=<StopReasonType.end_turn: ",
		"parameter.error_data":           "{'message': ",
	} {
		out := recogniseLetta(t, lettaSpan("StepManager.log_step_async", map[string]string{
			"parameter.step_id": testStepID, key: val, "parameter.model": "gpt-4o-mini",
		}))
		require.Len(t, out.problems, 1, key)
		require.ErrorContains(t, out.problems[0], key)
		require.Equal(t, "gpt-4o-mini", out.patch.Model, key)
		require.True(t, out.lettaAnchor, key)
	}
}

func TestLettaInvalidStepIDIsAProblem(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("StepManager.log_step_async", map[string]string{
		"parameter.step_id": "step-42", "parameter.model": "gpt-4o-mini",
	}))
	require.Len(t, out.problems, 1)
	require.ErrorContains(t, out.problems[0], "parameter.step_id")
	require.Empty(t, out.patch.ID)
}

func TestLettaProviderTraceGivesUsageAndLoggedTrace(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("SimpleLLMStreamAdapter.log_provider_trace", map[string]string{
		"parameter.step_id": testStepID, "parameter.actor": testActor,
		"request_data":  `{"model": "claude-sonnet-4-5", "stream": true}`,
		"response_data": `{"content": {"tool_call": null, "reasoning": []}, "id": "msg_1", "model": "claude-sonnet-4-5", "role": "assistant", "type": "message", "usage": {"input_tokens": 900, "output_tokens": 40}}`,
	}))
	require.Empty(t, out.problems)
	p := out.patch
	require.Equal(t, step.ProgressionLoggedTrace, p.Progression)
	require.Equal(t, step.Int(900), p.PromptTokens)
	require.Equal(t, step.Int(40), p.CompletionTokens)
	require.Empty(t, p.Model, "the model is llm_config.model from the log span, not the response's")

	out = recogniseLetta(t, lettaSpan("LettaLLMRequestAdapter.log_provider_trace", map[string]string{
		"parameter.step_id": testStepID,
		"response_data":     `{"usage": {"input_tokens": 10, "output_tokens": 3, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 20}}`,
	}))
	require.Equal(t, step.Int(130), out.patch.PromptTokens, "Anthropic counts cached input apart")
	require.Equal(t, step.Int(100), out.patch.CachedInputTokens)
	require.Equal(t, step.Int(20), out.patch.CacheWriteTokens)

	out = recogniseLetta(t, lettaSpan("LettaLLMRequestAdapter.log_provider_trace", map[string]string{
		"parameter.step_id": testStepID, "response_data": `{"usage": `,
	}))
	require.Len(t, out.problems, 1)
	require.ErrorContains(t, out.problems[0], "response_data")
}

func TestLettaRuntimeClassInTheName(t *testing.T) {
	for _, name := range []string{
		"NoopStepManager.log_step_async", "SleeptimeMultiAgentV4._step_checkpoint_start",
		"LettaAgentV2._step_checkpoint_start", "LettaLLMStreamAdapter.log_provider_trace",
	} {
		out := recogniseLetta(t, lettaSpan(name, map[string]string{"parameter.step_id": testStepID, "parameter.run_id": "run-1"}))
		require.Equal(t, roleLettaPart, out.role, name)
		require.Equal(t, testStepID, out.patch.ID, name)
		require.Equal(t, "run-1", out.patch.RunID, name)
	}
}

func TestLettaStepSpanOutsideTheScopeNeedsStepID(t *testing.T) {
	ts := newTestSpan("StepManager.update_step_success_async")
	ts.span.Attributes().PutStr("parameter.step_id", testStepID)
	out := recogniseLetta(t, ts)
	require.Equal(t, step.StatusSuccess, out.patch.Status)

	ts = newTestSpan("StepManager.log_step_async")
	ts.span.Attributes().PutStr("parameter.model", "gpt-4o-mini")
	out, ok := recogniseOne(t, ts)
	require.False(t, ok && out.source == "letta")
}

func TestLettaNonLettaSpanNotClaimed(t *testing.T) {
	ts := newTestSpan("chat gpt-4o")
	ts.scope.SetName("opentelemetry.instrumentation.openai")
	ts.span.Attributes().PutStr("gen_ai.operation.name", "chat")
	ts.span.Attributes().PutStr("user.id", "u-1")
	ts.span.Attributes().PutStr("agent.id", "a-1")
	out, ok := recogniseOne(t, ts)
	require.False(t, ok && out.source == "letta")

	ts = newTestSpan("MyService.step")
	ts.span.Attributes().PutStr("parameter.run_id", "run-1")
	out, ok = recogniseOne(t, ts)
	require.False(t, ok && out.source == "letta")

	ts = newTestSpan("agent_step")
	ts.span.Attributes().PutStr("step_id", "42")
	out, ok = recogniseOne(t, ts)
	require.False(t, ok && out.source == "letta", "an agent_step of another kind is not Letta's")

	ts = newTestSpan("Pipeline.log_step_async")
	ts.span.Attributes().PutStr("parameter.step_id", "7")
	out, ok = recogniseOne(t, ts)
	require.False(t, ok && out.source == "letta")
}

func TestLettaRequestSpanGivesContext(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("POST /v1/agents/{agent_id}/messages", map[string]string{
		"http.method": "POST", "http.agent_id": "agent-1", "agent.id": "agent-2",
		"user.id": "user-1", "organization.id": "org-1", "project.id": "proj-1",
	}))
	require.Equal(t, roleContext, out.role)
	require.Equal(t, stepContext{AgentID: "agent-1", UserID: "user-1", OrganizationID: "org-1", ProjectID: "proj-1"}, out.ctx)
}

func TestLettaLoopSpanGivesRunAndConversation(t *testing.T) {
	out := recogniseLetta(t, lettaSpan("LettaAgentV3.stream", map[string]string{
		"parameter.run_id": "run-1", "parameter.conversation_id": "None", "parameter.max_steps": "50",
	}))
	require.Equal(t, roleContext, out.role)
	require.Equal(t, stepContext{RunID: "run-1"}, out.ctx)

	out = recogniseLetta(t, lettaSpan("LettaAgentV3.step", map[string]string{
		"parameter.run_id": "run-1", "parameter.conversation_id": "conv-1",
	}))
	require.Equal(t, stepContext{RunID: "run-1", ConversationID: "conv-1"}, out.ctx)
}

func BenchmarkLettaRecogniseForeignSpan(b *testing.B) {
	ts := newTestSpan("chat gpt-4o")
	ts.span.Attributes().PutStr("gen_ai.operation.name", "chat")
	ix := newKeyIndex()
	r := newLetta(ix)
	f := newSpanFacts(ix)
	f.load(ts.res, ts.scope, ts.span)
	b.ReportAllocs()
	for b.Loop() {
		var out finding
		r.recognise(f, &out)
	}
}

func TestLettaAgentStepWithoutStepIDGivesNoPatch(t *testing.T) {
	out, ok := recogniseOne(t, lettaSpan("agent_step", nil))
	require.False(t, ok && out.source == "letta" && out.patch.ID != "")
}

// TestLettaAutoModeGivesTheResolvedModelInEveryOrder replays the auto-mode
// fixture (pending log, resolved-model update, success) with its three
// requests in every order, each released before the next arrives, and
// expects the model the router chose, as Letta's row ends up holding.
func TestLettaAutoModeGivesTheResolvedModelInEveryOrder(t *testing.T) {
	path := filepath.Join("..", "testdata", "letta", "auto_mode_resolved_model.otlp.json")
	want := readExpected(t, strings.TrimSuffix(path, ".otlp.json")+".steps.jsonl")
	require.Len(t, readFixture(t, path), 3)
	for _, order := range [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		cfg := createDefaultConfig()
		cfg.Wait = time.Hour
		sink := &consumertest.TracesSink{}
		p, err := newStepProcessor(processortest.NewNopSettings(metadata.Type), cfg, sink)
		require.NoError(t, err)
		ctx := context.Background()
		batches := readFixture(t, path)
		for _, i := range order {
			require.NoError(t, p.ConsumeTraces(ctx, batches[i]))
			p.release(ctx, p.buf.takeAll(), false)
		}
		require.NoError(t, p.Shutdown(ctx))
		// Each request reaches the exporter on its own: read every output
		// batch separately and merge the patches as a store does.
		records := map[string]*step.Step{}
		for _, td := range sink.AllTraces() {
			require.Empty(t, step.Collect(td, records))
		}
		var got []map[string]any
		for _, r := range step.Sorted(records) {
			b, err := json.Marshal(&r)
			require.NoError(t, err)
			got = append(got, asMap(t, b))
		}
		require.Equal(t, want, got, "order %v", order)
	}
}

// TestLettaPartsCarryTheStageOfTheirMethod: each StepManager method writes
// the row at its own stage, so the merge lets the later write win: the
// stop reason the loop sets after the success update beats the success's.
func TestLettaPartsCarryTheStageOfTheirMethod(t *testing.T) {
	base := map[string]string{"parameter.step_id": testStepID, "parameter.actor": testActor}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	logged := recogniseLetta(t, lettaSpan("StepManager.log_step_async", with("parameter.provider_name", "openai",
		"parameter.status", "StepStatus.PENDING"))).patch
	resolved := recogniseLetta(t, lettaSpan("StepManager.update_step_resolved_model_async",
		with("parameter.provider_name", "anthropic"))).patch
	success := recogniseLetta(t, lettaSpan("StepManager.update_step_success_async", with("parameter.stop_reason",
		"LettaStopReason(message_type='stop_reason', stop_reason=<StopReasonType.tool_rule: 'tool_rule'>)"))).patch
	stopped := recogniseLetta(t, lettaSpan("StepManager.update_step_stop_reason",
		with("parameter.stop_reason", "StopReasonType.end_turn"))).patch
	metrics := recogniseLetta(t, lettaSpan("StepManager.record_step_metrics_async", with())).patch

	require.Equal(t, step.StageLogged, logged.Stage("provider_name"))
	require.Equal(t, step.StageResolved, resolved.Stage("provider_name"))
	require.Equal(t, step.StageFinal, success.Stage("stop_reason"))
	require.Equal(t, step.StageStopped, stopped.Stage("stop_reason"))
	require.Nil(t, metrics.Stages, "a span that only repeats values is unstaged")

	ps := []step.Step{logged, resolved, success, stopped}
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 3, 0, 1}} {
		var s step.Step
		for _, i := range order {
			s.Merge(&ps[i])
		}
		require.Equal(t, "anthropic", s.ProviderName, "order %v", order)
		require.Equal(t, "end_turn", s.StopReason, "order %v: the loop's later stop reason", order)
	}
}
