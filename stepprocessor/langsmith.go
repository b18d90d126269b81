package stepprocessor

import (
	"errors"
	"fmt"
	"strings"

	"github.com/segmentio/encoding/json"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// LangSmith's OpenTelemetry mode (langchain-ai/langsmith-sdk:
// python/langsmith/_internal/otel/_otel_exporter.py,
// js/src/experimental/otel/translator.ts) turns every LangSmith run into a
// span of the tracer "langsmith":
//
//   - langsmith.span.kind is the run type; llm runs are the model calls.
//     gen_ai.operation.name is derived from it, but "prompt" runs (prompt
//     templates) also get "chat", so the run type decides.
//   - gen_ai.system is guessed from the model name, "langchain" when no
//     guess fits; LangChain's own ls_provider, copied as
//     langsmith.metadata.ls_provider, is better evidence and comes first.
//   - Counts are usage_metadata's: input_tokens includes the cache
//     (LangChain's UsageMetadata: the sum of all input token types). The
//     breakdown is in gen_ai.usage.input_token_details (cache_read,
//     cache_creation) and gen_ai.usage.output_token_details (reasoning):
//     JSON from the JS SDK, Python's str() of a dict from the Python SDK.
//   - Run metadata is flattened to langsmith.metadata.<key>. LangSmith
//     groups runs into threads by the metadata key session_id, thread_id or
//     conversation_id (LangGraph copies thread_id onto every run): the
//     conversation. langsmith.trace.session_id is the project, not a
//     conversation.
//   - gen_ai.response.finish_reasons is the choices' reasons joined by ", ".
//     The Python SDK writes none: the reason is only in gen_ai.completion,
//     the run's outputs as JSON (LangChain's LLMResult: generations[0][0]
//     .generation_info.finish_reason, or the message's
//     response_metadata.finish_reason when streamed).
//   - The Python SDK flattens the run's metadata, so the usage breakdown
//     is langsmith.metadata.usage_metadata (JSON), where the JS SDK writes
//     langsmith.usage_metadata.
//   - A LangGraph graph's own run (langsmith.metadata.ls_integration =
//     langgraph, with no langsmith.metadata.langgraph_node, which every run
//     inside a node inherits) is one agent loop: the run.
var langsmithKeys = genaiFamilyKeys{
	call: func() modelCallKeys {
		k := genaiKeys.call
		k.provider = concat([]string{"langsmith.metadata.ls_provider"}, k.provider)
		k.model = concat(k.model, []string{"langsmith.metadata.ls_model_name"})
		return k
	}(),
	contextWindow: genaiKeys.contextWindow,
	ctx: ctxKeys{
		agentID: genaiKeys.ctx.agentID,
		conversationID: concat(genaiKeys.ctx.conversationID, []string{
			"langsmith.metadata.thread_id", "langsmith.metadata.session_id", "langsmith.metadata.conversation_id",
		}),
		userID: genaiKeys.ctx.userID,
	},
}

const (
	langsmithScope        = "langsmith"
	langsmithRunType      = "langsmith.span.kind"
	langsmithInputDetail  = "gen_ai.usage.input_token_details"
	langsmithOutputDetail = "gen_ai.usage.output_token_details"
	langsmithUsage        = "langsmith.usage_metadata"
	langsmithMetaUsage    = "langsmith.metadata.usage_metadata"
	langsmithCompletion   = "gen_ai.completion"
	langsmithIntegration  = "langsmith.metadata.ls_integration"
	langsmithGraphNode    = "langsmith.metadata.langgraph_node"
)

type langsmithRecogniser struct {
	runType       slot
	signs         []slot
	input, output slot
	usage         []slot
	completion    slot
	integration   slot
	graphNode     slot
	keys          genaiFamilySlots
}

func newLangSmith(ix *keyIndex) *langsmithRecogniser {
	return &langsmithRecogniser{
		runType:     ix.add(langsmithRunType),
		signs:       ix.addAll(langsmithRunType, "langsmith.span.id", "langsmith.trace.id"),
		input:       ix.add(langsmithInputDetail),
		output:      ix.add(langsmithOutputDetail),
		usage:       ix.addAll(langsmithUsage, langsmithMetaUsage),
		completion:  ix.add(langsmithCompletion),
		integration: ix.add(langsmithIntegration),
		graphNode:   ix.add(langsmithGraphNode),
		keys:        langsmithKeys.register(ix),
	}
}

// claims is the cheap check: the tracer's name or LangSmith's run keys.
func (r *langsmithRecogniser) claims(f *spanFacts) bool {
	return f.hits > 0 && (f.scope.Name() == langsmithScope || anyPresent(f, r.signs))
}

func (r *langsmithRecogniser) recognise(f *spanFacts, out *finding) bool {
	if !r.claims(f) {
		return false
	}
	if opName(f, r.runType) != "llm" {
		// Chains, tools, retrievers, prompts: context only. They are
		// claimed even with no context to hand down: a prompt run's
		// gen_ai.operation.name is "chat", and no other convention may read
		// it as a model call.
		out.role = roleContext
		r.keys.ctx.read(f, &out.ctx, out)
		if r.graphRun(f) {
			out.ctx.RunID = runOf(f)
		}
		return true
	}
	out.role = roleLLM
	r.keys.readCall(f, out)
	p := &out.patch
	if i := strings.Index(p.FinishReasonRaw, ","); i > 0 {
		p.FinishReasonRaw = strings.TrimSpace(p.FinishReasonRaw[:i])
		p.FinishReason, _ = normFinish(p.FinishReasonRaw)
	}
	if p.FinishReasonRaw == "" {
		r.completionFinish(f, out)
	}
	if d := r.details(f, r.input, out); d != nil {
		if p.CachedInputTokens == nil {
			p.CachedInputTokens = d["cache_read"]
		}
		if p.CacheWriteTokens == nil {
			p.CacheWriteTokens = d["cache_creation"]
		}
	}
	if d := r.details(f, r.output, out); d != nil && p.ReasoningTokens == nil {
		p.ReasoningTokens = d["reasoning"]
	}
	if p.CachedInputTokens == nil && p.CacheWriteTokens == nil && p.ReasoningTokens == nil {
		r.usageMetadata(f, out)
	}
	return true
}

// usageMetadata reads the breakdown from langsmith.usage_metadata, the JS
// SDK's JSON copy of the run's whole usage_metadata, which it also writes
// from the run's metadata when the outputs carry none.
func (r *langsmithRecogniser) usageMetadata(f *spanFacts, out *finding) {
	s, ok := firstSlotPresent(f, r.usage)
	if !ok {
		return
	}
	v := f.vals[s]
	if v.Type() != pcommon.ValueTypeStr {
		return
	}
	var um struct {
		Input struct {
			CacheRead     *int64 `json:"cache_read"`
			CacheCreation *int64 `json:"cache_creation"`
		} `json:"input_token_details"`
		Output struct {
			Reasoning *int64 `json:"reasoning"`
		} `json:"output_token_details"`
	}
	if err := json.Unmarshal([]byte(v.Str()), &um); err != nil {
		out.problem(f.ix.keys[s], fmt.Errorf("want usage_metadata as a JSON object: %w", err))
		return
	}
	p := &out.patch
	p.CachedInputTokens = firstCount(um.Input.CacheRead)
	p.CacheWriteTokens = firstCount(um.Input.CacheCreation)
	p.ReasoningTokens = firstCount(um.Output.Reasoning)
}

// graphRun reports a LangGraph graph's own run: the integration is
// langgraph and the run is in no node.
func (r *langsmithRecogniser) graphRun(f *spanFacts) bool {
	v, ok := f.get(r.integration)
	return ok && v.Type() == pcommon.ValueTypeStr && v.Str() == "langgraph" && !f.has(r.graphNode)
}

// lcResult is the part of a LangChain LLMResult (a chat model run's
// outputs) that holds the first generation's finish reason.
type lcResult struct {
	Generations [][]struct {
		Info struct {
			FinishReason string `json:"finish_reason"`
		} `json:"generation_info"`
		Message struct {
			Kwargs struct {
				Meta struct {
					FinishReason string `json:"finish_reason"`
				} `json:"response_metadata"`
			} `json:"kwargs"`
		} `json:"message"`
	} `json:"generations"`
}

// completionFinish reads the finish reason from gen_ai.completion. Outputs
// that are not an LLMResult give none; text that is not JSON is a problem.
func (r *langsmithRecogniser) completionFinish(f *spanFacts, out *finding) {
	v, ok := f.get(r.completion)
	if !ok || v.Type() != pcommon.ValueTypeStr || v.Str() == "" {
		return
	}
	var res lcResult
	if err := json.Unmarshal([]byte(v.Str()), &res); err != nil {
		var shape *json.UnmarshalTypeError
		if !errors.As(err, &shape) {
			out.problem(langsmithCompletion, fmt.Errorf("want the run's outputs as a JSON object: %w", err))
		}
		return // other outputs than an LLMResult: no reason in them
	}
	if len(res.Generations) == 0 || len(res.Generations[0]) == 0 {
		return
	}
	g := res.Generations[0][0]
	raw := firstText(g.Info.FinishReason, g.Message.Kwargs.Meta.FinishReason)
	if raw == "" {
		return
	}
	p := &out.patch
	p.FinishReasonRaw = raw
	p.FinishReason, _ = normFinish(raw)
}

// details reads a token-details attribute: a JSON object (JS) or a Python
// dict's str() (Python), mapping detail names to counts. Counts that are
// not whole numbers (None, null) are skipped.
func (r *langsmithRecogniser) details(f *spanFacts, s slot, out *finding) map[string]*int64 {
	v, ok := f.get(s)
	if !ok || v.Type() != pcommon.ValueTypeStr {
		return nil
	}
	text := strings.TrimSpace(v.Str())
	if text == "" {
		return nil
	}
	d := map[string]*int64{}
	// A small map made here: the decoder makes one of 64 entries for a
	// nil map, and details have a handful.
	js := make(map[string]any, 8)
	if err := json.Unmarshal([]byte(text), &js); err == nil {
		for k, x := range js {
			if n, ok := x.(float64); ok && n >= 0 && n == float64(int64(n)) {
				d[k] = step.Int(int64(n))
			}
		}
		return d
	}
	py, err := parsePyRepr(text)
	if err != nil || py.kind != pyDict {
		out.problem(f.ix.keys[s], fmt.Errorf("want a JSON object or a Python dict of token counts, got %s", clipRepr(text)))
		return nil
	}
	for _, it := range py.items {
		if it.key == nil || it.key.kind != pyStr {
			continue
		}
		if n, ok, err := it.val.count(); err == nil && ok {
			d[it.key.text] = step.Int(n)
		}
	}
	return d
}
