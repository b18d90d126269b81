package stepprocessor

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

// unclaimedBatch holds, in five scopes: two spans of an emitter no
// convention knows (acme-llm), one ordinary HTTP span whose auth token is
// no count, one OpenTelemetry GenAI call (claimed), one GenAI embeddings
// span with usage (a known convention's, no step on purpose) and one span
// with a model but no usage (Letta's time_to_first_token shape).
func unclaimedBatch(round byte) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	add := func(scope string, span byte, attrs map[string]any) {
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName(scope)
		ss.Scope().SetVersion("1.2.3")
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(pcommon.TraceID{round, 1})
		sp.SetSpanID(pcommon.SpanID{round, span})
		sp.SetName("call")
		if err := sp.Attributes().FromRaw(attrs); err != nil {
			panic(err)
		}
	}
	for i := byte(1); i <= 2; i++ {
		add("acme-llm", i, map[string]any{
			"acme.llm.model":               "acme-7b",
			"acme.usage.input_tokens":      int64(10),
			"acme.usage.output_tokens":     int64(3),
			"acme.usage.cache_read_tokens": int64(2),
			"acme.request.id":              "r1",
		})
	}
	add("http", 3, map[string]any{"http.request.method": "POST", "auth.token": "secret", "url.full": "http://x/y"})
	add("genai", 4, map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": int64(5),
	})
	add("indexer", 5, map[string]any{
		"gen_ai.operation.name": "embeddings", "gen_ai.request.model": "text-embedding-3-small", "gen_ai.usage.input_tokens": int64(5),
	})
	add("letta.otel.tracing", 6, map[string]any{"llm_config.model": "gpt-4o-mini", "llm_config.context_window": int64(128000)})
	return td
}

func TestUnclaimedModelSpansAreCountedByScopeAndLoggedOnce(t *testing.T) {
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
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()

	for round := byte(1); round <= 3; round++ {
		require.NoError(t, p.ConsumeTraces(context.Background(), unclaimedBatch(round)))
	}

	m, err := tel.GetMetric("otelcol_processor_step_unclaimed_model_spans")
	require.NoError(t, err)
	byScope := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		scope, _ := dp.Attributes.Value("otel.scope.name")
		byScope[scope.AsString()] += dp.Value
	}
	assert.Equal(t, map[string]int64{"acme-llm": 6}, byScope, "two acme spans per batch, three batches; the HTTP, GenAI and model-only spans are not counted")

	warned := logs.FilterMessageSnippet("match no convention").All()
	require.Len(t, warned, 1, "logged once per scope")
	ctx := warned[0].ContextMap()
	assert.Equal(t, "acme-llm", ctx["otel.scope.name"])
	assert.Equal(t, "1.2.3", ctx["otel.scope.version"])
	assert.Equal(t, []any{"acme.llm.model", "acme.usage.cache_read_tokens", "acme.usage.input_tokens", "acme.usage.output_tokens"}, ctx["keys"])
	assert.Equal(t, "fields: {cached_input_tokens: [acme.usage.cache_read_tokens], completion_tokens: [acme.usage.output_tokens], "+
		"model: [acme.llm.model], prompt_tokens: [acme.usage.input_tokens]}", ctx["suggested"])
}

func TestModelCallAttrTellsModelKeysFromOrdinaryOnes(t *testing.T) {
	for _, c := range []struct {
		key  string
		val  any
		want attrClass
	}{
		{"langfuse.observation.model.name", "gpt-4o", attrModel},
		{"langfuse.observation.usage_details", `{"input":3}`, attrUsage},
		{"llm.token_count.prompt", int64(3), attrNone}, // "token", not "tokens": OpenInference is claimed anyway
		{"x.total_tokens", int64(9), attrUsage},
		{"x.total_tokens", "nine", attrNone},
		{"genkit:metadata:subtype", "model", attrKind},
		{"genkit:metadata:subtype", "flow", attrNone},
		{"auth.token", "secret", attrNone},
		{"csrf_tokens", "a,b", attrNone},
		{"http.request.method", "GET", attrNone},
		{"remodel.count", "x", attrNone},
		{"db.model", "", attrNone},
	} {
		v := pcommon.NewValueEmpty()
		require.NoError(t, v.FromRaw(c.val))
		assert.Equal(t, c.want, modelCallAttr(c.key, v), "%s=%v", c.key, c.val)
	}
}

// An ordinary span that no convention claims costs one pass over its keys
// and no allocation.
func TestNoticeUnclaimedAllocatesNothingForOrdinarySpans(t *testing.T) {
	ws := &windowState{}
	td := unclaimedBatch(1)
	ss := td.ResourceSpans().At(0).ScopeSpans().At(2) // the HTTP span
	allocs := testing.AllocsPerRun(100, func() { ws.noticeUnclaimed(ss.Scope(), ss.Spans().At(0)) })
	assert.Zero(t, allocs)
	assert.Empty(t, ws.unclaimed)
}

// BenchmarkNoticeUnclaimedOrdinarySpan holds the check on an ordinary span
// against its floor, one Range over the same attributes (same run, so the
// ratio holds on a loaded machine).
func BenchmarkNoticeUnclaimedOrdinarySpan(b *testing.B) {
	ws := &windowState{}
	td := unclaimedBatch(1)
	ss := td.ResourceSpans().At(0).ScopeSpans().At(2)
	sp := ss.Spans().At(0)
	b.Run("floor_range", func(b *testing.B) {
		n := 0
		for b.Loop() {
			sp.Attributes().Range(func(k string, _ pcommon.Value) bool { n += len(k); return true })
		}
		sink = n
	})
	b.Run("notice", func(b *testing.B) {
		for b.Loop() {
			ws.noticeUnclaimed(ss.Scope(), sp)
		}
	})
}
