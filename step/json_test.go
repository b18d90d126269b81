package step

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestJSONHasLettasShape checks the record against Letta's serialised Step
// (letta/schemas/step.py): every Letta field is present, null when unset,
// tags is [], and agentsteps' extras are left out when unset.
func TestJSONHasLettasShape(t *testing.T) {
	s := Step{ID: lettaID, PromptTokens: Int(0), Status: StatusSuccess, StartTime: 1767225600000000001}
	b, err := json.Marshal(&s)
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"`+lettaID+`","origin":null,"organization_id":null,"provider_id":null,"run_id":null,
		"agent_id":null,"provider_name":null,"provider_category":null,"model":null,"model_endpoint":null,
		"context_window_limit":null,"completion_tokens":null,"prompt_tokens":0,"total_tokens":null,
		"completion_tokens_details":null,"prompt_tokens_details":null,"stop_reason":null,"tags":[],"tid":null,
		"trace_id":null,"request_id":null,"feedback":null,"project_id":null,"error_type":null,"error_data":null,
		"status":"success","model_handle":null,"cached_input_tokens":null,"cache_write_tokens":null,
		"reasoning_tokens":null,"start_time":"2026-01-01T00:00:00.000000001Z"}`, string(b))
	var back Step
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, s, back)
}

// TestErrorDataIsAnObjectWithDetailsAsJSON: Letta's error_data has all
// three keys and details is a dict, not a string holding one.
func TestErrorDataIsAnObjectWithDetailsAsJSON(t *testing.T) {
	s := Step{ID: lettaID, ErrorData: &ErrorData{Message: "429", Details: `{"status_code": 429}`}, Tags: []string{"a"}}
	b, err := json.Marshal(s)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, map[string]any{"message": "429", "traceback": nil, "details": map[string]any{"status_code": float64(429)}},
		m["error_data"])
	require.Equal(t, []any{"a"}, m["tags"])

	var back Step
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, `{"status_code":429}`, back.ErrorData.Details, "details read back as its JSON text")

	// The older record form, details as a string, still reads.
	require.NoError(t, json.Unmarshal([]byte(`{"id":"x","error_data":{"details":"plain text"}}`), &back))
	require.Equal(t, &ErrorData{Details: "plain text"}, back.ErrorData)
	b, err = json.Marshal(back.ErrorData)
	require.NoError(t, err)
	require.JSONEq(t, `{"message":null,"traceback":null,"details":"plain text"}`, string(b))
}
