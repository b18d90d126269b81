package stepprocessor

import (
	"strings"

	"github.com/agentsteps/collector/step"
)

// pydanticaiKeys: chat spans carry the GenAI keys (both gen_ai.system and
// gen_ai.provider.name), with backcompat copies of the cache counts under
// gen_ai.usage.details.*, which the GenAI table lists. Cost
// (operation.cost) has no field in the record. The agent run copies
// gen_ai.agent.name, gen_ai.agent.call.id (the run id) and
// gen_ai.conversation.id onto every span beneath it through baggage;
// instrumentation version 2 named the agent in agent_name only.
var pydanticaiKeys = genaiFamilyKeys{
	call:          genaiKeys.call,
	contextWindow: genaiKeys.contextWindow,
	ctx: ctxKeys{
		agentID:        concat(genaiKeys.ctx.agentID, []string{"agent_name"}),
		runID:          []string{"gen_ai.agent.call.id"},
		conversationID: genaiKeys.ctx.conversationID,
		userID:         genaiKeys.ctx.userID,
	},
}

// pydanticaiOnlyKeys mark a pydantic-ai span when the scope does not: the
// run id and the agent run's aggregated usage are pydantic-ai's own.
var pydanticaiOnlyKeys = []string{
	"gen_ai.agent.call.id",
	"gen_ai.aggregated_usage.input_tokens",
	"gen_ai.aggregated_usage.output_tokens",
}

// pydanticaiRecogniser reads pydantic-ai's own instrumentation, directly
// or through Logfire.
type pydanticaiRecogniser struct {
	op    slot
	signs []slot
	keys  genaiFamilySlots
	// Logfire's model-SDK instrumentations write request_data on each span,
	// and the provider's usage object as gen_ai.usage.raw.
	logfireRequest, usageRaw slot
}

func newPydanticAI(ix *keyIndex) *pydanticaiRecogniser {
	return &pydanticaiRecogniser{
		op:    ix.add("gen_ai.operation.name"),
		signs: ix.addAll(pydanticaiOnlyKeys...),
		keys:  pydanticaiKeys.register(ix),

		logfireRequest: ix.add("request_data"),
		usageRaw:       ix.add("gen_ai.usage.raw"),
	}
}

func (r *pydanticaiRecogniser) recognise(f *spanFacts, out *finding) bool {
	if f.hits == 0 || !pydanticScope(f.scope.Name()) && !anyPresent(f, r.signs) {
		return false
	}
	op := opName(f, r.op)
	switch {
	case r.agentRun(f, op):
		// The run's usage is under gen_ai.aggregated_usage.* by default;
		// before that (pydantic-ai#3995) and with
		// use_aggregated_usage_attribute_names=False it is under the plain
		// gen_ai.usage.* keys. Either way it is never read.
		out.role = roleContext
		r.keys.ctx.read(f, &out.ctx, out)
		if out.ctx.RunID == "" {
			out.ctx.RunID = runOf(f)
		}
		return true
	case genaiModelCall(op) || op == "" && strings.HasPrefix(f.span.Name(), "chat "):
		r.keys.readCall(f, out)
		if r.logfireStreamRequest(f, &out.patch) {
			out.patch = step.Step{}
			out.role = roleContext
			return true
		}
		out.role = roleLLM
		if out.patch.CachedInputTokens == nil || out.patch.ReasoningTokens == nil {
			// Logfire's OpenAI spans keep the reasoning count only there.
			if v, ok := f.get(r.usageRaw); ok {
				readRawUsage(v, &out.patch)
			}
		}
		return true
	}
	// Tool spans (execute_tool {tool}, v2 "running tool") hand down the
	// baggage they carry, if any.
	return r.keys.ctx.contextOnly(f, out)
}

// agentRun: "invoke_agent {name}" from instrumentation version 3 on, "agent
// run" in version 2; gen_ai.operation.name is invoke_agent in current
// releases.
func (r *pydanticaiRecogniser) agentRun(f *spanFacts, op string) bool {
	if op == "invoke_agent" {
		return true
	}
	name := f.span.Name()
	return op == "" && (name == "agent run" || strings.HasPrefix(name, "invoke_agent"))
}

// pydanticScope reports the instrumentation scopes of pydantic-ai and of
// Logfire, which instruments pydantic-ai and model SDKs with the same keys.
func pydanticScope(name string) bool {
	return name == "pydantic-ai" || name == "pydantic_ai" || name == "logfire" || strings.HasPrefix(name, "logfire.")
}

// logfireStreamRequest tells the request half of a streamed call that
// Logfire's own instrumentations (logfire.instrument_openai,
// instrument_anthropic: scopes logfire.openai, logfire.anthropic) trace in
// two spans. Its "Chat Completion with ..." span ends when the stream is
// returned, with the request only; the response, counts and finish reason
// come in a "streaming response from ... took ..." log beside it, under the
// same parent (logfire 5.4.0, llm_providers/llm_provider.py
// record_streaming), which is the call's step. So a span of theirs (its
// request_data) with no response id, no count and no finish reason that
// did not fail is that request, not a step. Its gen_ai.response.model is no evidence:
// Logfire copies the request model there when a span has none
// (exporters/processor_wrapper.py _default_gen_ai_response_model).
func (r *pydanticaiRecogniser) logfireStreamRequest(f *spanFacts, p *step.Step) bool {
	return strings.HasPrefix(f.scope.Name(), "logfire.") && f.has(r.logfireRequest) && p.RequestID == "" &&
		p.PromptTokens == nil && p.CompletionTokens == nil && p.TotalTokens == nil &&
		p.FinishReasonRaw == "" && p.Status != step.StatusFailed
}
