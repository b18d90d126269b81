package ottl

import "strings"

// sources lists, for each step.* key, the GenAI (current and deprecated),
// OpenInference and OpenLLMetry keys that carry it, in the priority order
// stepprocessor reads them.
var sources = []struct {
	target string
	keys   []string
}{
	{"step.model", []string{
		"gen_ai.response.model", "gen_ai.request.model",
		"llm.response.model_name", "llm.model_name", "llm.request.model_name",
		"llm.response.model", "llm.request.model",
	}},
	{"step.provider_name", []string{
		"gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", "llm.vendor",
	}},
	{"step.prompt_tokens", []string{
		"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
		"llm.token_count.prompt", "llm.usage.prompt_tokens",
	}},
	{"step.completion_tokens", []string{
		"gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
		"llm.token_count.completion", "llm.usage.completion_tokens",
	}},
	{"step.conversation_id", []string{
		"gen_ai.conversation.id", "session.id", "traceloop.association.properties.session_id",
	}},
	{"step.finish_reason", []string{
		"gen_ai.response.finish_reasons", "llm.finish_reason", "gen_ai.response.finish_reason",
		"gen_ai.completion.0.finish_reason", "llm.response.finish_reason",
	}},
}

func attr(k string) string { return `attributes["` + k + `"]` }

// whereChain is what a user writes first: one set per source key, in
// priority order, each guarded so that a higher-priority key already
// copied is not overwritten.
func whereChain() []string {
	var out []string
	for _, s := range sources {
		for i, k := range s.keys {
			cond := attr(k) + " != nil"
			if i > 0 {
				cond = attr(s.target) + " == nil and " + cond
			}
			out = append(out, "set("+attr(s.target)+", "+attr(k)+") where "+cond)
		}
	}
	return out
}

// coalesce is the tighter form: one set per target over Coalesce of the
// source keys in priority order. set writes an empty value when Coalesce
// finds nothing, so the statement runs only where some source key is
// present.
func coalesce() []string {
	var out []string
	for _, s := range sources {
		vals := make([]string, len(s.keys))
		present := make([]string, len(s.keys))
		for i, k := range s.keys {
			vals[i] = attr(k)
			present[i] = attr(k) + " != nil"
		}
		out = append(out, "set("+attr(s.target)+", Coalesce(["+strings.Join(vals, ", ")+"])) where "+
			strings.Join(present, " or "))
	}
	return out
}
