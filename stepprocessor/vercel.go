package stepprocessor

import (
	"fmt"
	"strings"

	"github.com/segmentio/encoding/json"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
)

// The instrumentation scopes the AI SDK's own tracers use. "ai" is the
// legacy telemetry of v3 to v6 and AI SDK 7's LegacyOpenTelemetry;
// "gen_ai" is AI SDK 7's @ai-sdk/otel GenAIOpenTelemetry. A user-supplied
// tracer keeps its own name, and its GenAI-mode spans are then left to the
// generic GenAI recogniser, which reads the same gen_ai.* keys.
const (
	vercelLegacyScope = "ai"
	vercelGenAIScope  = "gen_ai"
)

// vercelKeys is where each record field comes from on a Vercel AI SDK span,
// in priority order. One table serves every generation: the ai.* keys of
// v3 to v6 and the gen_ai.* keys that the legacy spans carry alongside them
// and that AI SDK 7's GenAI mode uses alone.
var vercelKeys = struct {
	operationID string
	operation   string // gen_ai.operation.name, AI SDK 7 GenAI mode
	call        modelCallKeys
	// noCache is v6's cache-exclusive input count; inputTokens is defined
	// as noCache + cacheRead + cacheWrite.
	noCache   []string
	v6Details []string
	// usageKeys are the legacy spans' own input keys; rawInput applies to
	// these only, never to AI SDK 7's gen_ai.* counts.
	usageKeys []string
	// providerMetadata is the provider's own usage as JSON: the only place
	// ≤v5 records the Anthropic cache write, and v4 the cache read.
	providerMetadata string
	agent            []string
	session          []string
	user             []string
	tags             []string
}{
	operationID: "ai.operationId",
	operation:   "gen_ai.operation.name",
	call: modelCallKeys{
		model:         []string{"ai.response.model", "gen_ai.response.model", "ai.model.id", "gen_ai.request.model"},
		responseModel: []string{"ai.response.model", "gen_ai.response.model"},
		// Raw AI SDK provider ids ("openai.chat", "anthropic.messages");
		// GenAI mode writes the OpenTelemetry value instead.
		provider:  []string{"ai.model.provider", "gen_ai.system", "gen_ai.provider.name"},
		requestID: []string{"ai.response.id", "gen_ai.response.id"},
		// ai.usage.inputTokens in v6 and later includes cache reads and
		// writes by definition. Before v6 (ai.usage.promptTokens, and v5's
		// ai.usage.inputTokens) the provider decided: OpenAI's count
		// includes cached tokens; the Anthropic and Bedrock providers pass
		// their API's own count, which leaves the cache out, so readCall
		// adds the cache back for those two only (rawInput).
		prompt: []string{"ai.usage.inputTokens", "gen_ai.usage.input_tokens",
			"ai.usage.promptTokens", "gen_ai.usage.prompt_tokens"},
		completion: []string{"ai.usage.outputTokens", "gen_ai.usage.output_tokens",
			"ai.usage.completionTokens", "gen_ai.usage.completion_tokens"},
		total: []string{"ai.usage.totalTokens"},
		// The v6 detail keys first: they are part of one breakdown whose
		// sum is inputTokens, so they agree with the prompt count.
		cacheRead: []string{"ai.usage.inputTokenDetails.cacheReadTokens",
			"ai.usage.cachedInputTokens", "gen_ai.usage.cache_read.input_tokens"},
		cacheWrite: []string{"ai.usage.inputTokenDetails.cacheWriteTokens",
			"gen_ai.usage.cache_creation.input_tokens"},
		reasoning: []string{"ai.usage.outputTokenDetails.reasoningTokens",
			"ai.usage.reasoningTokens", "gen_ai.usage.reasoning.output_tokens"},
		// Unified, hyphenated values ("tool-calls") in every mode.
		// ai.finishReason is v3.
		finish:    []string{"ai.response.finishReason", "ai.finishReason", "gen_ai.response.finish_reasons"},
		errorType: []string{"error.type"},
	},
	noCache: []string{"ai.usage.inputTokenDetails.noCacheTokens"},
	// Any of v6's breakdown keys marks a span whose input includes the
	// cache.
	v6Details: []string{"ai.usage.inputTokenDetails.noCacheTokens",
		"ai.usage.inputTokenDetails.cacheReadTokens", "ai.usage.inputTokenDetails.cacheWriteTokens"},
	usageKeys:        []string{"ai.usage.inputTokens", "ai.usage.promptTokens"},
	providerMetadata: "ai.response.providerMetadata",
	// functionId names the agent in legacy mode; GenAI mode copies it to
	// gen_ai.agent.name. The metadata keys are the Langfuse convention for
	// telemetry.metadata. AI SDK 7 dropped telemetry.metadata: the same
	// names now come from the runtime context, which LegacyOpenTelemetry
	// records as ai.settings.context.* when includeRuntimeContext lists
	// them (GenAI mode records none).
	agent:   []string{"ai.telemetry.functionId", "gen_ai.agent.name"},
	session: []string{"ai.telemetry.metadata.sessionId", "ai.settings.context.sessionId"},
	user:    []string{"ai.telemetry.metadata.userId", "ai.settings.context.userId"},
	tags:    []string{"ai.telemetry.metadata.tags"},
}

type vercelRecogniser struct {
	operationID, operation     slot
	call                       modelCallSlots
	noCache, v6Details         []slot
	usageKeys                  []slot
	providerMetadata           slot
	agent, session, user, tags []slot
}

func newVercel(ix *keyIndex) *vercelRecogniser {
	k := &vercelKeys
	return &vercelRecogniser{
		operationID:      ix.add(k.operationID),
		operation:        ix.add(k.operation),
		call:             k.call.register(ix),
		noCache:          ix.addAll(k.noCache...),
		v6Details:        ix.addAll(k.v6Details...),
		usageKeys:        ix.addAll(k.usageKeys...),
		providerMetadata: ix.add(k.providerMetadata),
		agent:            ix.addAll(k.agent...),
		session:          ix.addAll(k.session...),
		user:             ix.addAll(k.user...),
		tags:             ix.addAll(k.tags...),
	}
}

func (r *vercelRecogniser) recognise(f *spanFacts, out *finding) bool {
	if op, legacy := r.legacyOperation(f); legacy {
		return r.recogniseLegacy(f, op, out)
	} else if f.scope.Name() == vercelGenAIScope {
		return r.recogniseGenAIMode(f, out)
	}
	return false
}

// legacyOperation returns the AI SDK operation of a legacy-mode span:
// ai.operationId, or for spans of the "ai" scope without it, the span name,
// which the AI SDK always sets to the operation id.
func (r *vercelRecogniser) legacyOperation(f *spanFacts) (string, bool) {
	if v, ok := f.get(r.operationID); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str(), true
	}
	if f.scope.Name() == vercelLegacyScope {
		return f.span.Name(), true
	}
	return "", false
}

// recogniseLegacy handles v3 to v6 and AI SDK 7's LegacyOpenTelemetry. The
// doGenerate/doStream spans are the provider calls. The outer spans are
// one generateText-style call each: the run, whose ai.usage.* totals every
// step beneath it and is never read.
func (r *vercelRecogniser) recogniseLegacy(f *spanFacts, op string, out *finding) bool {
	switch op {
	case "ai.generateText.doGenerate", "ai.streamText.doStream",
		"ai.generateObject.doGenerate", "ai.streamObject.doStream":
		r.readCall(f, out)
	case "ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject":
		out.role = roleContext
		out.ctx.RunID = runOf(f)
	default:
		// Tool calls, embeddings and reranking are no steps.
		return false
	}
	r.readContext(f, out)
	return true
}

// recogniseGenAIMode handles AI SDK 7's GenAIOpenTelemetry, which names
// its spans by shape: a root "invoke_agent {model}" with the aggregate
// usage of the whole call, one "step N" (agent_step) per loop iteration,
// and a "chat {model}" CLIENT span for the provider call inside each step.
func (r *vercelRecogniser) recogniseGenAIMode(f *spanFacts, out *finding) bool {
	v, ok := f.get(r.operation)
	if !ok || v.Type() != pcommon.ValueTypeStr {
		return false
	}
	name := f.span.Name()
	switch v.Str() {
	case "invoke_agent":
		if !strings.HasPrefix(name, "invoke_agent") {
			return false
		}
		out.role = roleContext
		out.ctx.RunID = runOf(f)
	case "agent_step":
		if !strings.HasPrefix(name, "step ") {
			return false
		}
		// A wrapper: its step is the chat span beneath it.
		out.role = roleContext
		return true
	case "chat":
		if f.span.Kind() != ptrace.SpanKindClient || !strings.HasPrefix(name, "chat") {
			return false
		}
		r.readCall(f, out)
	default:
		return false
	}
	r.readContext(f, out)
	return true
}

func (r *vercelRecogniser) readCall(f *spanFacts, out *finding) {
	out.role = roleLLM
	readModelCall(f, &r.call, out)
	p := &out.patch
	// A v6 span that lost its inputTokens (or carries only the breakdown)
	// still defines the total as the sum of its parts.
	if p.PromptTokens == nil {
		var noCache *int64
		f.count(r.noCache, &noCache, out)
		if noCache != nil {
			n := *noCache
			if p.CachedInputTokens != nil {
				n += *p.CachedInputTokens
			}
			if p.CacheWriteTokens != nil {
				n += *p.CacheWriteTokens
			}
			p.PromptTokens = step.Int(n)
		}
	}
	if cacheExclusiveProvider(p.ProviderName) {
		// Only these providers record a cache write, and on ≤v5 spans only
		// in the provider metadata.
		r.cacheFromMetadata(f, out)
		if r.rawInput(f) {
			addCacheToPrompt(p)
		}
	}
}

// rawInput reports a pre-v6 span, whose input count from the Anthropic or
// Bedrock provider is the API's own, which leaves cache reads and writes out (the v5
// Anthropic provider's ai.usage.inputTokens 4 beside 2,183 written to the
// cache).
func (r *vercelRecogniser) rawInput(f *spanFacts) bool {
	return anyPresent(f, r.usageKeys) && !anyPresent(f, r.v6Details)
}

// cacheFromMetadata fills the cache counts that a pre-v6 span records only
// in ai.response.providerMetadata: the Anthropic provider's
// cacheCreationInputTokens (v4, v5) and cacheReadInputTokens (v4), the
// raw anthropic.usage, and Bedrock's usage.
func (r *vercelRecogniser) cacheFromMetadata(f *spanFacts, out *finding) {
	p := &out.patch
	if p.CachedInputTokens != nil && p.CacheWriteTokens != nil {
		return
	}
	v, ok := f.get(r.providerMetadata)
	if !ok {
		return
	}
	var md struct {
		Anthropic struct {
			CacheCreation *int64 `json:"cacheCreationInputTokens"`
			CacheRead     *int64 `json:"cacheReadInputTokens"`
			Usage         struct {
				CacheCreation *int64 `json:"cache_creation_input_tokens"`
				CacheRead     *int64 `json:"cache_read_input_tokens"`
			} `json:"usage"`
		} `json:"anthropic"`
		Bedrock struct {
			Usage struct {
				CacheWrite *int64 `json:"cacheWriteInputTokens"`
				CacheRead  *int64 `json:"cacheReadInputTokens"`
			} `json:"usage"`
		} `json:"bedrock"`
	}
	if err := json.Unmarshal([]byte(v.AsString()), &md); err != nil {
		out.problem(f.ix.keys[r.providerMetadata], fmt.Errorf("want a JSON object: %w", err))
		return
	}
	a, b := &md.Anthropic, &md.Bedrock.Usage
	if p.CacheWriteTokens == nil {
		p.CacheWriteTokens = firstCount(a.CacheCreation, a.Usage.CacheCreation, b.CacheWrite)
	}
	if p.CachedInputTokens == nil {
		p.CachedInputTokens = firstCount(a.CacheRead, a.Usage.CacheRead, b.CacheRead)
	}
}

// firstCount returns the first non-negative count.
func firstCount(counts ...*int64) *int64 {
	for _, c := range counts {
		if c != nil && *c >= 0 {
			return step.Int(*c)
		}
	}
	return nil
}

func (r *vercelRecogniser) readContext(f *spanFacts, out *finding) {
	c := &out.ctx
	c.AgentID = readText(f, r.agent, out)
	c.ConversationID = readText(f, r.session, out)
	c.UserID = readText(f, r.user, out)
	c.Tags = readTags(f, r.tags, out)
}
