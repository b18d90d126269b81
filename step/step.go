// Package step holds the Step record, the rule that merges partial records,
// and the step.* span attributes that carry a record from the processor to
// the exporter. It knows nothing of instrumentation conventions or backends.
package step

// Step is one model call inside an agent loop. Field names and JSON names
// follow Letta's Step schema; the fields after Status are what Letta's
// database and the wider ecosystem add.
//
// A Step with only some fields set is a patch. Unset means the zero value:
// "" for strings, nil for counts and details, 0 for times.
type Step struct {
	ID                      string                   `json:"id"`
	Origin                  string                   `json:"origin,omitempty"`
	OrganizationID          string                   `json:"organization_id,omitempty"`
	ProviderID              string                   `json:"provider_id,omitempty"`
	RunID                   string                   `json:"run_id,omitempty"`
	AgentID                 string                   `json:"agent_id,omitempty"`
	ProviderName            string                   `json:"provider_name,omitempty"`
	ProviderCategory        string                   `json:"provider_category,omitempty"`
	Model                   string                   `json:"model,omitempty"`
	ModelEndpoint           string                   `json:"model_endpoint,omitempty"`
	ContextWindowLimit      *int64                   `json:"context_window_limit,omitempty"`
	CompletionTokens        *int64                   `json:"completion_tokens,omitempty"`
	PromptTokens            *int64                   `json:"prompt_tokens,omitempty"`
	TotalTokens             *int64                   `json:"total_tokens,omitempty"`
	CompletionTokensDetails *CompletionTokensDetails `json:"completion_tokens_details,omitempty"`
	PromptTokensDetails     *PromptTokensDetails     `json:"prompt_tokens_details,omitempty"`
	StopReason              string                   `json:"stop_reason,omitempty"`
	Tags                    []string                 `json:"tags,omitempty"`
	TID                     string                   `json:"tid,omitempty"`
	TraceID                 string                   `json:"trace_id,omitempty"`
	RequestID               string                   `json:"request_id,omitempty"`
	Feedback                string                   `json:"feedback,omitempty"`
	ProjectID               string                   `json:"project_id,omitempty"`
	ErrorType               string                   `json:"error_type,omitempty"`
	ErrorData               *ErrorData               `json:"error_data,omitempty"`
	Status                  Status                   `json:"status,omitempty"`

	ModelHandle       string      `json:"model_handle,omitempty"`
	CachedInputTokens *int64      `json:"cached_input_tokens,omitempty"`
	CacheWriteTokens  *int64      `json:"cache_write_tokens,omitempty"`
	ReasoningTokens   *int64      `json:"reasoning_tokens,omitempty"`
	SpanID            string      `json:"span_id,omitempty"`
	StartTime         Time        `json:"start_time,omitempty"`
	EndTime           Time        `json:"end_time,omitempty"`
	ServiceName       string      `json:"service_name,omitempty"`
	ConversationID    string      `json:"conversation_id,omitempty"`
	UserID            string      `json:"user_id,omitempty"`
	FinishReason      string      `json:"finish_reason,omitempty"`
	FinishReasonRaw   string      `json:"finish_reason_raw,omitempty"`
	Source            string      `json:"source,omitempty"`
	TraceURL          string      `json:"trace_url,omitempty"`
	Progression       Progression `json:"progression,omitempty"`

	// Stages says at which stage of the step each staged value was
	// written (stage.go). It steers the merge and travels as step.stages;
	// it is not part of the JSON record.
	Stages Stages `json:"-"`
	// Cost in USD (cost.go): total, input (uncached input, cache reads and
	// writes, input audio) and output; CostSource says which price applied:
	// "config", "span" or "catalogue@<version>". Unset when unknown.
	CostUSD       *float64 `json:"cost_usd,omitempty"`
	InputCostUSD  *float64 `json:"input_cost_usd,omitempty"`
	OutputCostUSD *float64 `json:"output_cost_usd,omitempty"`
	CostSource    string   `json:"cost_source,omitempty"`
}

// ErrorData has Letta's shape: {"message","traceback","details"}. Details is
// JSON text (Letta stores a dict or null there); in JSON it is written as
// that value when it is an object or array (json.go).
type ErrorData struct {
	Message   string `json:"message,omitempty"`
	Traceback string `json:"traceback,omitempty"`
	Details   string `json:"details,omitempty"`
}

// PromptTokensDetails mirrors Letta's prompt_tokens_details. Letta writes the
// cached-input count under both cached_tokens and cache_read_tokens.
type PromptTokensDetails struct {
	CachedTokens        *int64 `json:"cached_tokens,omitempty"`
	CacheReadTokens     *int64 `json:"cache_read_tokens,omitempty"`
	CacheCreationTokens *int64 `json:"cache_creation_tokens,omitempty"`
}

// CompletionTokensDetails mirrors Letta's completion_tokens_details.
type CompletionTokensDetails struct {
	ReasoningTokens *int64 `json:"reasoning_tokens,omitempty"`
}

// Int returns a pointer to v, for the count fields.
func Int(v int64) *int64 { return &v }

// Finalize fills what follows from the other fields: total_tokens is at
// least prompt plus completion (so it is filled when no total was recorded),
// and Letta's detail objects come from the cache and reasoning counts.
// Finalize commutes with Merge (both only take maxima), so a backend may
// store finalized rows and merge later patches into them.
func (s *Step) Finalize() {
	if s.PromptTokens != nil && s.CompletionTokens != nil {
		s.TotalTokens = maxInt(s.TotalTokens, Int(*s.PromptTokens+*s.CompletionTokens))
	}
	s.PromptTokensDetails = nil
	if s.CachedInputTokens != nil || s.CacheWriteTokens != nil {
		d := &PromptTokensDetails{CacheCreationTokens: s.CacheWriteTokens}
		if s.CachedInputTokens != nil {
			d.CachedTokens, d.CacheReadTokens = s.CachedInputTokens, s.CachedInputTokens
		}
		s.PromptTokensDetails = d
	}
	s.CompletionTokensDetails = nil
	if s.ReasoningTokens != nil {
		s.CompletionTokensDetails = &CompletionTokensDetails{ReasoningTokens: s.ReasoningTokens}
	}
}
