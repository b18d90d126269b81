package pgstore

import "github.com/agentsteps/collector/step"

// kind says how a column is encoded, merged and read back.
type kind int

const (
	kindString kind = iota
	kindCount
	kindTotal // total_tokens: a count, then at least prompt + completion
	kindStart // start_time: the earliest
	kindEnd   // end_time: the latest
	// start_time_ns and end_time_ns hold the nanoseconds past the
	// microsecond that timestamptz drops, so a record read back is the
	// record written, as in every other backend.
	kindStartNanos
	kindEndNanos
	kindStatus
	kindProgression
	kindTags
	kindErrorData
	kindPromptDetails     // derived from cached_input_tokens and cache_write_tokens
	kindCompletionDetails // derived from reasoning_tokens
	kindStages            // {"field": stage} of the staged values the row holds
	kindUSD               // an amount in USD, merged with its cost_source
	kindCostSource        // cost_source: the higher source wins (step.CostSourceRank)
)

// column is one column the store writes. ddl is the type create_schema
// gives it: Letta's type for Letta's columns (String is VARCHAR, Integer is
// integer, JSON is json), so Letta's own SQL keeps working on our table.
type column struct {
	name  string
	kind  kind
	ddl   string
	str   func(*step.Step) *string
	count func(*step.Step) **int64
	usd   func(*step.Step) **float64
}

func usdCol(name string, get func(*step.Step) **float64) column {
	return column{name: name, kind: kindUSD, ddl: "DOUBLE PRECISION", usd: get}
}

func strCol(name string, get func(*step.Step) *string) column {
	return column{name: name, kind: kindString, ddl: "VARCHAR", str: get}
}

func countCol(name string, get func(*step.Step) **int64) column {
	return column{name: name, kind: kindCount, ddl: "INTEGER", count: get}
}

// columns lists Letta's steps columns in Letta's order, then ours. id is
// first and is the conflict target.
var columns = []column{
	strCol("id", func(s *step.Step) *string { return &s.ID }),
	strCol("origin", func(s *step.Step) *string { return &s.Origin }),
	strCol("organization_id", func(s *step.Step) *string { return &s.OrganizationID }),
	strCol("provider_id", func(s *step.Step) *string { return &s.ProviderID }),
	strCol("run_id", func(s *step.Step) *string { return &s.RunID }),
	strCol("agent_id", func(s *step.Step) *string { return &s.AgentID }),
	strCol("provider_name", func(s *step.Step) *string { return &s.ProviderName }),
	strCol("provider_category", func(s *step.Step) *string { return &s.ProviderCategory }),
	strCol("model", func(s *step.Step) *string { return &s.Model }),
	strCol("model_handle", func(s *step.Step) *string { return &s.ModelHandle }),
	strCol("model_endpoint", func(s *step.Step) *string { return &s.ModelEndpoint }),
	countCol("context_window_limit", func(s *step.Step) **int64 { return &s.ContextWindowLimit }),
	countCol("completion_tokens", func(s *step.Step) **int64 { return &s.CompletionTokens }),
	countCol("prompt_tokens", func(s *step.Step) **int64 { return &s.PromptTokens }),
	{name: "total_tokens", kind: kindTotal, ddl: "INTEGER", count: func(s *step.Step) **int64 { return &s.TotalTokens }},
	countCol("cached_input_tokens", func(s *step.Step) **int64 { return &s.CachedInputTokens }),
	countCol("cache_write_tokens", func(s *step.Step) **int64 { return &s.CacheWriteTokens }),
	countCol("reasoning_tokens", func(s *step.Step) **int64 { return &s.ReasoningTokens }),
	{name: "completion_tokens_details", kind: kindCompletionDetails, ddl: "JSON"},
	{name: "prompt_tokens_details", kind: kindPromptDetails, ddl: "JSON"},
	strCol("stop_reason", func(s *step.Step) *string { return &s.StopReason }),
	{name: "tags", kind: kindTags, ddl: "JSON"},
	strCol("tid", func(s *step.Step) *string { return &s.TID }),
	strCol("trace_id", func(s *step.Step) *string { return &s.TraceID }),
	strCol("request_id", func(s *step.Step) *string { return &s.RequestID }),
	strCol("feedback", func(s *step.Step) *string { return &s.Feedback }),
	strCol("error_type", func(s *step.Step) *string { return &s.ErrorType }),
	{name: "error_data", kind: kindErrorData, ddl: "JSON"},
	{name: "status", kind: kindStatus}, // the stepstatus enum, in the table's schema
	strCol("project_id", func(s *step.Step) *string { return &s.ProjectID }),

	strCol("span_id", func(s *step.Step) *string { return &s.SpanID }),
	{name: "start_time", kind: kindStart, ddl: "TIMESTAMPTZ"},
	{name: "end_time", kind: kindEnd, ddl: "TIMESTAMPTZ"},
	{name: "start_time_ns", kind: kindStartNanos, ddl: "SMALLINT"},
	{name: "end_time_ns", kind: kindEndNanos, ddl: "SMALLINT"},
	strCol("service_name", func(s *step.Step) *string { return &s.ServiceName }),
	strCol("conversation_id", func(s *step.Step) *string { return &s.ConversationID }),
	strCol("user_id", func(s *step.Step) *string { return &s.UserID }),
	strCol("finish_reason", func(s *step.Step) *string { return &s.FinishReason }),
	strCol("finish_reason_raw", func(s *step.Step) *string { return &s.FinishReasonRaw }),
	strCol("source", func(s *step.Step) *string { return &s.Source }),
	strCol("trace_url", func(s *step.Step) *string { return &s.TraceURL }),
	{name: "progression", kind: kindProgression, ddl: "VARCHAR"},
	usdCol("cost_usd", func(s *step.Step) **float64 { return &s.CostUSD }),
	usdCol("input_cost_usd", func(s *step.Step) **float64 { return &s.InputCostUSD }),
	usdCol("output_cost_usd", func(s *step.Step) **float64 { return &s.OutputCostUSD }),
	{name: "cost_source", kind: kindCostSource, ddl: "VARCHAR", str: func(s *step.Step) *string { return &s.CostSource }},
	{name: "stages", kind: kindStages, ddl: "JSON"},
}

// staged reports whether the column merges by stage first (step.Field.Staged).
func (c column) staged() bool {
	f, ok := step.FieldByName(c.name)
	return c.kind == kindString && ok && f.Staged()
}

// incomingType is the column's type in the temporary table that COPY fills:
// the record's own types. The INSERT casts each to the target's type.
func (c column) incomingType() string {
	switch c.kind {
	case kindCount, kindTotal:
		return "bigint"
	case kindStartNanos, kindEndNanos:
		return "smallint"
	case kindUSD:
		return "double precision"
	case kindStart, kindEnd:
		return "timestamptz"
	case kindTags, kindErrorData, kindPromptDetails, kindCompletionDetails, kindStages:
		return "json"
	}
	return "text"
}
