package stepprocessor

import (
	"fmt"

	"github.com/segmentio/encoding/json"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// Google ADK (google/adk-python src/google/adk/telemetry/tracing.py) traces
// with the scope gcp.vertex.agent: invocation, invoke_agent {name} (with
// gen_ai.conversation.id, the session), call_llm (one model call) and
// execute_tool {name}. trace_call_llm writes on call_llm:
//
//   - gen_ai.system = gcp.vertex.agent, the framework: never the provider,
//     which comes from evidence (gemini-* → gcp.gen_ai, the backend being
//     unknown; a LiteLLM route such as openai/gpt-4o);
//   - gen_ai.usage.input_tokens = prompt_token_count and
//     gen_ai.usage.output_tokens = candidates_token_count, which leaves the
//     thoughts out;
//   - gcp.vertex.agent.llm_response, the LlmResponse as JSON
//     (model_dump_json), whose usage_metadata has the rest:
//     cached_content_token_count (a subset of the prompt),
//     thoughts_token_count, tool_use_prompt_token_count, total_token_count;
//     and model_version, the model that answered;
//   - gen_ai.response.finish_reasons, the lowercased FinishReason name;
//   - gcp.vertex.agent.session_id (the conversation) and invocation_id.
//
// ADK 2.x (tracing.py _use_native_generate_content_span) names the model
// call generate_content {model} instead, with gen_ai.operation.name =
// generate_content and the counts as the convention has them:
// input_tokens = prompt + tool-use prompt, output_tokens = candidates +
// thoughts (telemetry/_token_usage.py), cache_read.input_tokens and
// reasoning.output_tokens beside them, no total, no llm_response JSON. Its
// gen_ai.provider.name is resolved from the model (gemini-* → gcp.gemini,
// a LiteLLM route's prefix), so it is the provider and is read; only
// gen_ai.system, the framework's name in 1.x, is not.
var adkKeys = genaiFamilyKeys{
	call:          withProviderKeys(genaiKeys.call, "gen_ai.provider.name"),
	contextWindow: genaiKeys.contextWindow,
	ctx: ctxKeys{
		agentID:        genaiKeys.ctx.agentID,
		conversationID: concat(genaiKeys.ctx.conversationID, []string{"gcp.vertex.agent.session_id"}),
		userID:         genaiKeys.ctx.userID,
	},
}

const (
	adkScope       = "gcp.vertex.agent"
	adkLLMSpan     = "call_llm"
	adkLLMResponse = "gcp.vertex.agent.llm_response"
)

type adkRecogniser struct {
	op       slot
	response slot
	signs    []slot
	genai    *genaiRecogniser
}

func newADK(ix *keyIndex) *adkRecogniser {
	return &adkRecogniser{
		op:       ix.add("gen_ai.operation.name"),
		response: ix.add(adkLLMResponse),
		signs:    ix.addAll(adkLLMResponse, "gcp.vertex.agent.invocation_id", "gcp.vertex.agent.session_id"),
		genai:    newGenAIWith(ix, &adkKeys),
	}
}

// claims is the cheap check: ADK's scope, or its own keys (a span from a
// renamed tracer).
func (r *adkRecogniser) claims(f *spanFacts) bool {
	return f.scope.Name() == adkScope || f.hits > 0 && anyPresent(f, r.signs)
}

func (r *adkRecogniser) recognise(f *spanFacts, out *finding) bool {
	if !r.claims(f) {
		return false
	}
	op := opName(f, r.op)
	if f.span.Name() != adkLLMSpan && !genaiModelCall(op) {
		// invoke_agent, execute_tool and the rest read as GenAI spans.
		return r.genai.recognise(f, out)
	}
	out.role = roleLLM
	r.genai.keys.readCall(f, out)
	if out.patch.ProviderName == adkScope {
		// The framework, never the provider: evidence decides.
		out.patch.ProviderName = ""
	}
	r.readResponse(f, out)
	return true
}

// adkUsage is the part of an LlmResponse that the record needs. pydantic's
// model_dump_json writes field names; by_alias would write camelCase, which
// is accepted too.
type adkUsage struct {
	ModelVersion      string       `json:"model_version"`
	ModelVersionCamel string       `json:"modelVersion"`
	Usage             *geminiUsage `json:"usage_metadata"`
	UsageCamel        *geminiUsage `json:"usageMetadata"`
}

// geminiUsage is Gemini's GenerateContentResponseUsageMetadata.
type geminiUsage struct {
	Prompt      *int64 `json:"prompt_token_count"`
	Candidates  *int64 `json:"candidates_token_count"`
	Cached      *int64 `json:"cached_content_token_count"`
	Thoughts    *int64 `json:"thoughts_token_count"`
	ToolUse     *int64 `json:"tool_use_prompt_token_count"`
	Total       *int64 `json:"total_token_count"`
	PromptC     *int64 `json:"promptTokenCount"`
	CandidatesC *int64 `json:"candidatesTokenCount"`
	CachedC     *int64 `json:"cachedContentTokenCount"`
	ThoughtsC   *int64 `json:"thoughtsTokenCount"`
	ToolUseC    *int64 `json:"toolUsePromptTokenCount"`
	TotalC      *int64 `json:"totalTokenCount"`
}

// readResponse completes the call from the LlmResponse JSON. Gemini's
// prompt count includes the cached content; the candidates leave the
// thoughts out, so completion is candidates + thoughts; tool-use prompt
// tokens are input too. The response JSON is {} (or an empty map) when
// ADK_CAPTURE_MESSAGE_CONTENT_IN_SPANS is false: the attributes alone are
// read then. Without a total, the thoughts are added to a Gemini call's
// candidates only.
func (r *adkRecogniser) readResponse(f *spanFacts, out *finding) {
	v, ok := f.get(r.response)
	if !ok || v.Type() != pcommon.ValueTypeStr || len(v.Str()) <= 2 {
		return
	}
	var resp adkUsage
	if err := json.Unmarshal([]byte(v.Str()), &resp); err != nil {
		out.problem(adkLLMResponse, fmt.Errorf("want the LlmResponse as a JSON object: %w", err))
		return
	}
	p := &out.patch
	if mv := firstText(resp.ModelVersion, resp.ModelVersionCamel); mv != "" {
		p.Model = mv
	}
	u := resp.Usage
	if u == nil {
		u = resp.UsageCamel
	}
	if u == nil {
		return
	}
	prompt := firstCount(u.Prompt, u.PromptC)
	if prompt == nil {
		prompt = p.PromptTokens
	}
	if prompt != nil {
		if tu := firstCount(u.ToolUse, u.ToolUseC); tu != nil {
			prompt = step.Int(*prompt + *tu)
		}
		p.PromptTokens = prompt
	}
	if c := firstCount(u.Cached, u.CachedC); c != nil {
		p.CachedInputTokens = c
	}
	if t := firstCount(u.Total, u.TotalC); t != nil {
		p.TotalTokens = t
	}
	thoughts := firstCount(u.Thoughts, u.ThoughtsC)
	if thoughts != nil {
		p.ReasoningTokens = thoughts
	}
	if cand := firstCount(u.Candidates, u.CandidatesC); cand != nil {
		p.CompletionTokens = cand
	}
	// Gemini's candidates leave the thoughts out. A recorded total shows it
	// (normaliseByTotal adds them for every convention); without one, the
	// provider decides: through LiteLlm, an OpenAI-style completion count
	// already includes its reasoning.
	if p.TotalTokens == nil && googleProvider(p.ProviderName) {
		addReasoningToCompletion(p)
	}
}

// googleProvider reports Gemini, whatever its backend.
func googleProvider(provider string) bool {
	return provider == "gcp.gen_ai" || provider == "gcp.gemini" || provider == "gcp.vertex_ai"
}

func firstText(s ...string) string {
	for _, t := range s {
		if t != "" {
			return t
		}
	}
	return ""
}
