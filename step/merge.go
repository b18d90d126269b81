package step

import (
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
//   - the cost fields move as one group, by source (cost.go);
//   - any other conflict takes the lexicographically larger string. That is
//     arbitrary but fixed, and never depends on arrival order.
//
// Derived fields are not merged: call Finalize on the result.
func (s *Step) Merge(p *Step) {
	s.ID = maxStr(s.ID, p.ID)
	s.Origin = maxStr(s.Origin, p.Origin)
	s.OrganizationID = maxStr(s.OrganizationID, p.OrganizationID)
	s.ProviderID = maxStr(s.ProviderID, p.ProviderID)
	s.RunID = maxStr(s.RunID, p.RunID)
	s.AgentID = maxStr(s.AgentID, p.AgentID)
	s.ProviderName = maxStr(s.ProviderName, p.ProviderName)
	s.ProviderCategory = maxStr(s.ProviderCategory, p.ProviderCategory)
	s.Model = maxStr(s.Model, p.Model)
	s.ModelEndpoint = maxStr(s.ModelEndpoint, p.ModelEndpoint)
	s.ContextWindowLimit = maxInt(s.ContextWindowLimit, p.ContextWindowLimit)
	s.CompletionTokens = maxInt(s.CompletionTokens, p.CompletionTokens)
	s.PromptTokens = maxInt(s.PromptTokens, p.PromptTokens)
	s.TotalTokens = maxInt(s.TotalTokens, p.TotalTokens)
	s.StopReason = maxStr(s.StopReason, p.StopReason)
	s.Tags = unionTags(s.Tags, p.Tags)
	s.TID = maxStr(s.TID, p.TID)
	s.TraceID = maxStr(s.TraceID, p.TraceID)
	s.RequestID = maxStr(s.RequestID, p.RequestID)
	s.Feedback = maxStr(s.Feedback, p.Feedback)
	s.ProjectID = maxStr(s.ProjectID, p.ProjectID)
	s.ErrorType = maxStr(s.ErrorType, p.ErrorType)
	s.ErrorData = mergeErrorData(s.ErrorData, p.ErrorData)
	if statusRank[p.Status] > statusRank[s.Status] {
		s.Status = p.Status
	}
	s.ModelHandle = maxStr(s.ModelHandle, p.ModelHandle)
	s.CachedInputTokens = maxInt(s.CachedInputTokens, p.CachedInputTokens)
	s.CacheWriteTokens = maxInt(s.CacheWriteTokens, p.CacheWriteTokens)
	s.ReasoningTokens = maxInt(s.ReasoningTokens, p.ReasoningTokens)
	s.SpanID = maxStr(s.SpanID, p.SpanID)
	if p.StartTime != 0 && (s.StartTime == 0 || p.StartTime < s.StartTime) {
		s.StartTime = p.StartTime
	}
	if p.EndTime > s.EndTime {
		s.EndTime = p.EndTime
	}
	s.ServiceName = maxStr(s.ServiceName, p.ServiceName)
	s.ConversationID = maxStr(s.ConversationID, p.ConversationID)
	s.UserID = maxStr(s.UserID, p.UserID)
	s.FinishReason = maxStr(s.FinishReason, p.FinishReason)
	s.FinishReasonRaw = maxStr(s.FinishReasonRaw, p.FinishReasonRaw)
	s.Source = maxStr(s.Source, p.Source)
	s.TraceURL = maxStr(s.TraceURL, p.TraceURL)
	if progressionRank[p.Progression] > progressionRank[s.Progression] {
		s.Progression = p.Progression
	}
	s.mergeCost(p)
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
