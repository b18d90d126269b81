package step

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func fullPatch() Step {
	s := mergeAll(lettaPatches())
	s.ErrorType = "RateLimitError"
	s.ErrorData = &ErrorData{Message: "429", Traceback: "Traceback ...", Details: `{"retry":true}`}
	s.FinishReason, s.FinishReasonRaw = "tool_call", "tool_calls"
	s.CacheWriteTokens = Int(16)
	return s
}

func TestWriteThenReadGivesTheSamePatch(t *testing.T) {
	want := fullPatch()
	m := pcommon.NewMap()
	Write(m, &want)
	got, errs := Read(m)
	require.Empty(t, errs)
	require.Equal(t, []Step{want}, got)
}

func TestPatchesTravelBesideAnAnchor(t *testing.T) {
	anchor := Step{ID: "step-11111111-1111-4111-8111-111111111111", Model: "m"}
	late := Step{ID: lettaID, AgentID: "agent-late", Tags: []string{"t"}}
	m := pcommon.NewMap()
	Write(m, &anchor)
	AppendPatch(m, &late)
	AppendPatch(m, &Step{ID: lettaID, RunID: "run-2"})
	got, errs := Read(m)
	require.Empty(t, errs)
	require.Equal(t, []Step{anchor, late, {ID: lettaID, RunID: "run-2"}}, got)
}

func TestReadRejectsABadPatchAndKeepsTheOthers(t *testing.T) {
	good := Step{ID: "step-22222222-2222-4222-8222-222222222222", Model: "ok"}
	for key, bad := range map[string]pcommon.Value{
		"step.prompt_tokens": pcommon.NewValueStr("lots"),
		"step.status":        pcommon.NewValueStr("finished-ish"),
		"step.start_time":    pcommon.NewValueStr("yesterday"),
	} {
		m := pcommon.NewMap()
		m.PutStr("step.id", lettaID)
		bad.CopyTo(m.PutEmpty(key))
		AppendPatch(m, &good)
		got, errs := Read(m)
		require.Len(t, errs, 1, key)
		require.ErrorContains(t, errs[0], key)
		require.ErrorContains(t, errs[0], lettaID)
		require.Equal(t, []Step{good}, got, key)
	}
	m := pcommon.NewMap()
	AppendPatch(m, &good)
	v, _ := m.Get(PatchesKey)
	v.Slice().AppendEmpty().SetStr("not a map")
	got, errs := Read(m)
	require.Len(t, errs, 1)
	require.ErrorContains(t, errs[0], "step.patches[1]")
	require.Equal(t, []Step{good}, got)
}

func TestReadWithoutIDIsAnError(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("step.model", "gpt-4o")
	got, errs := Read(m)
	require.Empty(t, got)
	require.ErrorIs(t, errs[0], ErrNoID)
}

func TestSpanWithoutStepKeysHasNoPatches(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("gen_ai.request.model", "gpt-4o")
	m.PutStr("stepper", "x")
	got, errs := Read(m)
	require.Empty(t, got)
	require.Empty(t, errs)
}

func TestCountsAcceptIntDoubleAndString(t *testing.T) {
	for _, v := range []pcommon.Value{pcommon.NewValueInt(42), pcommon.NewValueDouble(42), pcommon.NewValueStr(" 42 "), pcommon.NewValueStr("42.0")} {
		n, err := CountFromValue(v)
		require.NoError(t, err, v.AsString())
		require.Equal(t, int64(42), n)
	}
	for _, v := range []pcommon.Value{pcommon.NewValueInt(-1), pcommon.NewValueDouble(math.NaN()), pcommon.NewValueDouble(math.Inf(1)),
		pcommon.NewValueDouble(1.5), pcommon.NewValueStr("many"), pcommon.NewValueBool(true), pcommon.NewValueInt(1 << 60)} {
		_, err := CountFromValue(v)
		require.Error(t, err, v.AsString())
	}
}

func TestTagsAcceptArrayJSONCommaAndSingle(t *testing.T) {
	arr := pcommon.NewValueSlice()
	arr.Slice().AppendEmpty().SetStr("a")
	arr.Slice().AppendEmpty().SetStr(" b ")
	for _, v := range []pcommon.Value{arr, pcommon.NewValueStr(`["a","b"]`), pcommon.NewValueStr("a, b")} {
		got, err := TagsFromValue(v)
		require.NoError(t, err)
		require.Equal(t, []string{"a", "b"}, got)
	}
	got, err := TagsFromValue(pcommon.NewValueStr("solo"))
	require.NoError(t, err)
	require.Equal(t, []string{"solo"}, got)
	_, err = TagsFromValue(pcommon.NewValueStr(`["a",`))
	require.Error(t, err)
}

func TestDerivedIDIsStableAndLettaShaped(t *testing.T) {
	tr := [16]byte{0x0a, 0xf7, 0x65, 0x19}
	sp := [8]byte{0xb7, 0xad}
	id := DeriveID(tr, sp)
	require.Equal(t, id, DeriveID(tr, sp))
	require.True(t, ValidID(id), id)
	require.NotEqual(t, id, DeriveID(tr, [8]byte{0xb7, 0xae}))
	require.False(t, ValidID("step-6f1c2a9e-3b4d-5e5f-8a6b-7c8d9e0f1a2b"), "version must be 4")
	require.False(t, ValidID("run-6f1c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b"))
}

func TestStagesTravelOnAnchorsAndPatches(t *testing.T) {
	ps := autoModePatches()
	var rec Step
	rec.Merge(&ps[0])
	rec.Merge(&ps[2])
	m := pcommon.NewMap()
	Write(m, &rec)
	AppendPatch(m, &ps[1])
	got, errs := Read(m)
	require.Empty(t, errs)
	require.Equal(t, []Step{rec, ps[1]}, got)
}

func TestStageKeyCoversTheFieldsWithoutTheirOwnStage(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("step.id", lettaID)
	m.PutStr("step.model", "gpt-5")
	m.PutStr("step.provider_name", "openai")
	m.PutInt("step.stage", 2)
	m.PutEmptyMap("step.stages").PutInt("model", 3)
	got, errs := Read(m)
	require.Empty(t, errs)
	require.Equal(t, Stages{"model": 3, "provider_name": 2}, got[0].Stages)

	m.PutEmptyMap("step.stages").PutInt("prompt_tokens", 3)
	_, errs = Read(m)
	require.ErrorContains(t, errs[0], "step.stages: prompt_tokens is not a staged field")
}

// TestOutOfVocabularyValuesAreLeftOutAlone: Letta's Step rejects a
// stop_reason or feedback outside its vocabulary, so such a value is
// never stored, and the rest of the patch still is.
func TestOutOfVocabularyValuesAreLeftOutAlone(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("step.id", lettaID)
	m.PutStr("step.model", "gpt-5")
	m.PutStr("step.stop_reason", "stop")
	m.PutStr("step.feedback", "thumbs_up")
	sl := m.PutEmptySlice(PatchesKey)
	p := sl.AppendEmpty().SetEmptyMap()
	p.PutStr("id", lettaID)
	p.PutStr("feedback", "positive")
	p.PutStr("stop_reason", "STOP")
	got, errs := Read(m)
	require.Equal(t, []Step{{ID: lettaID, Model: "gpt-5"}, {ID: lettaID, Feedback: "positive"}}, got)
	require.Len(t, errs, 3)
	for _, err := range errs {
		require.ErrorIs(t, err, ErrOutOfVocabulary)
	}
	require.ErrorContains(t, errors.Join(errs...), `step.stop_reason: "stop" is outside the field's vocabulary`)
	require.ErrorContains(t, errors.Join(errs...), `step.feedback: "thumbs_up"`)
}

// Write appends through a MapBuilder, which does not look for duplicates:
// a step.* key the span carries must be replaced when the step sets its
// field, kept when it does not, and the span's own keys kept as they were.
func TestWriteOverAnAnchorReplacesOnlyTheFieldsItSets(t *testing.T) {
	m := pcommon.NewMap()
	m.PutStr("gen_ai.request.model", "gpt-4o")
	m.PutInt("gen_ai.usage.input_tokens", 7)
	Write(m, &Step{ID: "step-old", Model: "old", AgentID: "agent-1", Stages: Stages{"model": 1}})
	Write(m, &Step{ID: "step-new", Model: "new", Stages: Stages{"model": 2}})

	seen := map[string]int{}
	for k := range m.All() {
		seen[k]++
	}
	for k, n := range seen {
		require.Equal(t, 1, n, "key %s appears %d times", k, n)
	}
	require.Equal(t, map[string]any{
		"gen_ai.request.model":      "gpt-4o",
		"gen_ai.usage.input_tokens": int64(7),
		"step.id":                   "step-new",
		"step.model":                "new",
		"step.agent_id":             "agent-1", // not set by the second write: kept
		"step.stages":               map[string]any{"model": int64(2)},
	}, m.AsRaw())
}

// WriteNew skips the look at the span's keys; on a span without step.*
// keys it must give what Write gives.
func TestWriteNewOnAFreshSpanEqualsWrite(t *testing.T) {
	want := fullPatch()
	fresh := func() pcommon.Map {
		m := pcommon.NewMap()
		m.PutStr("http.route", "/v1/chat")
		m.PutEmptySlice("llm.tools").AppendEmpty().SetStr("search")
		return m
	}
	a, b := fresh(), fresh()
	Write(a, &want)
	WriteNew(b, &want)
	require.Equal(t, a.AsRaw(), b.AsRaw())
	require.Equal(t, a.Len(), b.Len())
	got, errs := Read(b)
	require.Empty(t, errs)
	require.Equal(t, []Step{want}, got)
}

// TestFieldsFitTheWriteBuffer: Write gathers the set fields into an array
// of maxFields on its stack; past that, every Write would allocate.
func TestFieldsFitTheWriteBuffer(t *testing.T) {
	if len(Fields) > maxFields {
		t.Fatalf("%d fields, the write buffer holds %d: raise maxFields", len(Fields), maxFields)
	}
}
