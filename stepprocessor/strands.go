package stepprocessor

// Strands Agents (strands-agents/sdk-python src/strands/telemetry/tracer.py,
// strands-agents/sdk-typescript src/telemetry/tracer.ts) writes GenAI
// spans: invoke_agent {name}, execute_event_loop_cycle, chat (INTERNAL,
// one per model call) and execute_tool {name}. Its quirks:
//
//   - gen_ai.system (gen_ai.provider.name with gen_ai_latest_experimental)
//     is the framework, "strands-agents", or in TypeScript the service
//     name: never the provider, so no provider key is read and the provider
//     comes from evidence (a Bedrock model id).
//   - The finish reason is only on the gen_ai.choice span event (or in the
//     output messages with gen_ai_latest_experimental); modelcall.go reads
//     both for every convention. TypeScript writes endTurn, toolUse.
//   - Counts are Strands' Usage, Bedrock Converse's shape: for Bedrock,
//     inputTokens leaves out cacheReadInputTokens and cacheWriteInputTokens
//     (written as gen_ai.usage.cache_read_input_tokens and
//     gen_ai.usage.cache_write_input_tokens), totalTokens counts them. The
//     OpenAI model passes prompt_tokens, which includes the cache. Strands
//     1.62 (strands/telemetry/metrics.py _total_prompt_tokens) writes
//     gen_ai.usage.input_tokens with the cache already added whenever
//     inputTokens + outputTokens is not totalTokens; older releases wrote
//     inputTokens as it was. The recorded total tells the two apart
//     (normaliseByTotal); without one the cache is added, as older releases need.
var strandsKeys = genaiFamilyKeys{
	call:          withoutProvider(genaiKeys.call),
	contextWindow: genaiKeys.contextWindow,
	ctx: ctxKeys{
		agentID: genaiKeys.ctx.agentID,
		// trace_attributes={"session.id": ...} is how Strands' docs attach
		// a session.
		conversationID: concat(genaiKeys.ctx.conversationID, []string{"session.id"}),
		userID:         genaiKeys.ctx.userID,
	},
}

// strandsScope is the Python tracer's name (the module); the TypeScript
// tracer is named after the service, so its spans are known by
// strandsOnlyKeys.
const strandsScope = "strands.telemetry.tracer"

// strandsOnlyKeys: both SDKs stamp every span with these, and no other
// emitter does.
var strandsOnlyKeys = []string{"gen_ai.event.start_time", "gen_ai.event.end_time"}

type strandsRecogniser struct {
	signs []slot
	genai *genaiRecogniser
}

func newStrands(ix *keyIndex) *strandsRecogniser {
	return &strandsRecogniser{signs: ix.addAll(strandsOnlyKeys...), genai: newGenAIWith(ix, &strandsKeys)}
}

// claims is the cheap check: the Python scope or the keys only Strands
// writes.
func (r *strandsRecogniser) claims(f *spanFacts) bool {
	return f.scope.Name() == strandsScope || f.hits > 0 && anyPresent(f, r.signs)
}

func (r *strandsRecogniser) recognise(f *spanFacts, out *finding) bool {
	if !r.claims(f) || !r.genai.recognise(f, out) {
		return false
	}
	if out.role == roleLLM && out.patch.ProviderName == "aws.bedrock" {
		if out.patch.TotalTokens != nil {
			// Bedrock's totalTokens counts the cache: it shows whether
			// input_tokens did (Strands ≥1.62) or not.
			normaliseByTotal(&out.patch)
		} else {
			// Bedrock Converse's inputTokens, passed through as input_tokens,
			// with no total to show whether Strands added the cache.
			addCacheToPrompt(&out.patch)
		}
	}
	return true
}

// withoutProvider is k with no provider keys, for emitters whose
// gen_ai.system names themselves.
func withoutProvider(k modelCallKeys) modelCallKeys {
	return withProviderKeys(k)
}

// withProviderKeys is k reading the provider from keys only, for emitters
// whose gen_ai.system names themselves but whose other keys do not.
func withProviderKeys(k modelCallKeys, keys ...string) modelCallKeys {
	k.provider = keys
	return k
}
