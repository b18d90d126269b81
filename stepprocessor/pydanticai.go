package stepprocessor

import "strings"

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
}

func newPydanticAI(ix *keyIndex) *pydanticaiRecogniser {
	return &pydanticaiRecogniser{
		op:    ix.add("gen_ai.operation.name"),
		signs: ix.addAll(pydanticaiOnlyKeys...),
		keys:  pydanticaiKeys.register(ix),
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
		out.role = roleLLM
		r.keys.readCall(f, out)
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
