package stepprocessor

import (
	"errors"
	"fmt"

	"github.com/segmentio/encoding/json"

	"github.com/agentsteps/collector/step"
)

// Token counts of a Letta step: the UsageStatistics repr on the StepManager
// spans and the provider usage in log_provider_trace's response_data.

// readLettaUsage reads a UsageStatistics repr. Its counts follow OpenAI's
// meaning, which is also ours: prompt_tokens includes cached input and
// completion_tokens includes reasoning. Letta writes the cache and
// reasoning columns only when they are above zero (normalize_cache_tokens,
// normalize_reasoning_tokens). A bad count is reported and the others
// are still read.
func readLettaUsage(t string, p *step.Step, details bool) error {
	v, err := parsePyRepr(t)
	if err != nil {
		return err
	}
	if v.kind != pyCall {
		return fmt.Errorf("want a UsageStatistics(...) repr, got %s", clipRepr(t))
	}
	var errs []error
	read := func(from pyValue, name string, dst **int64, positive bool) {
		fv, ok := from.field(name)
		if !ok {
			return
		}
		n, ok, err := fv.count()
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		case ok && (n > 0 || !positive):
			*dst = step.Int(n)
		}
	}
	read(v.pyValue, "prompt_tokens", &p.PromptTokens, false)
	read(v.pyValue, "completion_tokens", &p.CompletionTokens, false)
	read(v.pyValue, "total_tokens", &p.TotalTokens, false)
	if details {
		if pd, ok := v.field("prompt_tokens_details"); ok && pd.kind != pyNone {
			// cached_tokens (OpenAI) and cache_read_tokens (Anthropic) both
			// name the cached input; Letta keeps whichever is set.
			read(pd, "cached_tokens", &p.CachedInputTokens, true)
			var cacheRead *int64
			read(pd, "cache_read_tokens", &cacheRead, true)
			if p.CachedInputTokens == nil {
				p.CachedInputTokens = cacheRead
			}
			read(pd, "cache_creation_tokens", &p.CacheWriteTokens, true)
		}
		if cd, ok := v.field("completion_tokens_details"); ok && cd.kind != pyNone {
			read(cd, "reasoning_tokens", &p.ReasoningTokens, true)
		}
	}
	return errors.Join(errs...)
}

// lettaResponseUsage is the usage object in log_provider_trace's
// response_data: the raw provider usage on the V2 blocking path, or what
// the streaming adapters synthesize, {"input_tokens", "output_tokens"}.
type lettaResponseUsage struct {
	PromptTokens        *int64 `json:"prompt_tokens"`
	CompletionTokens    *int64 `json:"completion_tokens"`
	TotalTokens         *int64 `json:"total_tokens"`
	PromptTokensDetails *struct {
		CachedTokens *int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens *int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
	InputTokens  *int64 `json:"input_tokens"`
	OutputTokens *int64 `json:"output_tokens"`
	// Anthropic counts cached input apart from input_tokens.
	CacheReadInputTokens     *int64 `json:"cache_read_input_tokens"`
	CacheCreationInputTokens *int64 `json:"cache_creation_input_tokens"`
}

// readResponseData reads the token counts of log_provider_trace's
// response_data. They describe the same call as the success update's
// UsageStatistics, so merging them (counts take the larger) is safe.
func (r *lettaRecogniser) readResponseData(f *spanFacts, out *finding) {
	t, ok := lettaParam(f, r.responseData)
	if !ok {
		return
	}
	var resp struct {
		Usage *lettaResponseUsage `json:"usage"`
	}
	if err := json.Unmarshal([]byte(t), &resp); err != nil {
		out.problem(lettaKeys.responseData, fmt.Errorf("want JSON: %w", err))
		return
	}
	u := resp.Usage
	if u == nil {
		return
	}
	for _, n := range []*int64{u.PromptTokens, u.CompletionTokens, u.TotalTokens, u.InputTokens,
		u.OutputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens} {
		if n != nil && *n < 0 {
			out.problem(lettaKeys.responseData, fmt.Errorf("usage: negative count %d", *n))
			return
		}
	}
	p := &out.patch
	p.PromptTokens, p.CompletionTokens, p.TotalTokens = u.PromptTokens, u.CompletionTokens, u.TotalTokens
	if p.PromptTokens == nil && u.InputTokens != nil {
		n := *u.InputTokens + deref(u.CacheReadInputTokens) + deref(u.CacheCreationInputTokens)
		p.PromptTokens = &n
	}
	if p.CompletionTokens == nil {
		p.CompletionTokens = u.OutputTokens
	}
	p.CachedInputTokens = positive(u.CacheReadInputTokens)
	p.CacheWriteTokens = positive(u.CacheCreationInputTokens)
	if d := u.PromptTokensDetails; d != nil && p.CachedInputTokens == nil {
		p.CachedInputTokens = positive(d.CachedTokens)
	}
	if d := u.CompletionTokensDetails; d != nil {
		p.ReasoningTokens = positive(d.ReasoningTokens)
	}
}

func deref(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}

// positive keeps a count only when above zero, as Letta writes its cache
// and reasoning columns.
func positive(n *int64) *int64 {
	if n == nil || *n <= 0 {
		return nil
	}
	return n
}
