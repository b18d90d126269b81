package step

import "sort"

// Kind says how a field's value is typed on a span and in a backend.
type Kind int

const (
	KindString Kind = iota
	KindCount       // a non-negative whole number
	KindTime        // Unix nanoseconds
	KindStatus
	KindProgression
	KindTags
	KindErrorPart // one part of error_data
	KindUSD       // a non-negative amount of US dollars (a double)
)

// Field describes one record field that travels on spans as step.<name>.
type Field struct {
	Name string // Letta's snake_case name, as in the JSON record
	Key  string // the span attribute key: "step." + Name
	Kind Kind

	str   func(*Step) *string
	count func(*Step) **int64
	tm    func(*Step) *Time
	usd   func(*Step) **float64

	staged bool // stagedFields names it (set by stagedList, stage.go)
}

// Prefix starts every key of the step.* contract.
const Prefix = "step."

// PatchesKey holds, on any span, patches for steps that are anchored on
// another span: Letta pieces that arrived after their step was released and
// context from ancestors that ended after their steps. It is a list of maps
// whose keys are the field names without the prefix.
const PatchesKey = "step.patches"

// Fields lists every field that travels on spans, in record order. Derived
// fields (the detail objects) and trace_url, which the exporter fills, do not.
var Fields = []*Field{
	str("id", func(s *Step) *string { return &s.ID }),
	str("origin", func(s *Step) *string { return &s.Origin }),
	str("organization_id", func(s *Step) *string { return &s.OrganizationID }),
	str("provider_id", func(s *Step) *string { return &s.ProviderID }),
	str("run_id", func(s *Step) *string { return &s.RunID }),
	str("agent_id", func(s *Step) *string { return &s.AgentID }),
	str("provider_name", func(s *Step) *string { return &s.ProviderName }),
	str("provider_category", func(s *Step) *string { return &s.ProviderCategory }),
	str("model", func(s *Step) *string { return &s.Model }),
	str("model_endpoint", func(s *Step) *string { return &s.ModelEndpoint }),
	count("context_window_limit", func(s *Step) **int64 { return &s.ContextWindowLimit }),
	count("completion_tokens", func(s *Step) **int64 { return &s.CompletionTokens }),
	count("prompt_tokens", func(s *Step) **int64 { return &s.PromptTokens }),
	count("total_tokens", func(s *Step) **int64 { return &s.TotalTokens }),
	str("stop_reason", func(s *Step) *string { return &s.StopReason }),
	{Name: "tags", Kind: KindTags},
	str("tid", func(s *Step) *string { return &s.TID }),
	str("trace_id", func(s *Step) *string { return &s.TraceID }),
	str("request_id", func(s *Step) *string { return &s.RequestID }),
	str("feedback", func(s *Step) *string { return &s.Feedback }),
	str("project_id", func(s *Step) *string { return &s.ProjectID }),
	str("error_type", func(s *Step) *string { return &s.ErrorType }),
	errPart("error_data.message", func(e *ErrorData) *string { return &e.Message }),
	errPart("error_data.traceback", func(e *ErrorData) *string { return &e.Traceback }),
	errPart("error_data.details", func(e *ErrorData) *string { return &e.Details }),
	{Name: "status", Kind: KindStatus},
	str("model_handle", func(s *Step) *string { return &s.ModelHandle }),
	count("cached_input_tokens", func(s *Step) **int64 { return &s.CachedInputTokens }),
	count("cache_write_tokens", func(s *Step) **int64 { return &s.CacheWriteTokens }),
	count("reasoning_tokens", func(s *Step) **int64 { return &s.ReasoningTokens }),
	str("span_id", func(s *Step) *string { return &s.SpanID }),
	tm("start_time", func(s *Step) *Time { return &s.StartTime }),
	tm("end_time", func(s *Step) *Time { return &s.EndTime }),
	str("service_name", func(s *Step) *string { return &s.ServiceName }),
	str("conversation_id", func(s *Step) *string { return &s.ConversationID }),
	str("user_id", func(s *Step) *string { return &s.UserID }),
	str("finish_reason", func(s *Step) *string { return &s.FinishReason }),
	str("finish_reason_raw", func(s *Step) *string { return &s.FinishReasonRaw }),
	str("source", func(s *Step) *string { return &s.Source }),
	{Name: "progression", Kind: KindProgression},
	usd("cost_usd", func(s *Step) **float64 { return &s.CostUSD }),
	usd("input_cost_usd", func(s *Step) **float64 { return &s.InputCostUSD }),
	usd("output_cost_usd", func(s *Step) **float64 { return &s.OutputCostUSD }),
	str("cost_source", func(s *Step) *string { return &s.CostSource }),
}

var byName, byKey = func() (map[string]*Field, map[string]*Field) {
	n, k := map[string]*Field{}, map[string]*Field{}
	for _, f := range Fields {
		f.Key = Prefix + f.Name
		n[f.Name], k[f.Key] = f, f
	}
	return n, k
}()

// FieldByName finds a field by its record name ("prompt_tokens").
func FieldByName(name string) (*Field, bool) { f, ok := byName[name]; return f, ok }

// FieldByKey finds a field by its span attribute key ("step.prompt_tokens").
func FieldByKey(key string) (*Field, bool) { f, ok := byKey[key]; return f, ok }

// FieldNames lists the field names in sorted order, for error messages.
func FieldNames() []string {
	out := make([]string, 0, len(Fields))
	for _, f := range Fields {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

func str(name string, get func(*Step) *string) *Field {
	return &Field{Name: name, Kind: KindString, str: get}
}

func count(name string, get func(*Step) **int64) *Field {
	return &Field{Name: name, Kind: KindCount, count: get}
}

func tm(name string, get func(*Step) *Time) *Field {
	return &Field{Name: name, Kind: KindTime, tm: get}
}

func usd(name string, get func(*Step) **float64) *Field {
	return &Field{Name: name, Kind: KindUSD, usd: get}
}

func errPart(name string, get func(*ErrorData) *string) *Field {
	return &Field{Name: name, Kind: KindErrorPart, str: func(s *Step) *string {
		if s.ErrorData == nil {
			s.ErrorData = &ErrorData{}
		}
		return get(s.ErrorData)
	}}
}

// isSet reports whether the field has a value in s, without allocating.
func (f *Field) isSet(s *Step) bool {
	switch f.Kind {
	case KindString:
		return *f.str(s) != ""
	case KindErrorPart:
		return s.ErrorData != nil && *f.str(s) != ""
	case KindCount:
		return *f.count(s) != nil
	case KindTime:
		return *f.tm(s) != 0
	case KindUSD:
		return *f.usd(s) != nil
	case KindStatus:
		return s.Status != ""
	case KindProgression:
		return s.Progression != ""
	case KindTags:
		return len(s.Tags) > 0
	}
	return false
}

// Copy sets field f of dst to its value in src, when src has one.
func (f *Field) Copy(dst, src *Step) {
	if !f.isSet(src) {
		return
	}
	switch f.Kind {
	case KindString, KindErrorPart:
		*f.str(dst) = *f.str(src)
	case KindCount:
		*f.count(dst) = Int(**f.count(src))
	case KindTime:
		*f.tm(dst) = *f.tm(src)
	case KindUSD:
		*f.usd(dst) = USD(**f.usd(src))
	case KindStatus:
		dst.Status = src.Status
	case KindProgression:
		dst.Progression = src.Progression
	case KindTags:
		dst.Tags = append([]string(nil), src.Tags...)
	}
}
