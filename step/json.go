package step

import (
	"bytes"
	"encoding/json"
)

// lettaNullable are the fields of Letta's Step schema (letta/schemas/step.py,
// archive 56ba9c2) that its serialised Step always has, null when unset.
// tags is always there too, as [] when empty. The record's other fields
// (span_id, start_time, ... progression) are agentsteps' extras and are
// left out when unset.
var lettaNullable = []string{
	"origin", "organization_id", "provider_id", "run_id", "agent_id", "provider_name", "provider_category",
	"model", "model_endpoint", "context_window_limit", "completion_tokens", "prompt_tokens", "total_tokens",
	"completion_tokens_details", "prompt_tokens_details", "stop_reason", "tid", "trace_id", "request_id",
	"feedback", "project_id", "error_type", "error_data", "status", "model_handle", "cached_input_tokens",
	"cache_write_tokens", "reasoning_tokens",
}

// MarshalJSON writes the record in the shape of Letta's serialised Step:
// every Letta field present (null when unset), tags as a list, error_data
// as an object; agentsteps' extra fields follow when set.
func (s Step) MarshalJSON() ([]byte, error) {
	type plain Step
	if s.ErrorData != nil && s.ErrorData.empty() {
		s.ErrorData = nil
	}
	b, err := json.Marshal(plain(s))
	if err != nil {
		return nil, err
	}
	b = b[:len(b)-1] // reopen the object; "id" is always in it
	for _, name := range lettaNullable {
		if !s.has(name) {
			b = append(append(append(b, `,"`...), name...), `":null`...)
		}
	}
	if len(s.Tags) == 0 {
		b = append(b, `,"tags":[]`...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads a record as MarshalJSON writes it, and the older form
// with fields left out and error_data.details as a string.
func (s *Step) UnmarshalJSON(b []byte) error {
	type plain Step
	if err := json.Unmarshal(b, (*plain)(s)); err != nil {
		return err
	}
	if len(s.Tags) == 0 {
		s.Tags = nil
	}
	if s.ErrorData != nil && s.ErrorData.empty() {
		s.ErrorData = nil
	}
	return nil
}

// has reports whether the named Letta field has a value in s.
func (s *Step) has(name string) bool {
	switch name {
	case "error_data":
		return s.ErrorData != nil && !s.ErrorData.empty()
	case "prompt_tokens_details":
		return s.PromptTokensDetails != nil
	case "completion_tokens_details":
		return s.CompletionTokensDetails != nil
	}
	return byName[name].isSet(s)
}

func (e *ErrorData) empty() bool { return *e == ErrorData{} }

// MarshalJSON writes Letta's {"message","traceback","details"}: all three
// keys, null when unset, and details as the JSON value it holds when that
// is an object or array (Letta's dict), else as a string.
func (e ErrorData) MarshalJSON() ([]byte, error) {
	b := []byte(`{"message":`)
	b = appendNullable(b, e.Message)
	b = append(b, `,"traceback":`...)
	b = appendNullable(b, e.Traceback)
	b = append(b, `,"details":`...)
	if d := bytes.TrimSpace([]byte(e.Details)); len(d) > 0 && (d[0] == '{' || d[0] == '[') && json.Valid(d) {
		var c bytes.Buffer
		_ = json.Compact(&c, d) // valid: cannot fail
		b = append(b, c.Bytes()...)
	} else {
		b = appendNullable(b, e.Details)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads error_data with details as an object, an array, a
// string or null.
func (e *ErrorData) UnmarshalJSON(b []byte) error {
	var raw struct {
		Message   *string         `json:"message"`
		Traceback *string         `json:"traceback"`
		Details   json.RawMessage `json:"details"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*e = ErrorData{}
	if raw.Message != nil {
		e.Message = *raw.Message
	}
	if raw.Traceback != nil {
		e.Traceback = *raw.Traceback
	}
	switch d := bytes.TrimSpace(raw.Details); {
	case len(d) == 0 || string(d) == "null":
	case d[0] == '"':
		return json.Unmarshal(d, &e.Details)
	default:
		e.Details = string(d)
	}
	return nil
}

func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	q, _ := json.Marshal(s) // a string: cannot fail
	return append(b, q...)
}
