package stepprocessor

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// litellmUsageKey holds LiteLLM's usage object on its litellm_request span
// (its otel callback flattens the call's metadata as metadata.*): the
// repr of its Usage, in OpenAI's shape. The span's gen_ai.usage.* keys
// carry only the input, output and total counts; cache reads, cache writes
// and reasoning are only here.
const litellmUsageKey = "metadata.usage_object"

// readLiteLLMUsage fills the counts a LiteLLM span's keys left unset from
// its usage object. LiteLLM's counts have our meaning: prompt_tokens
// includes cache reads and writes (its Anthropic transformation adds
// them, calculate_usage) and completion_tokens includes reasoning, with
// the parts under prompt_tokens_details (cached_tokens, cache_write_tokens)
// and completion_tokens_details (reasoning_tokens). A count the span's
// keys gave is kept. A value that is no such repr is an error; a bad count
// is reported and the others are still read.
func readLiteLLMUsage(v pcommon.Value, p *step.Step) error {
	if v.Type() != pcommon.ValueTypeStr {
		return fmt.Errorf("want the repr of a usage object, got a %s", v.Type())
	}
	u, err := parsePyRepr(v.Str())
	if err != nil {
		return err
	}
	if u.kind != pyDict && u.kind != pyCall {
		return fmt.Errorf("want the repr of a usage object, got %s", clipRepr(v.Str()))
	}
	var errs []error
	read := func(from pyValue, name string, dst **int64) {
		fv, ok := from.field(name)
		if !ok || *dst != nil {
			return
		}
		switch n, ok, err := fv.count(); {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		case ok:
			*dst = step.Int(n)
		}
	}
	read(u.pyValue, "prompt_tokens", &p.PromptTokens)
	read(u.pyValue, "completion_tokens", &p.CompletionTokens)
	read(u.pyValue, "total_tokens", &p.TotalTokens)
	if d, ok := u.field("prompt_tokens_details"); ok && d.kind != pyNone {
		read(d, "cached_tokens", &p.CachedInputTokens)
		read(d, "cache_write_tokens", &p.CacheWriteTokens)
	}
	if d, ok := u.field("completion_tokens_details"); ok && d.kind != pyNone {
		read(d, "reasoning_tokens", &p.ReasoningTokens)
	}
	return errors.Join(errs...)
}
