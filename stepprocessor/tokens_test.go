package stepprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

// counts builds a patch from prompt, completion, total, cached, cache
// write and reasoning; -1 leaves a count unset.
func counts(prompt, completion, total, cached, write, reasoning int64) step.Step {
	var p step.Step
	for _, c := range []struct {
		v   int64
		dst **int64
	}{{prompt, &p.PromptTokens}, {completion, &p.CompletionTokens}, {total, &p.TotalTokens},
		{cached, &p.CachedInputTokens}, {write, &p.CacheWriteTokens}, {reasoning, &p.ReasoningTokens}} {
		if c.v >= 0 {
			*c.dst = step.Int(c.v)
		}
	}
	return p
}

func TestTokenKindsAreNormalisedToTheOpenTelemetryMeaning(t *testing.T) {
	for _, tc := range []struct {
		name     string
		provider string
		in, want step.Step
	}{
		{"consistent counts are kept", "openai", counts(1200, 300, 1500, 1000, -1, 100), counts(1200, 300, 1500, 1000, -1, 100)},
		{"a Bedrock-style total shows the input left the cache out", "", counts(20, 50, 4070, 3000, 1000, -1), counts(4020, 50, 4070, 3000, 1000, -1)},
		{"a Gemini-style total shows the output left the thoughts out", "", counts(100, 20, 200, -1, -1, 80), counts(100, 100, 200, -1, -1, 80)},
		{"a total that shows both", "", counts(10, 20, 160, 100, -1, 30), counts(110, 50, 160, 100, -1, 30)},
		{"cache above an Anthropic input is added back", "anthropic", counts(4, 98, -1, 2183, 0, -1), counts(2187, 98, -1, 2183, 0, -1)},
		{"cache above a Bedrock input is added back", "aws.bedrock", counts(4, 9, 13, 50, -1, -1), counts(54, 9, 63, 50, -1, -1)},
		{"cache above another provider's input is left for the contradiction count", "openai", counts(4, 9, -1, 50, -1, -1), counts(4, 9, -1, 50, -1, -1)},
		{"no total and no evidence: kept as recorded", "", counts(100, 20, -1, -1, -1, 80), counts(100, 20, -1, -1, -1, 80)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.in
			p.ProviderName = tc.provider
			normaliseTokens(&p)
			p.ProviderName = ""
			require.Equal(t, tc.want, p)
		})
	}
}

func TestAddCacheToPromptMovesOnlyATotalThatLeftTheCacheOut(t *testing.T) {
	p := counts(4, 104, 108, 0, 2183, -1) // total = raw input + output
	addCacheToPrompt(&p)
	require.Equal(t, counts(2187, 104, 2291, 0, 2183, -1), p)
	p = counts(20, 50, 4070, 4000, -1, -1) // Bedrock: the total counted the cache
	addCacheToPrompt(&p)
	require.Equal(t, counts(4020, 50, 4070, 4000, -1, -1), p)
}

func TestAddReasoningToCompletion(t *testing.T) {
	p := counts(820, 24, 1154, 512, -1, 310) // the total counted the thoughts
	addReasoningToCompletion(&p)
	require.Equal(t, counts(820, 334, 1154, 512, -1, 310), p)
	p = counts(820, 24, 844, -1, -1, 310) // the total left them out too
	addReasoningToCompletion(&p)
	require.Equal(t, counts(820, 334, 1154, -1, -1, 310), p)
}

func TestTokenContradictions(t *testing.T) {
	for _, tc := range []struct {
		p    step.Step
		want string
	}{
		{counts(1200, 300, 1500, 1000, 200, 100), ""},
		{counts(1200, 300, -1, -1, -1, -1), ""},
		{counts(4, 98, 102, 2183, -1, -1), contradictCache},
		{counts(4, 98, -1, 0, 2183, -1), contradictCache},
		{counts(100, 20, -1, -1, -1, 80), contradictReasoning},
		{counts(100, 20, 150, -1, -1, -1), contradictTotal},
	} {
		require.Equal(t, tc.want, tokenContradiction(&tc.p), "%+v", tc.p)
	}
}

func TestProviderFromEvidence(t *testing.T) {
	for _, tc := range []struct{ addr, model, want string }{
		{"", "us.anthropic.claude-sonnet-4-20250514-v1:0", "aws.bedrock"},
		{"", "anthropic.claude-3-5-haiku-20241022-v1:0", "aws.bedrock"},
		{"", "amazon.nova-pro-v1:0", "aws.bedrock"},
		{"", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/x", "aws.bedrock"},
		{"bedrock-runtime.eu-west-1.amazonaws.com", "", "aws.bedrock"},
		{"api.openai.com", "gpt-4o", "openai"},
		{"my-res.openai.azure.com", "gpt-4o", "azure.ai.openai"},
		{"generativelanguage.googleapis.com", "", "gcp.gemini"},
		{"us-central1-aiplatform.googleapis.com", "", "gcp.vertex_ai"},
		{"", "gemini-2.5-flash", "gcp.gen_ai"},
		{"", "openai/gpt-4o", "openai"},
		{"", "gemini/gemini-2.5-flash", "gcp.gemini"},
		// Served by more than one provider, or by anyone: left empty.
		{"", "gpt-4o", ""},
		{"", "claude-sonnet-4-5", ""},
		{"127.0.0.1", "gpt-4o", ""},
	} {
		require.Equal(t, tc.want, providerFromEvidence(tc.addr, tc.model), "%s %s", tc.addr, tc.model)
	}
}

func TestFrameworkNamesAreNeverTheProvider(t *testing.T) {
	for _, name := range []string{"strands-agents", "gcp.vertex.agent", "langchain", "crewai"} {
		require.Empty(t, normProvider(name), name)
	}
	require.Equal(t, "gcp.gemini", normProvider("google-gla"))
	require.Equal(t, "gcp.vertex_ai", normProvider("google-vertex"))
}

func TestCamelCaseFinishReasons(t *testing.T) {
	for raw, want := range map[string]string{"endTurn": "stop", "toolUse": "tool_call", "maxTokens": "length",
		"STOP": "stop", "MAX_TOKENS": "length", "tool-calls": "tool_call"} {
		got, ok := normFinish(raw)
		require.True(t, ok)
		require.Equal(t, want, got, raw)
	}
}

// contradictingTraces is one trace whose model-call spans come from the
// given instrumentation scopes; each reports 10 input tokens of which 50
// were read from the cache, with OpenAI as the provider (whose input
// includes the cache, so nothing explains it away).
func contradictingTraces(trace byte, scopes ...string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	for i, name := range scopes {
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName(name)
		ss.Scope().SetVersion("1.0")
		sp := ss.Spans().AppendEmpty()
		sp.SetName("chat gpt-4o")
		sp.SetTraceID(pcommon.TraceID{trace, 9})
		sp.SetSpanID(pcommon.SpanID{byte(i + 1), 9})
		_ = sp.Attributes().FromRaw(map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
			"gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 5, "gen_ai.usage.cache_read.input_tokens": 50,
		})
	}
	return td
}

func TestContradictionsAreCountedPerEmitterAndLoggedOnce(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	core, logs := observer.New(zapcore.WarnLevel)
	set := processortest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	cfg := createDefaultConfig()
	cfg.Wait = 0
	p, err := newStepProcessor(set, cfg, &consumertest.TracesSink{})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, p.ConsumeTraces(ctx, contradictingTraces(1, "acme-llm", "acme-llm")))
	require.NoError(t, p.ConsumeTraces(ctx, contradictingTraces(2, "acme-llm", "other-llm")))

	m, err := tel.GetMetric("otelcol_processor_step_token_contradictions")
	require.NoError(t, err)
	byScope := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		scope, _ := dp.Attributes.Value(attribute.Key("instrumentation_scope"))
		check, _ := dp.Attributes.Value(attribute.Key("check"))
		require.Equal(t, contradictCache, check.AsString())
		byScope[scope.AsString()] += dp.Value
	}
	require.Equal(t, map[string]int64{"acme-llm": 3, "other-llm": 1}, byScope, "every contradicting step is counted")

	warned := logs.FilterMessageSnippet("contradict").All()
	require.Len(t, warned, 2, "logged once per emitter")
	for _, e := range warned {
		fields := e.ContextMap()
		require.Equal(t, contradictCache, fields["check"])
		require.Equal(t, int64(10), fields["prompt_tokens"])
		require.Equal(t, int64(50), fields["cached_input_tokens"])
	}
}
