package stepprocessor

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// fuzzFieldsConfig maps a few fields to keys no convention reads, so that
// the user's fields run too.
func fuzzFieldsConfig() *Config {
	cfg := createDefaultConfig()
	cfg.Fields = map[string][]string{
		"tid":           {"transaction.id"},
		"prompt_tokens": {"input_tokens"},
		"tags":          {"custom.tags"},
		"project_id":    {"resource.service.namespace"},
		"start_time":    {"custom.start"},
	}
	return cfg
}

func addSpanSeeds(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "*", "*.otlp.json"))
	require.NoError(f, err)
	require.NotEmpty(f, paths)
	for _, path := range paths {
		whole := ptrace.NewTraces()
		for _, td := range readFixture(f, path) {
			td.ResourceSpans().MoveAndAppendTo(whole.ResourceSpans())
		}
		f.Add(encodeProgram(whole))
		// Each span alone too: a small seed the fuzzer mutates quickly.
		eachProgramSpan(whole, func(res pcommon.Resource, scope pcommon.InstrumentationScope, sp ptrace.Span) {
			one := ptrace.NewTraces()
			rs := one.ResourceSpans().AppendEmpty()
			res.CopyTo(rs.Resource())
			ss := rs.ScopeSpans().AppendEmpty()
			scope.CopyTo(ss.Scope())
			sp.CopyTo(ss.Spans().AppendEmpty())
			f.Add(encodeProgram(one))
		})
	}
	// Absurd values by hand: a huge model name, NaN and negative tokens, a
	// step id of the wrong length, invalid UTF-8 in a key and a value.
	w := &programWriter{}
	w.buf = append(w.buf, opAttr, targetSpan)
	w.key("gen_ai.operation.name")
	w.buf = append(w.buf, valStr)
	w.str("chat")
	w.buf = append(w.buf, opAttr, targetSpan)
	w.key("gen_ai.response.model")
	w.buf = append(w.buf, valStr)
	w.str(strings.Repeat("m", 1<<16))
	w.buf = append(w.buf, opAttr, targetSpan)
	w.key("gen_ai.usage.input_tokens")
	w.buf = append(w.buf, valDouble)
	w.u64(0x7ff8000000000001) // NaN
	w.buf = append(w.buf, opAttr, targetSpan)
	w.key("gen_ai.usage.output_tokens")
	w.buf = append(w.buf, valInt)
	w.u64(uint64(1<<64 - 5)) // -5
	w.buf = append(w.buf, opAttr, targetSpan)
	w.key("\xff\xfegen_ai.\x00")
	w.buf = append(w.buf, valStr)
	w.str("\xc3\x28")
	f.Add("chat gpt-4o", "\xff", w.buf)
	f.Add("log_step_async", "letta.otel", []byte{opAttr, targetSpan, 0x80, 0x00, valStr, 5, 's', 't', 'e', 'p', '-'})
}

// FuzzSpanRecognition builds traces from fuzzed spans (names, scopes,
// attributes of every type on spans, resources, scopes and exception
// events, parents, times) and runs them through every recogniser and
// through Annotate. Nothing may panic, every step.* attribute that Annotate
// writes must read back with step.Read with an id in Letta's shape, and a
// step has exactly one anchor.
func FuzzSpanRecognition(f *testing.F) {
	addSpanSeeds(f)
	plain, withFields := createDefaultConfig(), fuzzFieldsConfig()
	keys := programKeys(newAnnotator(withFields).ix)
	f.Fuzz(func(t *testing.T, name, scopeName string, ops []byte) {
		td := buildProgram(name, scopeName, ops, keys)
		recogniseEverySpanWithEveryRecogniser(td)
		for _, cfg := range []*Config{plain, withFields} {
			one := ptrace.NewTraces()
			td.CopyTo(one)
			requireAnnotateWritesReadableSteps(t, cfg, one)
		}
		requireLateSpansWriteReadableSteps(t, withFields, td)
	})
}

// requireLateSpansWriteReadableSteps releases the first half of the spans,
// then processes the rest as late spans against the outline the first
// half left, as the processor does for spans that arrive after their trace
// was released. What either window writes must read back.
func requireLateSpansWriteReadableSteps(t *testing.T, cfg *Config, td ptrace.Traces) {
	a := newAnnotator(cfg)
	sk := newSkeletons(time.Hour, 1_000_000)
	first, late := ptrace.NewTraces(), ptrace.NewTraces()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		dst := first
		if i >= rss.Len()/2 {
			dst = late
		}
		rss.At(i).CopyTo(dst.ResourceSpans().AppendEmpty())
	}
	for _, window := range []ptrace.Traces{first, late} {
		requireWritesReadBack(t, window, func() { a.annotate(window, sk) })
	}
}

// recogniseEverySpanWithEveryRecogniser reaches the recognisers that the
// processor's order would never try on a span claimed by an earlier one.
func recogniseEverySpanWithEveryRecogniser(td ptrace.Traces) {
	ix := newKeyIndex()
	convs, _ := newRegistry(ix, nil, false)
	facts := newSpanFacts(ix)
	eachProgramSpan(td, func(res pcommon.Resource, scope pcommon.InstrumentationScope, sp ptrace.Span) {
		facts.load(res, scope, sp)
		for _, c := range convs {
			var out finding
			c.rec.recognise(facts, &out)
		}
	})
}

func requireAnnotateWritesReadableSteps(t *testing.T, cfg *Config, td ptrace.Traces) {
	anchors := requireWritesReadBack(t, td, func() { Annotate(cfg, td) })
	for id, n := range anchors {
		require.Equal(t, 1, n, "step %s has %d anchors", id, n)
	}
}

// requireWritesReadBack runs annotate on td and reads back every step.*
// attribute it wrote. It returns how many anchors each step id got.
func requireWritesReadBack(t *testing.T, td ptrace.Traces, annotate func()) map[string]int {
	before := map[pcommon.SpanID]pcommon.Map{}
	eachProgramSpan(td, func(_ pcommon.Resource, _ pcommon.InstrumentationScope, sp ptrace.Span) {
		m := pcommon.NewMap()
		sp.Attributes().CopyTo(m)
		before[sp.SpanID()] = m
	})
	annotate()
	anchors := map[string]int{}
	eachProgramSpan(td, func(_ pcommon.Resource, _ pcommon.InstrumentationScope, sp ptrace.Span) {
		written := writtenStepAttrs(before[sp.SpanID()], sp.Attributes())
		patches, errs := step.Read(written)
		require.Empty(t, errs, "span %q: the step.* attributes Annotate wrote do not read back: %v", sp.Name(), written.AsRaw())
		for _, p := range patches {
			require.True(t, step.ValidID(p.ID), "span %q: step id %q is not in Letta's shape", sp.Name(), p.ID)
		}
		if id, ok := written.Get(step.Prefix + "id"); ok {
			anchors[id.AsString()]++
		}
	})
	return anchors
}

// writtenStepAttrs returns the step.* attributes of after that are not
// in before unchanged: what Annotate wrote. Of step.patches, only the new
// entries count; a fuzzed input may carry step.* keys of its own.
func writtenStepAttrs(before, after pcommon.Map) pcommon.Map {
	out := pcommon.NewMap()
	after.Range(func(k string, v pcommon.Value) bool {
		if !strings.HasPrefix(k, step.Prefix) {
			return true
		}
		old, had := before.Get(k)
		switch {
		case k == step.PatchesKey && had && old.Type() == pcommon.ValueTypeSlice && v.Type() == pcommon.ValueTypeSlice:
			sl := out.PutEmptySlice(k)
			for i := old.Slice().Len(); i < v.Slice().Len(); i++ {
				v.Slice().At(i).CopyTo(sl.AppendEmpty())
			}
			if sl.Len() == 0 {
				out.Remove(k)
			}
		case had && old.Equal(v):
		default:
			v.CopyTo(out.PutEmpty(k))
		}
		return true
	})
	return out
}
