package stepprocessor

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The memo answers what keyClassOf answers, for keys of every length
// (held or not), keys that differ from a held one in a single byte at any
// place, and keys that push others out of their set.
func TestKeyMemoAnswersAsKeyClassOf(t *testing.T) {
	var keys []string
	for n := 0; n <= keyMemoMax+8; n++ {
		base := strings.Repeat("a", n)
		keys = append(keys, base)
		for i := 0; i < n; i++ {
			for _, sub := range []string{"usage", "tokens", "model", "type", "kind", ".model"} {
				if i+len(sub) <= n {
					keys = append(keys, base[:i]+sub+base[i+len(sub):])
				}
			}
			keys = append(keys, base[:i]+"b"+base[i+1:])
		}
	}
	keys = append(keys, "messaging.operation.name", "messaging.operation.type", "gen_ai.usage.input_tokens",
		"acme.usage.cache_read_tokens", "llm_config.model", "genkit:metadata:subtype")
	var m keyMemo
	for round := 0; round < 3; round++ {
		for _, k := range keys {
			require.Equal(t, keyClassOf(k), m.class(k), "round %d key %q", round, k)
		}
	}
}

// For a span that no convention claims, claimSpan's looks is false only
// when noticeUnclaimed would count nothing: the one-pass check never hides
// an unknown emitter. Every fixture span, the unclaimed-emitter batch and
// the ordinary traffic are run through both, twice (memo cold and warm).
func TestClaimSpanLooksCoversNoticeUnclaimed(t *testing.T) {
	var batches []ptrace.Traces
	for _, p := range fixturePaths(t) {
		batches = append(batches, readFixture(t, p)...)
	}
	batches = append(batches, unclaimedBatch(1))
	payload, _ := trafficBatch(t, 1)
	td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(payload)
	require.NoError(t, err)
	batches = append(batches, td)

	a := newAnnotator(createDefaultConfig())
	ws := &windowState{}
	unclaimed, looked := 0, 0
	for round := 0; round < 2; round++ {
		for _, b := range batches {
			eachProgramSpan(b, func(_ pcommon.Resource, sc pcommon.InstrumentationScope, sp ptrace.Span) {
				set, looks := ws.claimSpan(a.claims, a.claims.scope(sc), sp.Attributes())
				require.Equal(t, a.claims.span(a.claims.scope(sc), sp.Attributes()), set)
				if set != 0 {
					return
				}
				unclaimed++
				probe := &windowState{}
				probe.noticeUnclaimed(sc, sp)
				if len(probe.unclaimed) > 0 {
					looked++
					assert.True(t, looks, "span %q of scope %q", sp.Name(), sc.Name())
				}
			})
		}
	}
	assert.Positive(t, unclaimed)
	assert.Positive(t, looked, "the acme-llm spans are unclaimed model calls")
}

// The one pass allocates nothing, the memo's first sight of a key
// included.
func TestClaimSpanAllocatesNothing(t *testing.T) {
	a := newAnnotator(createDefaultConfig())
	ws := &windowState{}
	td := unclaimedBatch(1)
	sss := td.ResourceSpans().At(0).ScopeSpans()
	allocs := testing.AllocsPerRun(100, func() {
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			ws.claimSpan(a.claims, a.claims.scope(ss.Scope()), ss.Spans().At(0).Attributes())
		}
	})
	assert.Zero(t, allocs)
}

// The memo keeps each key's claims from one claim index: a window state
// asked with another index (another config) forgets them, so a key that
// one config's fields claim is not claimed under the default config.
func TestKeyMemoFollowsTheClaimIndex(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.Fields = map[string][]string{"prompt_tokens": {"acme.prompt_token_count"}}
	withFields, plain := newAnnotator(cfg), newAnnotator(createDefaultConfig())
	td := ptrace.NewTraces()
	attrs := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().Attributes()
	attrs.PutInt("acme.prompt_token_count", 12)
	attrs.PutStr("http.request.method", "POST")
	ws := &windowState{}
	for round := 0; round < 2; round++ {
		set, _ := ws.claimSpan(withFields.claims, 0, attrs)
		assert.Equal(t, claimFields, set, "round %d", round)
		set, looks := ws.claimSpan(plain.claims, 0, attrs)
		assert.Zero(t, set, "round %d", round)
		assert.False(t, looks, "round %d: a token_count key is no tokens key", round)
	}
}

// A span's facts read through the window's key memo are the facts read
// through the index's map: the same slots hold the same values, the same
// count of registered keys, the same step.* flag. Every fixture span and
// the ordinary traffic, plus keys of every length around the memo's
// bounds, twice (memo cold and warm), with a small memo-driven window
// state as the processor makes them.
func TestFactsThroughTheKeyMemoEqualTheIndex(t *testing.T) {
	var batches []ptrace.Traces
	for _, p := range fixturePaths(t) {
		batches = append(batches, readFixture(t, p)...)
	}
	payload, _ := trafficBatch(t, 10)
	td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(payload)
	require.NoError(t, err)
	batches = append(batches, td)
	edge := ptrace.NewTraces()
	sp := edge.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	for n := 1; n <= keyMemoMax+2; n++ {
		sp.Attributes().PutInt(strings.Repeat("k", n), int64(n))
		sp.Attributes().PutStr("step."+strings.Repeat("s", n), "x")
	}
	sp.Attributes().PutInt("gen_ai.usage.input_tokens", 1)
	sp.Attributes().PutStr("step.id", "s1")
	batches = append(batches, edge)

	a := newAnnotator(createDefaultConfig())
	ws := a.acquire()
	defer a.release(ws)
	require.Same(t, &ws.memo, ws.facts.memo)
	plain := newSpanFacts(a.ix)
	checked := 0
	for round := 0; round < 2; round++ {
		for _, b := range batches {
			eachProgramSpan(b, func(res pcommon.Resource, sc pcommon.InstrumentationScope, s ptrace.Span) {
				ws.claimSpan(a.claims, 0, s.Attributes())
				ws.facts.load(res, sc, s)
				plain.load(res, sc, s)
				require.Equal(t, plain.hits, ws.facts.hits, s.Name())
				require.Equal(t, plain.stepKeys, ws.facts.stepKeys, s.Name())
				for sl := range a.ix.keys {
					pv, pok := plain.get(slot(sl))
					mv, mok := ws.facts.get(slot(sl))
					require.Equal(t, pok, mok, "span %q key %q", s.Name(), a.ix.keys[sl])
					if pok {
						assert.Equal(t, pv.AsRaw(), mv.AsRaw())
					}
				}
				checked++
			})
		}
	}
	require.Greater(t, checked, 1000)
}
