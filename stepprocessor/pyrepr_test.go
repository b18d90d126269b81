package stepprocessor

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Shapes as Letta's @trace_method writes them (letta/otel/tracing.py).
const (
	reprUsage = "UsageStatistics(completion_tokens=5, prompt_tokens=7, total_tokens=12, " +
		"prompt_tokens_details=UsageStatisticsPromptTokenDetails(cached_tokens=3, cache_read_tokens=3, cache_creation_tokens=2), " +
		"completion_tokens_details=UsageStatisticsCompletionTokenDetails(reasoning_tokens=4), step_count=1, run_ids=None)"
	reprStopReason = "LettaStopReason(message_type='stop_reason', stop_reason=<StopReasonType.end_turn: 'end_turn'>)"
	reprActor      = "User(id='user-00000000-0000-4000-8000-000000000000', " +
		"organization_id='org-00000000-0000-4000-8000-000000000000', name='default user', " +
		"created_at=datetime.datetime(2026, 1, 1, 0, 0, tzinfo=TzInfo(UTC)), " +
		"updated_at=datetime.datetime(2026, 1, 1, 0, 0, tzinfo=TzInfo(+01:00)), is_deleted=False)"
	reprDetails = `{'status_code': 429, 'body': "rate limited: 'gpt-4o'", 'retry': True, 'ratio': 0.5, ` +
		`'tags': ['a', 'b\n'], 'nested': {'x': None}, 1: (1, 2)}`
)

func TestPyReprScalars(t *testing.T) {
	for in, want := range map[string]pyKind{
		"None": pyNone, "True": pyBool, "False": pyBool, "128000": pyInt, "-3": pyInt,
		"0.5": pyFloat, "1e-05": pyFloat, "'x'": pyStr, `"x"`: pyStr, "b'x'": pyStr,
		"StepStatus.PENDING": pyName, "inf": pyName, "-inf": pyName,
	} {
		v, err := parsePyRepr(in)
		require.NoError(t, err, in)
		require.Equal(t, want, v.kind, in)
		require.Equal(t, in, v.raw, in)
	}
}

func TestPyReprUsageStatisticsFields(t *testing.T) {
	v, err := parsePyRepr(reprUsage)
	require.NoError(t, err)
	require.Equal(t, pyCall, v.kind)
	require.Equal(t, "UsageStatistics", v.text)
	pt, ok := v.field("prompt_tokens")
	require.True(t, ok)
	n, ok, err := pt.count()
	require.NoError(t, err)
	require.True(t, ok)
	require.EqualValues(t, 7, n)
	details, ok := v.field("prompt_tokens_details")
	require.True(t, ok)
	cw, _ := details.field("cache_creation_tokens")
	n, _, err = cw.count()
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
	runIDs, _ := v.field("run_ids")
	_, ok, err = runIDs.count()
	require.NoError(t, err)
	require.False(t, ok, "None is no count")
}

func TestPyReprEnumReprInsideObject(t *testing.T) {
	v, err := parsePyRepr(reprStopReason)
	require.NoError(t, err)
	sr, ok := v.field("stop_reason")
	require.True(t, ok)
	require.Equal(t, pyEnum, sr.kind)
	m, ok := sr.enumMember()
	require.True(t, ok)
	require.Equal(t, "end_turn", m)
}

func TestPyReprSkipsUnknownConstructsInObjects(t *testing.T) {
	v, err := parsePyRepr(reprActor)
	require.NoError(t, err)
	org, ok := v.field("organization_id")
	require.True(t, ok)
	require.Equal(t, "org-00000000-0000-4000-8000-000000000000", org.text)
	upd, ok := v.field("updated_at")
	require.True(t, ok)
	require.Equal(t, pyCall, upd.kind)
	del, _ := v.field("is_deleted")
	require.Equal(t, pyBool, del.kind)

	v, err = parsePyRepr("Tool(id='tool-1', agent_state=<AgentState (excluded, ids=['agent-1', 'x>y'])>, fn=<function f at 0x7f>)")
	require.NoError(t, err)
	st, _ := v.field("agent_state")
	require.Equal(t, pyOpaque, st.kind)
	require.Equal(t, "<AgentState (excluded, ids=['agent-1', 'x>y'])>", st.raw)
}

func TestPyReprDictToJSON(t *testing.T) {
	got, truncated, err := pyJSON(reprDetails)
	require.NoError(t, err)
	require.False(t, truncated)
	require.JSONEq(t, `{"status_code": 429, "body": "rate limited: 'gpt-4o'", "retry": true, "ratio": 0.5,
		"tags": ["a", "b\n"], "nested": {"x": null}, "1": [1, 2]}`, got)
}

func TestPyReprStringEscapes(t *testing.T) {
	v, err := parsePyRepr(`'it\'s \\ \t\x41\u00e9\U0001F600 "q"'`)
	require.NoError(t, err)
	require.Equal(t, "it's \\ \tAé😀 \"q\"", v.text)
}

func TestPyReprTruncatedDictKeepsWhatWasWritten(t *testing.T) {
	in := `{'message': 'boom', 'items': [1, 2, 3], 'trace': 'abcdef` + "... (truncated, original size: 2097200 chars)"
	got, truncated, err := pyJSON(in)
	require.NoError(t, err)
	require.True(t, truncated)
	require.JSONEq(t, `{"message": "boom", "items": [1, 2, 3]}`, got)
}

func TestPyReprTruncatedScalarIsAnError(t *testing.T) {
	_, err := parsePyRepr("'abc... (truncated, original size: 3000000 chars)")
	require.Error(t, err)
}

func TestPyReprMalformedInputIsAnError(t *testing.T) {
	for _, in := range []string{
		"", "UsageStatistics(completion_tokens=5", "UsageStatistics(completion_tokens=5))",
		"{'a': 1", "{'a' 1}", "[1 2]", "'unterminated", `'bad \q escape'`, "12abc", "-",
		"Foo.", "{'a': 1, 2}", "$", strings.Repeat("[", 200) + strings.Repeat("]", 200),
	} {
		_, err := parsePyRepr(in)
		require.Error(t, err, "%q", in)
	}
}
