package stepprocessor

import (
	"slices"
	"strings"
)

// openllmetryKeys is the GenAI table (OpenLLMetry's keys from 0.17 on are
// GenAI's: gen_ai.usage.prompt_tokens in 0.17-0.47, input_tokens from 0.48,
// gen_ai.provider.name from 0.53) followed by what OpenLLMetry adds: its
// custom keys and the llm.* generation from before 0.17 (Apr 2024).
var openllmetryKeys = genaiFamilyKeys{
	call: extendCallKeys(genaiKeys.call, modelCallKeys{
		model:         []string{"llm.response.model", "llm.request.model"},
		responseModel: []string{"llm.response.model"},
		// <0.17; values were capitalised ("Anthropic", "MistralAI", "AWS"),
		// which normProvider folds.
		provider:   []string{"llm.vendor"},
		prompt:     []string{"llm.usage.prompt_tokens"},
		completion: []string{"llm.usage.completion_tokens"},
		// Packages not migrated to semconv-ai 0.5 still emit this one.
		total:     []string{"llm.usage.total_tokens"},
		reasoning: []string{"llm.usage.reasoning_tokens"},
		finish: []string{
			"gen_ai.response.finish_reason", // custom, current
			"gen_ai.response.stop_reason",   // custom, Anthropic's raw value
			"gen_ai.completion.0.finish_reason",
			"llm.response.finish_reason",
			"llm.response.stop_reason",
			"llm.completions.0.finish_reason", // <0.17
		},
	}),
	endpoint:      []string{"gen_ai.openai.api_base", "llm.openai.api_base"},
	contextWindow: genaiKeys.contextWindow,
	// The Traceloop SDK sets association properties on every span of the
	// association's context.
	ctx: ctxKeys{
		agentID: genaiKeys.ctx.agentID,
		conversationID: concat(genaiKeys.ctx.conversationID, []string{
			"traceloop.association.properties.session_id",
		}),
		userID: concat(genaiKeys.ctx.userID, []string{
			"traceloop.association.properties.user_id",
			"traceloop.association.properties.customer_id",
		}),
	},
}

// openllmetryOnlyKeys are keys no other convention emits. A span with one
// of them was made or touched by OpenLLMetry or the Traceloop SDK, except
// Semantic Kernel's, which write gen_ai.response.finish_reason too (see
// ours).
var openllmetryOnlyKeys = []string{
	"traceloop.span.kind", "traceloop.entity.name", "traceloop.entity.path",
	"traceloop.workflow.name", "llm.request.type", "llm.vendor",
	"llm.usage.prompt_tokens", "llm.usage.completion_tokens", "llm.usage.total_tokens",
	"llm.request.model", "llm.response.model",
	"gen_ai.openai.api_base", "llm.openai.api_base",
	"gen_ai.completion.0.finish_reason", "llm.completions.0.finish_reason",
	"gen_ai.response.finish_reason", "gen_ai.response.stop_reason",
	"traceloop.association.properties.session_id",
	"traceloop.association.properties.user_id",
	"traceloop.association.properties.customer_id",
}

// traceloopAnthropicJS is the scope of OpenLLMetry JS's Anthropic
// instrumentation. Up to 0.27.0 at least, it writes Anthropic's own
// input_tokens, which leaves out cache reads and writes, as
// gen_ai.usage.input_tokens (and input + output as the total), unlike the
// Python package, which sums the three. Found by conformance/.
const traceloopAnthropicJS = "@traceloop/instrumentation-anthropic"

// openllmetryPython maps the tracer names of OpenLLMetry's Python
// instrumentations seen by conformance/python (get_tracer(__name__)) to the
// prefix of their span names (openai.chat, anthropic.chat). Their Anthropic
// spans carry only gen_ai.* keys that OpenTelemetry's GenAI conventions
// define too, so the scope is what tells them apart. The module name is
// not OpenLLMetry's alone (contrib's anthropic instrumentation is
// opentelemetry.instrumentation.anthropic too), so the span must also have
// OpenLLMetry's vendor-style name, not GenAI's "{operation} {model}".
var openllmetryPython = map[string]string{
	"opentelemetry.instrumentation.openai.v1": "openai.",
	"opentelemetry.instrumentation.anthropic": "anthropic.",
}

// openllmetryPythonScopes lists openllmetryPython's scopes, for the claim.
func openllmetryPythonScopes() []string {
	out := make([]string, 0, len(openllmetryPython))
	for scope := range openllmetryPython {
		out = append(out, scope)
	}
	slices.Sort(out)
	return out
}

// openllmetryRecogniser reads OpenLLMetry (Traceloop) spans of all three
// key generations, and the Traceloop SDK's workflow/agent decorator spans.
type openllmetryRecogniser struct {
	op, requestType         slot
	spanKind                slot
	entityName, workflowKey []slot
	signs                   []slot
	keys                    genaiFamilySlots
	litellmUsage            slot
}

func newOpenLLMetry(ix *keyIndex) *openllmetryRecogniser {
	return &openllmetryRecogniser{
		op:           ix.add("gen_ai.operation.name"),
		requestType:  ix.add("llm.request.type"),
		spanKind:     ix.add("traceloop.span.kind"),
		entityName:   ix.addAll("traceloop.entity.name"),
		workflowKey:  ix.addAll("traceloop.workflow.name"),
		signs:        ix.addAll(openllmetryOnlyKeys...),
		keys:         openllmetryKeys.register(ix),
		litellmUsage: ix.add(litellmUsageKey),
	}
}

func (r *openllmetryRecogniser) recognise(f *spanFacts, out *finding) bool {
	if f.hits == 0 || !r.ours(f) {
		return false
	}
	op := opName(f, r.op)
	switch kind := opName(f, r.spanKind); {
	case kind == "workflow" || kind == "agent" || genaiInvocation(op):
		out.role = roleContext
		r.keys.ctx.read(f, &out.ctx, out)
		if out.ctx.AgentID == "" && (kind == "workflow" || kind == "agent") {
			out.ctx.AgentID = readText(f, r.entityName, out)
		}
		if out.ctx.AgentID == "" {
			out.ctx.AgentID = readText(f, r.workflowKey, out)
		}
		if op != "create_agent" {
			out.ctx.RunID = runOf(f)
		}
		return true
	case r.modelCall(f, op):
		// traceloop.workflow.name is copied to every span of a workflow,
		// so it is read on invocation spans only: here it would override
		// a nearer agent ancestor.
		out.role = roleLLM
		r.keys.readCall(f, out)
		if v, ok := f.get(r.litellmUsage); ok {
			if err := readLiteLLMUsage(v, &out.patch); err != nil {
				out.problem(litellmUsageKey, err)
			}
		}
		if f.scope.Name() == traceloopAnthropicJS {
			addCacheToPrompt(&out.patch)
		}
		return true
	}
	// Tasks, tools, embeddings, reranks: context only.
	return r.keys.ctx.contextOnly(f, out)
}

// modelCall: the migrated packages (openai, anthropic, bedrock, ...) set
// gen_ai.operation.name; the others and every version before set
// llm.request.type to chat or completion.
func (r *openllmetryRecogniser) modelCall(f *spanFacts, op string) bool {
	if op != "" {
		return genaiModelCall(op)
	}
	switch opName(f, r.requestType) {
	case "chat", "completion":
		return true
	}
	return false
}

// ours: OpenLLMetry's own keys or its scope names. A pydantic-ai span
// that carries association properties only because the Traceloop SDK
// propagated them is pydantic-ai's.
func (r *openllmetryRecogniser) ours(f *spanFacts) bool {
	scope := f.scope.Name()
	if pydanticScope(scope) || semanticKernelScope(scope) {
		return false
	}
	// traceloop.tracer is the SDK's tracer (Python and JS); the JS
	// instrumentations are named @traceloop/instrumentation-*.
	if scope == "traceloop.tracer" || strings.HasPrefix(scope, "@traceloop/") {
		return true
	}
	if prefix, ok := openllmetryPython[scope]; ok && strings.HasPrefix(f.span.Name(), prefix) {
		return true
	}
	return anyPresent(f, r.signs)
}

// semanticKernelScope reports Semantic Kernel's (Python) tracers, named
// after its modules (semantic_kernel.utils.telemetry.model_diagnostics.
// decorators for a model call). Its spans are plain GenAI spans but for
// gen_ai.response.finish_reason, which must not make them OpenLLMetry's.
func semanticKernelScope(name string) bool {
	return strings.HasPrefix(name, "semantic_kernel.")
}
