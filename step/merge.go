package step

import (
	"maps"
	"slices"
	"strings"
)

// Merge folds patch p into s. The rule is a join, so merging the same patches
// in any order and any number of times gives the same record:
//   - a set value beats an unset one;
//   - status and progression only move forward (pending before any terminal
//     status; between terminal statuses failed > cancelled > success);
//   - counts take the larger value (Letta inserts a step with 0 tokens and
//     fills them in later);
//   - start_time takes the earlier time and end_time the later;
//   - tags are the sorted union;
//   - a string field (but id) takes the value of the later stage (Stages):
//     a source's update beats the value it replaced;
//   - the cost fields move as one group, by source (cost.go);
//   - any other conflict takes the lexicographically larger string. That is
//     arbitrary but fixed, and never depends on arrival order.
//
// For strings this is the maximum of (stage, value) pairs, so the rule stays
// a join. Derived fields are not merged: call Finalize on the result.
func (s *Step) Merge(p *Step) { s.merge(p, false) }

// MergeOwned is Merge for an s whose Stages map no copy of s shares, such
// as a record assembled from patches that Merge alone has written: it
// changes the map in place instead of copying it on each call.
func (s *Step) MergeOwned(p *Step) { s.merge(p, true) }

func (s *Step) merge(p *Step, owned bool) {
	m := merging{s: s, p: p, staged: s.Stages != nil || p.Stages != nil, owned: owned}
	s.ID = maxStr(s.ID, p.ID)
	m.str("origin", &s.Origin, p.Origin)
	m.str("organization_id", &s.OrganizationID, p.OrganizationID)
	m.str("provider_id", &s.ProviderID, p.ProviderID)
	m.str("run_id", &s.RunID, p.RunID)
	m.str("agent_id", &s.AgentID, p.AgentID)
	m.str("provider_name", &s.ProviderName, p.ProviderName)
	m.str("provider_category", &s.ProviderCategory, p.ProviderCategory)
	m.str("model", &s.Model, p.Model)
	m.str("model_endpoint", &s.ModelEndpoint, p.ModelEndpoint)
	s.ContextWindowLimit = maxInt(s.ContextWindowLimit, p.ContextWindowLimit)
	s.CompletionTokens = maxInt(s.CompletionTokens, p.CompletionTokens)
	s.PromptTokens = maxInt(s.PromptTokens, p.PromptTokens)
	s.TotalTokens = maxInt(s.TotalTokens, p.TotalTokens)
	m.str("stop_reason", &s.StopReason, p.StopReason)
	s.Tags = unionTags(s.Tags, p.Tags)
	m.str("tid", &s.TID, p.TID)
	m.str("trace_id", &s.TraceID, p.TraceID)
	m.str("request_id", &s.RequestID, p.RequestID)
	m.str("feedback", &s.Feedback, p.Feedback)
	m.str("project_id", &s.ProjectID, p.ProjectID)
	m.str("error_type", &s.ErrorType, p.ErrorType)
	s.ErrorData = mergeErrorData(s.ErrorData, p.ErrorData)
	if statusRank[p.Status] > statusRank[s.Status] {
		s.Status = p.Status
	}
	m.str("model_handle", &s.ModelHandle, p.ModelHandle)
	s.CachedInputTokens = maxInt(s.CachedInputTokens, p.CachedInputTokens)
	s.CacheWriteTokens = maxInt(s.CacheWriteTokens, p.CacheWriteTokens)
	s.ReasoningTokens = maxInt(s.ReasoningTokens, p.ReasoningTokens)
	m.str("span_id", &s.SpanID, p.SpanID)
	if p.StartTime != 0 && (s.StartTime == 0 || p.StartTime < s.StartTime) {
		s.StartTime = p.StartTime
	}
	if p.EndTime > s.EndTime {
		s.EndTime = p.EndTime
	}
	m.str("service_name", &s.ServiceName, p.ServiceName)
	m.str("conversation_id", &s.ConversationID, p.ConversationID)
	m.str("user_id", &s.UserID, p.UserID)
	m.str("finish_reason", &s.FinishReason, p.FinishReason)
	m.str("finish_reason_raw", &s.FinishReasonRaw, p.FinishReasonRaw)
	m.str("source", &s.Source, p.Source)
	s.TraceURL = maxStr(s.TraceURL, p.TraceURL)
	if progressionRank[p.Progression] > progressionRank[s.Progression] {
		s.Progression = p.Progression
	}
	s.mergeCost(p)
	if m.staged && len(s.Stages) == 0 {
		s.Stages = nil
	}
}

// merging carries the stages through one Merge. s.Stages is copied before
// its first change: a Step copied by value shares the map.
type merging struct {
	s, p   *Step
	staged bool // either side has stages; else every stage is 0
	owned  bool
}

// str merges one staged string field: (stage, value) pairs compare by
// stage, then by value, and an unset value is below every set one.
func (m *merging) str(name string, dst *string, v string) {
	if v == "" {
		return
	}
	if !m.staged {
		*dst = maxStr(*dst, v)
		return
	}
	sv := m.p.Stages[name]
	if cur := *dst; cur != "" {
		sc := m.s.Stages[name]
		if sc > sv || sc == sv && cur >= v {
			return
		}
	}
	*dst = v
	if !m.owned {
		m.s.Stages, m.owned = maps.Clone(m.s.Stages), true
	}
	if sv == 0 {
		delete(m.s.Stages, name)
		return
	}
	if m.s.Stages == nil {
		m.s.Stages = Stages{}
	}
	m.s.Stages[name] = sv
}

// StatusRank exposes the forward order of statuses for backends that apply
// the merge rule themselves (0 for unset).
func StatusRank(s Status) int { return statusRank[s] }

// ProgressionRank exposes the forward order of progressions (0 for unset).
func ProgressionRank(p Progression) int { return progressionRank[p] }

func maxStr(a, b string) string {
	if b > a {
		return b
	}
	return a
}

func maxInt(a, b *int64) *int64 {
	if b == nil {
		return a
	}
	if a == nil || *b > *a {
		return Int(*b)
	}
	return a
}

func mergeErrorData(a, b *ErrorData) *ErrorData {
	if b == nil {
		return a
	}
	if a == nil {
		c := *b
		return &c
	}
	return &ErrorData{
		Message:   maxStr(a.Message, b.Message),
		Traceback: maxStr(a.Traceback, b.Traceback),
		Details:   maxStr(a.Details, b.Details),
	}
}

func unionTags(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := make([]string, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	slices.SortFunc(out, strings.Compare)
	return slices.Compact(out)
}
