package stepmetricsconnector

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// TestRecordTablesNameTheirFields: recStrFields and countNames name the
// step.Step fields that strsOf and countsOf point at, and none of the text
// fields the walk reads has a vocabulary (the walk converts them without
// Field.Set).
func TestRecordTablesNameTheirFields(t *testing.T) {
	for i, name := range recStrFields {
		f, ok := step.FieldByName(name)
		require.True(t, ok, name)
		require.False(t, hasVocabulary(f), name)
		var s step.Step
		require.NoError(t, f.Set(&s, pcommon.NewValueStr("v-"+name)))
		require.Equal(t, "v-"+name, *strsOf(&s)[i], name)
	}
	for a, name := range countNames {
		f, ok := step.FieldByName(name)
		require.True(t, ok, name)
		var s step.Step
		require.NoError(t, f.Set(&s, pcommon.NewValueInt(int64(7+a))))
		require.Equal(t, int64(7+a), **countsOf(&s)[a], name)
	}
	stop, _ := step.FieldByName("stop_reason")
	require.True(t, hasVocabulary(stop))
}

// TestWalkAcceptsWhatStepReadAccepts: an anchor with one field set to an
// odd value is counted by the connector exactly when step.Read keeps the
// anchor, for every field and value kind. step.cost_usd is the exception
// by design: a bad cost is skipped and the step still counted
// (TestBadPatchCostsNothingElse).
func TestWalkAcceptsWhatStepReadAccepts(t *testing.T) {
	values := map[string]func(pcommon.Value){
		"empty string":     func(v pcommon.Value) { v.SetStr("") },
		"word":             func(v pcommon.Value) { v.SetStr("word") },
		"number string":    func(v pcommon.Value) { v.SetStr("12") },
		"negative string":  func(v pcommon.Value) { v.SetStr("-1") },
		"status word":      func(v pcommon.Value) { v.SetStr("FAILED") },
		"stop reason word": func(v pcommon.Value) { v.SetStr("end_turn") },
		"int":              func(v pcommon.Value) { v.SetInt(5) },
		"negative int":     func(v pcommon.Value) { v.SetInt(-1) },
		"double":           func(v pcommon.Value) { v.SetDouble(1.5) },
		"negative double":  func(v pcommon.Value) { v.SetDouble(-2) },
		"bool":             func(v pcommon.Value) { v.SetBool(true) },
		"bytes":            func(v pcommon.Value) { v.SetEmptyBytes().FromRaw([]byte("x")) },
		"string list":      func(v pcommon.Value) { v.SetEmptySlice().AppendEmpty().SetStr("a") },
		"map":              func(v pcommon.Value) { v.SetEmptyMap().PutStr("a", "b") },
	}
	for _, f := range step.Fields {
		if f.Name == costUSDName {
			continue
		}
		for name, set := range values {
			t.Run(fmt.Sprintf("%s=%s", f.Name, name), func(t *testing.T) {
				td := ptrace.NewTraces()
				sp := anchorSpan(td, okStep("step-odd"), 1, 1)
				v, ok := sp.Attributes().Get(f.Key)
				if !ok {
					v = sp.Attributes().PutEmpty(f.Key)
				}
				set(v)
				patches, _ := step.Read(sp.Attributes())

				c, _, _ := newTestConnector(t, nil)
				consume(t, c, td)
				counted := c.memory.Len() > 0
				require.Equal(t, len(patches) > 0, counted, "step.Read kept the anchor: %v", len(patches) > 0)
			})
		}
	}
}

// TestInlineReadsMatchTheStepPackage: the walk's inline reads of status,
// progression and tags (parseStatus, checkProgression, checkTags) give
// what the step package's readers give, for every vocabulary word, its
// upper case, and values of other types.
func TestInlineReadsMatchTheStepPackage(t *testing.T) {
	var values []pcommon.Value
	for _, s := range []string{"pending", "success", "failed", "cancelled", "SUCCESS", "Failed",
		"start", "stream_received", "response_received", "step_logged", "logged_trace", "finished", "FINISHED",
		"", "word", " success", "a,b", `["a","b"]`, `["a",`} {
		values = append(values, pcommon.NewValueStr(s))
	}
	values = append(values, pcommon.NewValueInt(2), pcommon.NewValueDouble(1.5), pcommon.NewValueBool(true))
	strs := pcommon.NewValueSlice()
	strs.Slice().AppendEmpty().SetStr("a")
	strs.Slice().AppendEmpty().SetStr(" ")
	mixed := pcommon.NewValueSlice()
	mixed.Slice().AppendEmpty().SetStr("a")
	mixed.Slice().AppendEmpty().SetInt(1)
	m := pcommon.NewValueMap()
	m.Map().PutStr("a", "b")
	values = append(values, strs, mixed, pcommon.NewValueSlice(), m)
	for _, v := range values {
		name := v.Type().String() + " " + v.AsString()
		wantSt, wantErr := step.ParseStatus(v.AsString())
		gotSt, gotErr := parseStatus(v)
		require.Equal(t, wantSt, gotSt, name)
		require.Equal(t, wantErr, gotErr, name)
		_, wantErr = step.ParseProgression(v.AsString())
		require.Equal(t, wantErr, checkProgression(v), name)
		_, wantErr = step.TagsFromValue(v)
		require.Equal(t, wantErr, checkTags(v), name)
		_, wantErr = step.StringFromValue(v)
		require.Equal(t, wantErr == nil, textType(v.Type()), name)
	}
}
