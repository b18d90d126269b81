package stepprocessor

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

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
