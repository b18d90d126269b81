package stepprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/step"
)

// Token accounting, as kinds rather than cases. A record always means the
// OpenTelemetry thing: prompt_tokens includes cache reads and writes,
// completion_tokens includes reasoning, the details are subsets. Emitters
// that pass a provider's own counts through break that in two known ways:
//
//   - input without the cache: Anthropic's input_tokens and Bedrock
//     Converse's inputTokens count only the uncached input, with cache reads
//     and writes beside it (AI SDK ≤v5's Anthropic and Bedrock providers,
//     Strands, OpenLLMetry JS Anthropic);
//   - output without the thoughts: Gemini's candidates_token_count leaves
//     thoughts_token_count out (ADK, AI SDK ≤v5's Google provider).
//
// A convention that knows its emitter passes such counts says so
// (addCacheToPrompt, addReasoningToCompletion). Where it cannot know, the
// recorded total tells: Bedrock's totalTokens and Gemini's
// total_token_count count everything, so a total equal to prompt +
// completion + cache (or + reasoning) shows which part was left out
// (normaliseByTotal). Whatever still contradicts itself is counted and
// logged (tokenContradiction), never silently stored as right.

// cacheOf returns cache reads plus cache writes.
func cacheOf(p *step.Step) int64 {
	var n int64
	if p.CachedInputTokens != nil {
		n += *p.CachedInputTokens
	}
	if p.CacheWriteTokens != nil {
		n += *p.CacheWriteTokens
	}
	return n
}

// addCacheToPrompt turns a cache-exclusive input count into the inclusive
// one. A recorded total that was the exclusive input plus the output leaves
// the cache out too, and gets the same counts; a total that already counted
// the cache (Bedrock's) is kept.
func addCacheToPrompt(p *step.Step) {
	cache := cacheOf(p)
	if cache == 0 || p.PromptTokens == nil {
		return
	}
	raw := *p.PromptTokens
	p.PromptTokens = step.Int(raw + cache)
	if p.TotalTokens != nil && p.CompletionTokens != nil && *p.TotalTokens == raw+*p.CompletionTokens {
		p.TotalTokens = step.Int(*p.TotalTokens + cache)
	}
}

// addReasoningToCompletion turns a completion count without reasoning
// (Gemini's candidates) into the inclusive one, with the same rule for the
// total as addCacheToPrompt.
func addReasoningToCompletion(p *step.Step) {
	if p.ReasoningTokens == nil || *p.ReasoningTokens == 0 || p.CompletionTokens == nil {
		return
	}
	raw := *p.CompletionTokens
	p.CompletionTokens = step.Int(raw + *p.ReasoningTokens)
	if p.TotalTokens != nil && p.PromptTokens != nil && *p.TotalTokens == *p.PromptTokens+raw {
		p.TotalTokens = step.Int(*p.TotalTokens + *p.ReasoningTokens)
	}
}

// normaliseByTotal reads what a recorded total says about the counts beside
// it. Consistent counts (total = prompt + completion) are left alone. A
// total that equals them plus the cache, the reasoning or both means those
// were left out of prompt or completion, and they are added back.
func normaliseByTotal(p *step.Step) {
	if p.TotalTokens == nil || p.PromptTokens == nil || p.CompletionTokens == nil {
		return
	}
	sum := *p.PromptTokens + *p.CompletionTokens
	if *p.TotalTokens == sum {
		return
	}
	cache := cacheOf(p)
	var reasoning int64
	if p.ReasoningTokens != nil {
		reasoning = *p.ReasoningTokens
	}
	switch t := *p.TotalTokens; {
	case cache > 0 && t == sum+cache:
		p.PromptTokens = step.Int(*p.PromptTokens + cache)
	case reasoning > 0 && t == sum+reasoning:
		p.CompletionTokens = step.Int(*p.CompletionTokens + reasoning)
	case cache > 0 && reasoning > 0 && t == sum+cache+reasoning:
		p.PromptTokens = step.Int(*p.PromptTokens + cache)
		p.CompletionTokens = step.Int(*p.CompletionTokens + reasoning)
	}
}

// cacheExclusiveProvider reports the providers whose own API counts input
// without the cache (Anthropic Messages, Bedrock Converse): with them, a
// cache larger than the input can only mean the input left it out.
func cacheExclusiveProvider(provider string) bool {
	return provider == "anthropic" || provider == "aws.bedrock"
}

// normaliseTokens applies the rules every model-call span gets: the total's
// evidence, then, for a provider whose API counts input without the cache,
// the cache when it exceeds the input.
func normaliseTokens(p *step.Step) {
	normaliseByTotal(p)
	if cacheExclusiveProvider(p.ProviderName) && p.PromptTokens != nil && cacheOf(p) > *p.PromptTokens {
		addCacheToPrompt(p)
	}
}

// Contradictions a record can hold, by name (the metric's "check" value).
const (
	contradictCache     = "cache_above_prompt"
	contradictReasoning = "reasoning_above_completion"
	contradictTotal     = "total_not_prompt_plus_completion"
)

// tokenContradiction names the first way the counts of p contradict each
// other after normalisation, or returns "". The total check applies only
// when all three counts were recorded.
func tokenContradiction(p *step.Step) string {
	switch {
	case p.PromptTokens != nil && cacheOf(p) > *p.PromptTokens:
		return contradictCache
	case p.CompletionTokens != nil && p.ReasoningTokens != nil && *p.ReasoningTokens > *p.CompletionTokens:
		return contradictReasoning
	case p.TotalTokens != nil && p.PromptTokens != nil && p.CompletionTokens != nil &&
		*p.TotalTokens != *p.PromptTokens+*p.CompletionTokens:
		return contradictTotal
	}
	return ""
}

// contradiction is one step whose counts contradict each other.
type contradiction struct {
	scope, version                                           string // the instrumentation scope: the emitter
	check                                                    string
	trace                                                    pcommon.TraceID
	span                                                     pcommon.SpanID
	prompt, completion, total, cached, cacheWrite, reasoning *int64
}

// checkTokens records a contradiction of the step patch p, read from span
// sp of the given scope. Consistent steps cost nothing.
func (r *result) checkTokens(scope pcommon.InstrumentationScope, sp ptrace.Span, p *step.Step) {
	c := tokenContradiction(p)
	if c == "" {
		return
	}
	r.contradictions = append(r.contradictions, contradiction{
		scope: scope.Name(), version: scope.Version(), check: c,
		trace: sp.TraceID(), span: sp.SpanID(),
		prompt: p.PromptTokens, completion: p.CompletionTokens, total: p.TotalTokens,
		cached: p.CachedInputTokens, cacheWrite: p.CacheWriteTokens, reasoning: p.ReasoningTokens,
	})
}

// fields are the contradiction's log fields.
func (c *contradiction) fields() []zap.Field {
	fs := []zap.Field{
		zap.String("scope", c.scope), zap.String("scope_version", c.version), zap.String("check", c.check),
		zap.String("trace_id", c.trace.String()), zap.String("span_id", c.span.String()),
	}
	for _, n := range []struct {
		key string
		v   *int64
	}{{"prompt_tokens", c.prompt}, {"completion_tokens", c.completion}, {"total_tokens", c.total},
		{"cached_input_tokens", c.cached}, {"cache_write_tokens", c.cacheWrite}, {"reasoning_tokens", c.reasoning}} {
		if n.v != nil {
			fs = append(fs, zap.Int64(n.key, *n.v))
		}
	}
	return fs
}
