package stepprocessor

import (
	"strings"

	"github.com/segmentio/encoding/json"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// readOutputUsage fills the cache and reasoning counts of an OpenInference
// LLM span that recorded none under llm.token_count.*, from the provider's
// usage object in its output.value JSON, where that is the whole response:
// openai-agents' instrumentation records a streamed Responses API
// response as [response], the OpenAI instrumentation a Chat Completions
// one (fillUsageDetails), and smolagents the repr of the SDK's response
// under "raw", whose first choice also gives the finish reason. Anything
// else (no JSON, no usage, a count that is no whole number) leaves the
// step as the keys gave it: output.value is free text to the convention,
// not an error to report.
func readOutputUsage(v pcommon.Value, p *step.Step) {
	if p.PromptTokens == nil || v.Type() != pcommon.ValueTypeStr {
		return
	}
	s := v.Str()
	switch {
	case strings.Contains(s, `"usage"`):
		if usage, ok := outputUsage(strings.TrimSpace(s)); ok {
			fillUsageDetails(jsonUsage{usage}, p)
		}
	case strings.Contains(s, "usage="):
		// smolagents records its ChatMessage, whose "raw" is the repr of
		// the SDK's response: ChatCompletion(..., usage=CompletionUsage(...)).
		// The finish reason is in it too, which smolagents records nowhere
		// else: read once the usage has shown it is this call's response.
		resp, ok := rawRepr(strings.TrimSpace(s))
		if !ok {
			return
		}
		if usage, ok := (pyUsage{resp}).member("usage"); ok && fillUsageDetails(usage, p) && p.FinishReasonRaw == "" {
			p.FinishReasonRaw, p.FinishReason = reprFinish(resp)
		}
	}
	// Most outputs are messages, and neither: no JSON check for them.
}

// rawRepr parses the repr under the "raw" member of an output.value
// object: the SDK's response, ChatCompletion(...).
func rawRepr(s string) (pyValue, bool) {
	if !strings.HasPrefix(s, "{") {
		return pyValue{}, false
	}
	out, ok := newJSONObject(s)
	if !ok {
		return pyValue{}, false
	}
	raw, _ := out.lookup("raw")
	text, ok := raw.(string)
	if !ok {
		return pyValue{}, false
	}
	resp, err := parsePyRepr(text)
	if err != nil || resp.kind != pyCall {
		return pyValue{}, false
	}
	return resp.pyValue, true
}

// reprFinish reads the first choice's finish_reason of a ChatCompletion
// repr, raw and normalised; "" when it has none.
func reprFinish(resp pyValue) (raw, norm string) {
	choices, ok := resp.field("choices")
	if !ok || choices.kind != pyList || len(choices.items) == 0 {
		return "", ""
	}
	first := choices.items[0].val
	fr, ok := first.field("finish_reason")
	if !ok || fr.kind != pyStr || fr.text == "" {
		return "", ""
	}
	return finishFromValue(pcommon.NewValueStr(fr.text))
}

// fillUsageDetails sets the cache-read and reasoning counts that p lacks
// from a provider's usage object in OpenAI's shapes: Responses
// (input_tokens, input_tokens_details.cached_tokens,
// output_tokens_details.reasoning_tokens) or Chat Completions
// (prompt_tokens, prompt_tokens_details, completion_tokens_details). Both
// count as we do: the input includes its cached part, the output its
// reasoning. The object is believed only when its input count is p's
// prompt count, so that some other usage (an aggregate, a tool's, or
// Anthropic's, whose input_tokens leaves the cache out) is never read as
// this call's; it reports whether it was. cache_write_tokens is not read:
// the openai SDK's model writes 0 there when the API sent none.
func fillUsageDetails(usage usageObject, p *step.Step) bool {
	if p.PromptTokens == nil {
		return false
	}
	input, ok := usage.count("input_tokens", "prompt_tokens")
	if !ok || input != *p.PromptTokens {
		return false
	}
	if d, ok := usage.member("input_tokens_details", "prompt_tokens_details"); ok && p.CachedInputTokens == nil {
		if n, ok := d.count("cached_tokens"); ok {
			p.CachedInputTokens = step.Int(n)
		}
	}
	if d, ok := usage.member("output_tokens_details", "completion_tokens_details"); ok && p.ReasoningTokens == nil {
		if n, ok := d.count("reasoning_tokens"); ok {
			p.ReasoningTokens = step.Int(n)
		}
	}
	return true
}

// usageObject is a provider's usage as one emitter wrote it: JSON text
// (jsonUsage) or the repr of the SDK's object (pyUsage).
type usageObject interface {
	// count returns the whole, non-negative number under the first of keys
	// that holds a number.
	count(keys ...string) (int64, bool)
	// member returns the object under the first of keys that holds one.
	member(keys ...string) (usageObject, bool)
}

type jsonUsage struct{ o jsonObject }

func (u jsonUsage) count(keys ...string) (int64, bool) { return jsonCount(u.o, keys...) }

func (u jsonUsage) member(keys ...string) (usageObject, bool) {
	m, ok := jsonMemberOf(u.o, keys...)
	return jsonUsage{m}, ok
}

// pyUsage is the repr of an openai SDK usage object,
// CompletionUsage(prompt_tokens=..., prompt_tokens_details=PromptTokensDetails(...)).
type pyUsage struct{ v pyValue }

func (u pyUsage) count(keys ...string) (int64, bool) {
	for _, k := range keys {
		if f, ok := u.v.field(k); ok {
			if n, ok, err := f.count(); ok && err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

func (u pyUsage) member(keys ...string) (usageObject, bool) {
	for _, k := range keys {
		if f, ok := u.v.field(k); ok && (f.kind == pyCall || f.kind == pyDict) {
			return pyUsage{f}, true
		}
	}
	return nil, false
}

// outputUsage finds the usage object in an output.value: the response
// object's own, or, where the value is a list (openai-agents records a
// streamed response as [response]), that of its first object that has one.
func outputUsage(s string) (jsonObject, bool) {
	switch {
	case strings.HasPrefix(s, "{"):
		if out, ok := newJSONObject(s); ok {
			return jsonMember(out, "usage")
		}
	case strings.HasPrefix(s, "["):
		// Checked as a whole as newJSONObject checks an object, then
		// walked element by element.
		if !json.Valid([]byte(s)) || !jsonNumbersFit(s) {
			return jsonObject{}, false
		}
		for i := skipJSONSpace(s, 1); i < len(s) && s[i] != ']'; {
			end := jsonValueEnd(s, i)
			if s[i] == '{' {
				if u, ok := jsonMember(jsonObject{s: s[i:end]}, "usage"); ok {
					return u, true
				}
			}
			i = skipJSONSpace(s, end)
			if i < len(s) && s[i] == ',' {
				i = skipJSONSpace(s, i+1)
			}
		}
	}
	return jsonObject{}, false
}

// jsonMember returns the object under key.
func jsonMember(o jsonObject, key string) (jsonObject, bool) {
	x, _ := o.lookup(key)
	if raw, ok := x.(jsonRaw); ok && len(raw) > 0 && raw[0] == '{' {
		return jsonObject{s: string(raw)}, true // part of a checked whole
	}
	return jsonObject{}, false
}

// jsonMemberOf returns the object under the first of keys that has one.
func jsonMemberOf(o jsonObject, keys ...string) (jsonObject, bool) {
	for _, k := range keys {
		if m, ok := jsonMember(o, k); ok {
			return m, true
		}
	}
	return jsonObject{}, false
}

// jsonCount returns the count under the first of keys that holds a
// number, if that number is a count by step's rule (usageCount: whole,
// non-negative, at most 2^53).
func jsonCount(o jsonObject, keys ...string) (int64, bool) {
	for _, k := range keys {
		x, _ := o.lookup(k)
		if f, ok := x.(float64); ok {
			n, err := usageCount(f)
			return n, err == nil
		}
	}
	return 0, false
}

// readRawUsage fills the cache and reasoning counts a span's keys left out
// from gen_ai.usage.raw, the provider's usage object as JSON, which Logfire
// writes beside its gen_ai.usage.* keys (fillUsageDetails). A value that is
// no JSON object leaves the step as the keys gave it.
func readRawUsage(v pcommon.Value, p *step.Step) {
	if v.Type() != pcommon.ValueTypeStr {
		return
	}
	s := strings.TrimSpace(v.Str())
	if !strings.HasPrefix(s, "{") {
		return
	}
	if usage, ok := newJSONObject(s); ok {
		fillUsageDetails(jsonUsage{usage}, p)
	}
}
