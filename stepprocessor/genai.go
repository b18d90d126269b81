package stepprocessor

import (
	"strings"

	"github.com/agentsteps/collector/step"
)

// genaiKeys is the OpenTelemetry GenAI key table: for each field the current
// key, then the deprecated one, then aliases that other emitters use.
var genaiKeys = genaiFamilyKeys{
	call: modelCallKeys{
		// The response model is what served the call; the request model
		// is only what was asked for.
		model:         []string{"gen_ai.response.model", "gen_ai.request.model"},
		responseModel: []string{"gen_ai.response.model"},
		// gen_ai.system was renamed in v1.37.0; instrumentations written
		// against <=v1.36 keep emitting it unless opted in.
		provider:  []string{"gen_ai.provider.name", "gen_ai.system"},
		requestID: []string{"gen_ai.response.id"},
		prompt: []string{
			"gen_ai.usage.input_tokens",
			"gen_ai.usage.prompt_tokens", // renamed in v1.27.0
		},
		completion: []string{
			"gen_ai.usage.output_tokens",
			"gen_ai.usage.completion_tokens", // renamed in v1.27.0
		},
		// The spec has no total (semantic-conventions-genai#8); OpenLLMetry
		// and Sentry emit this one.
		total: []string{"gen_ai.usage.total_tokens"},
		cacheRead: []string{
			"gen_ai.usage.cache_read.input_tokens", // v1.40.0
			"gen_ai.usage.cache_read_input_tokens", // OpenLLMetry before Jun 2026
			"gen_ai.usage.cache_read_tokens",       // older pydantic-ai (langfuse#12306)
			"gen_ai.usage.details.cache_read_tokens",
			"gen_ai.usage.details.cache_read_input_tokens",
			"gen_ai.usage.input_cached_tokens", // Langfuse alias (langfuse PR #14902)
			"gen_ai.usage.cached_input_tokens",
			"gen_ai.usage.input_tokens.cached", // Sentry
		},
		cacheWrite: []string{
			"gen_ai.usage.cache_creation.input_tokens",
			"gen_ai.usage.cache_creation_input_tokens",
			"gen_ai.usage.cache_write_tokens",
			"gen_ai.usage.details.cache_write_tokens",
			"gen_ai.usage.details.cache_creation_input_tokens",
			"gen_ai.usage.input_cache_creation",
			"gen_ai.usage.cache_write.input_tokens", // @anthropic-ai/sdk's own spans (0.137)
			"gen_ai.usage.cache_write_input_tokens", // Strands (Python and TypeScript)
		},
		reasoning: []string{
			"gen_ai.usage.reasoning.output_tokens", // v1.41.0
			"gen_ai.usage.reasoning_tokens",        // OpenLLMetry
			"gen_ai.usage.output_tokens.reasoning", // Sentry
			"gen_ai.usage.details.reasoning_tokens",
			// pydantic-ai's Gemini models: thoughts_token_count, which
			// pydantic-ai already adds to gen_ai.usage.output_tokens.
			"gen_ai.usage.details.thoughts_tokens",
		},
		// A string array, one per choice; some SDKs write it as a
		// stringified array.
		// @anthropic-ai/sdk's own spans (0.137) record only the raw
		// stop_reason, under their own key.
		// Semantic Kernel (Python 1.45) writes one string under the
		// singular key, its choices' FinishReason enums joined by commas.
		finish:    []string{"gen_ai.response.finish_reasons", "anthropic.message.stop_reason", "gen_ai.response.finish_reason"},
		errorType: []string{"error.type"},
	},
	// The only context-window key found anywhere (sentry-conventions#315).
	contextWindow: []string{"gen_ai.context.window_size"},
	ctx: ctxKeys{
		agentID:        []string{"gen_ai.agent.id", "gen_ai.agent.name"},
		conversationID: []string{"gen_ai.conversation.id"}, // v1.34.0
		// Not GenAI keys: the general ones.
		userID: []string{"user.id", "enduser.id"},
	},
}

// genaiRecogniser is the fallback for anything that follows the
// OpenTelemetry GenAI conventions, current or deprecated.
type genaiRecogniser struct {
	op           slot
	workflowName []slot
	keys         genaiFamilySlots
}

func newGenAI(ix *keyIndex) *genaiRecogniser { return newGenAIWith(ix, &genaiKeys) }

// newGenAIWith reads the GenAI shape with another key table: the
// GenAI-shaped emitters (Strands, ADK, LangSmith) extend or trim it.
func newGenAIWith(ix *keyIndex, keys *genaiFamilyKeys) *genaiRecogniser {
	return &genaiRecogniser{
		op:           ix.add("gen_ai.operation.name"),
		workflowName: ix.addAll("gen_ai.workflow.name"),
		keys:         keys.register(ix),
	}
}

func (r *genaiRecogniser) recognise(f *spanFacts, out *finding) bool {
	if f.hits == 0 {
		return false
	}
	op := opName(f, r.op)
	switch {
	case genaiModelCall(op) || op == "" && r.keys.legacyModelCall(f):
		out.role = roleLLM
		r.keys.readCall(f, out)
		if scope := f.scope.Name(); strings.HasPrefix(scope, openlitScopePrefix) {
			dropOpenLITZeroCache(&out.patch)
			if openlitCacheExclusive[scope] {
				addCacheToPrompt(&out.patch)
			}
		}
		return true
	case genaiInvocation(op):
		out.role = roleContext
		r.keys.ctx.read(f, &out.ctx, out)
		if out.ctx.AgentID == "" {
			out.ctx.AgentID = readText(f, r.workflowName, out)
		}
		// create_agent makes an agent; it is not a run of one.
		if op != "create_agent" {
			out.ctx.RunID = runOf(f)
		}
		return true
	}
	// execute_tool, embeddings, retrieval and the rest: context only.
	return r.keys.ctx.contextOnly(f, out)
}

// openlitScopePrefix: OpenLIT (Python) names each tracer after its
// instrumentation module, such as openlit.instrumentation.openai.
const openlitScopePrefix = "openlit."

// openlitCacheExclusive: OpenLIT's instrumentations that write the
// provider's own input count, which leaves cache reads and writes out, as
// gen_ai.usage.input_tokens, with the cache counts beside it (openlit
// 1.45.0: anthropic/utils.py "Anthropic's API reports input_tokens
// exclusive of cache read / creation tokens", bedrock/utils.py the same of
// Converse's inputTokens; its other instrumentations price with
// prompt_tokens_include_cache=True). No total key: nothing else tells.
var openlitCacheExclusive = map[string]bool{
	"openlit.instrumentation.anthropic": true,
	"openlit.instrumentation.bedrock":   true,
}

// dropOpenLITZeroCache unsets the cache counts OpenLIT wrote as 0. It writes
// gen_ai.usage.cache_read.input_tokens and cache_creation.input_tokens on
// every call, 0 when the API reported none (openlit 1.45.0,
// instrumentation/openai/utils.py: prompt_tokens_details.get(
// "cache_write_tokens", 0), which OpenAI never sends; ollama/utils.py the
// same), so its 0 is no count, as its gen_ai.usage.cost of 0 is no price.
func dropOpenLITZeroCache(p *step.Step) {
	if p.CachedInputTokens != nil && *p.CachedInputTokens == 0 {
		p.CachedInputTokens = nil
	}
	if p.CacheWriteTokens != nil && *p.CacheWriteTokens == 0 {
		p.CacheWriteTokens = nil
	}
}

// genaiModelCall reports the operations that are one model call. The spec
// names chat, text_completion and generate_content; completion and
// generate are seen in the wild (Langfuse maps them to generations too).
func genaiModelCall(op string) bool {
	switch op {
	case "chat", "text_completion", "generate_content", "completion", "generate":
		return true
	}
	return false
}

// genaiInvocation reports the operations whose span wraps an agent or a
// workflow. Usage on them is an aggregate (the spec even recommends usage
// on invoke_agent) and is never read.
func genaiInvocation(op string) bool {
	switch op {
	case "invoke_agent", "create_agent", "invoke_workflow":
		return true
	}
	return false
}
