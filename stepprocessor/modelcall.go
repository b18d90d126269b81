package stepprocessor

import (
	"fmt"
	"strings"

	"github.com/segmentio/encoding/json"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// modelCallKeys is a convention's table of attribute keys for one model
// call, each list in priority order. OpenInference and the Vercel AI SDK
// fill it; readModelCall turns the span into a step patch.
type modelCallKeys struct {
	model []string
	// responseModel is the subset of model that only a response carries,
	// which tells a call that failed half-way from one that never started.
	responseModel []string
	provider      []string
	requestID     []string
	prompt        []string
	completion    []string
	total         []string
	cacheRead     []string
	cacheWrite    []string
	reasoning     []string
	finish        []string
	errorType     []string
}

// modelCallSlots is modelCallKeys registered in the key index.
type modelCallSlots struct {
	model, responseModel, provider, requestID      []slot
	prompt, completion, total                      []slot
	cacheRead, cacheWrite, reasoning, finish, errT []slot
}

func (k *modelCallKeys) register(ix *keyIndex) modelCallSlots {
	return modelCallSlots{
		model:         ix.addAll(k.model...),
		responseModel: ix.addAll(k.responseModel...),
		provider:      ix.addAll(k.provider...),
		requestID:     ix.addAll(k.requestID...),
		prompt:        ix.addAll(k.prompt...),
		completion:    ix.addAll(k.completion...),
		total:         ix.addAll(k.total...),
		cacheRead:     ix.addAll(k.cacheRead...),
		cacheWrite:    ix.addAll(k.cacheWrite...),
		reasoning:     ix.addAll(k.reasoning...),
		finish:        ix.addAll(k.finish...),
		errT:          ix.addAll(k.errorType...),
	}
}

// readModelCall fills out.patch with everything one model-call span says
// about its own step. The id is left to the core, which derives it from the
// span; stop_reason is Letta's and never set here.
func readModelCall(f *spanFacts, s *modelCallSlots, out *finding) {
	sp := f.span
	p := &out.patch
	p.TraceID = sp.TraceID().String()
	p.SpanID = sp.SpanID().String()
	spanTimes(sp, p)
	p.ServiceName = f.resourceStr("service.name")

	p.Model = readText(f, s.model, out)
	if raw := readText(f, s.provider, out); raw != "" {
		p.ProviderName = normProvider(raw)
	}
	p.RequestID = readText(f, s.requestID, out)

	f.count(s.prompt, &p.PromptTokens, out)
	f.count(s.completion, &p.CompletionTokens, out)
	f.count(s.total, &p.TotalTokens, out)
	f.count(s.cacheRead, &p.CachedInputTokens, out)
	f.count(s.cacheWrite, &p.CacheWriteTokens, out)
	f.count(s.reasoning, &p.ReasoningTokens, out)

	p.FinishReasonRaw, p.FinishReason = readFinish(f, s.finish, out)
	if p.FinishReasonRaw == "" {
		p.FinishReasonRaw, p.FinishReason = finishFromEvents(sp, out)
	}

	errType, hasErrType := f.first(s.errT)
	failed := spanFailed(sp, errType, hasErrType, p) || p.FinishReason == "error"
	p.Status = step.StatusSuccess
	if failed {
		p.Status = step.StatusFailed
	}
	responded := anyPresent(f, s.responseModel) || p.CompletionTokens != nil ||
		p.FinishReasonRaw != "" || p.RequestID != ""
	p.Progression = step.ProgressionStart
	if responded || !failed {
		p.Progression = step.ProgressionFinished
	}
}

// readText returns the first of slots that holds non-empty text. A value
// that is not a scalar is a problem named by its key; the next key is tried.
func readText(f *spanFacts, slots []slot, out *finding) string {
	for _, s := range slots {
		v, ok := f.get(s)
		if !ok {
			continue
		}
		t, err := step.StringFromValue(v)
		if err != nil {
			out.problem(f.ix.keys[s], err)
			continue
		}
		if t != "" {
			return t
		}
	}
	return ""
}

// readFinish returns the first recorded finish reason, raw and normalised.
// Finish reasons come as a string, a string array or a stringified array;
// anything else is a problem.
func readFinish(f *spanFacts, slots []slot, out *finding) (raw, norm string) {
	for _, s := range slots {
		v, ok := f.get(s)
		if !ok {
			continue
		}
		if t := v.Type(); t != pcommon.ValueTypeStr && t != pcommon.ValueTypeSlice {
			out.problem(f.ix.keys[s], errFinishType(v))
			continue
		}
		if raw, norm = finishFromValue(v); raw != "" {
			return raw, norm
		}
	}
	return "", ""
}

// readTags reads tags from the first of slots that holds any.
func readTags(f *spanFacts, slots []slot, out *finding) []string {
	for _, s := range slots {
		v, ok := f.get(s)
		if !ok {
			continue
		}
		tags, err := step.TagsFromValue(v)
		if err != nil {
			out.problem(f.ix.keys[s], err)
			continue
		}
		if len(tags) > 0 {
			return tags
		}
	}
	return nil
}

func errFinishType(v pcommon.Value) error {
	return fmt.Errorf("want a finish reason as a string or a string array, got a %s",
		strings.ToLower(v.Type().String()))
}

func anyPresent(f *spanFacts, slots []slot) bool {
	for _, s := range slots {
		if f.has(s) {
			return true
		}
	}
	return false
}

// runOf names the run of the agent invocation on f's span.
func runOf(f *spanFacts) string {
	return step.DeriveRunID(f.span.TraceID(), f.span.SpanID())
}

// Where a finish reason is recorded off the span's attributes: the legacy
// (≤v1.36) gen_ai.choice event's finish_reason, which Strands still writes
// by default, and the output messages' deprecated per-message
// finish_reason, on the gen_ai.client.inference.operation.details event
// (Strands with gen_ai_latest_experimental) or as the gen_ai.output.messages
// attribute.
const (
	choiceEvent          = "gen_ai.choice"
	operationDetailEvent = "gen_ai.client.inference.operation.details"
	outputMessagesKey    = "gen_ai.output.messages"
)

// finishFromEvents reads the first finish reason recorded on a span event
// or in the output messages. It runs only for a model call whose attributes
// recorded none.
func finishFromEvents(sp ptrace.Span, out *finding) (raw, norm string) {
	evs := sp.Events()
	for i := 0; i < evs.Len(); i++ {
		ev := evs.At(i)
		switch ev.Name() {
		case choiceEvent:
			if v, ok := ev.Attributes().Get("finish_reason"); ok {
				if raw, norm = finishFromValue(v); raw != "" {
					return raw, norm
				}
			}
		case operationDetailEvent:
			if v, ok := ev.Attributes().Get(outputMessagesKey); ok {
				if raw, norm = finishFromMessages(v, out); raw != "" {
					return raw, norm
				}
			}
		}
	}
	if v, ok := sp.Attributes().Get(outputMessagesKey); ok {
		return finishFromMessages(v, out)
	}
	return "", ""
}

// finishFromMessages reads finish_reason from the first output message that
// has one: gen_ai.output.messages is a JSON array of {role, parts,
// finish_reason} in a string.
func finishFromMessages(v pcommon.Value, out *finding) (raw, norm string) {
	if v.Type() != pcommon.ValueTypeStr {
		return "", ""
	}
	var msgs []struct {
		FinishReason string `json:"finish_reason"`
	}
	if err := json.Unmarshal([]byte(v.Str()), &msgs); err != nil {
		out.problem(outputMessagesKey, fmt.Errorf("want a JSON array of output messages: %w", err))
		return "", ""
	}
	for _, m := range msgs {
		if strings.TrimSpace(m.FinishReason) != "" {
			n, _ := normFinish(m.FinishReason)
			return m.FinishReason, n
		}
	}
	return "", ""
}
