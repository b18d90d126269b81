package step

import (
	"encoding/json"
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

func TestJSONUsesLettaNamesAndOmitsUnset(t *testing.T) {
	s := Step{ID: lettaID, PromptTokens: Int(0), Status: StatusSuccess, StartTime: 1767225600000000001}
	b, err := json.Marshal(&s)
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"`+lettaID+`","prompt_tokens":0,"status":"success","start_time":"2026-01-01T00:00:00.000000001Z"}`, string(b))
	var back Step
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, s, back)
}
