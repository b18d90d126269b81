package stepprocessor

import (
	"fmt"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// openinferenceKeys is where each record field comes from on an
// OpenInference (Arize/Phoenix) span, in priority order.
var openinferenceKeys = struct {
	kind     string
	call     modelCallKeys
	agent    []string
	session  []string
	user     []string
	tags     []string
	metadata []string
	// project is a resource attribute: Phoenix routes spans to a project
	// by it.
	project string
}{
	kind: "openinference.span.kind",
	call: modelCallKeys{
		// llm.model_name is meant to hold the response model, else the
		// request one; the explicit pair exists since Aug 2026.
		model:         []string{"llm.response.model_name", "llm.model_name", "llm.request.model_name"},
		responseModel: []string{"llm.response.model_name"},
		// provider_name is who served and billed the call. llm.provider is
		// that host ("azure" for GPT on Azure OpenAI, "aws" for Claude on
		// Bedrock); llm.system is only the model family, so it is the
		// fallback.
		provider: []string{"llm.provider", "llm.system"},
		// OpenInference has no response-id attribute (it sits only inside
		// the output.value JSON), so request_id stays unset.
		prompt:     []string{"llm.token_count.prompt"},
		completion: []string{"llm.token_count.completion"},
		total:      []string{"llm.token_count.total"},
		// cache_input is the Python semconv's name for cache reads; some
		// instrumentations write only that one.
		cacheRead: []string{"llm.token_count.prompt_details.cache_read",
			"llm.token_count.prompt_details.cache_input"},
		cacheWrite: []string{"llm.token_count.prompt_details.cache_write"},
		reasoning:  []string{"llm.token_count.completion_details.reasoning"},
		// The raw provider value (openinference PR #2991), not a unified one.
		finish:    []string{"llm.finish_reason"},
		errorType: []string{"error.type"},
	},
	agent:    []string{"agent.name"},
	session:  []string{"session.id"},
	user:     []string{"user.id"},
	tags:     []string{"tag.tags"},
	metadata: []string{"metadata"},
	project:  "openinference.project.name",
}

// openinferenceMetadata names the ids that users and frameworks put in the
// `metadata` JSON (OpenInference's using_metadata, LangGraph's thread_id).
// They are read only when no dedicated attribute gives the field.
var openinferenceMetadata = struct {
	agent, conversation, user, provider []string
}{
	agent:        []string{"agent_id"},
	conversation: []string{"session_id", "conversation_id", "thread_id"},
	user:         []string{"user_id"},
	// LangChain JS's LLM spans carry no llm.provider or llm.system, only
	// LangSmith's ls_provider in the metadata (instrumentation-langchain
	// 4.1, found by conformance/).
	provider: []string{"ls_provider"},
}

// openinferenceIO are OpenInference's generic input and output values,
// which every instrumentation records unless the user hides them
// (OPENINFERENCE_HIDE_INPUTS / _OUTPUTS).
var openinferenceIO = []string{"input.value", "output.value"}

// openinferenceExchange are the keys that show an LLM span exchanged
// messages with a model: the first input or output message, or the
// prompts of a completion call.
var openinferenceExchange = []string{
	"llm.input_messages.0.message.role", "llm.input_messages.0.message.content",
	"llm.output_messages.0.message.role", "llm.output_messages.0.message.content",
	"llm.prompts", "llm.prompts.0.prompt.text",
}

// langgraphNode is the metadata key LangGraph puts on every run inside a
// graph node; the graph's own run has no such key.
const langgraphNode = "langgraph_node"

type openinferenceRecogniser struct {
	kind                                 slot
	call                                 modelCallSlots
	agent, session, user, tags, metadata []slot
	exchange, io                         []slot
	outputValue                          slot
}

func newOpenInference(ix *keyIndex) *openinferenceRecogniser {
	k := &openinferenceKeys
	return &openinferenceRecogniser{
		kind:     ix.add(k.kind),
		call:     k.call.register(ix),
		agent:    ix.addAll(k.agent...),
		session:  ix.addAll(k.session...),
		user:     ix.addAll(k.user...),
		tags:     ix.addAll(k.tags...),
		metadata: ix.addAll(k.metadata...),
		exchange: ix.addAll(openinferenceExchange...),
		io:       ix.addAll(openinferenceIO...),
		// output.value again: the provider's response, for its usage details.
		outputValue: ix.add("output.value"),
	}
}

// recognise claims LLM spans as steps and AGENT and CHAIN spans as context.
// Other kinds (TOOL, RETRIEVER, EMBEDDING, ...) are neither and are left
// alone. Usage on AGENT and CHAIN spans is an aggregate of the LLM spans
// beneath them (openinference#3164) and is never read.
func (r *openinferenceRecogniser) recognise(f *spanFacts, out *finding) bool {
	v, ok := f.get(r.kind)
	if !ok || v.Type() != pcommon.ValueTypeStr {
		return false
	}
	kind := v.Str()
	switch {
	case strings.EqualFold(kind, "LLM"):
		readModelCall(f, &r.call, out)
		if !r.madeACall(f, &out.patch) {
			out.patch = step.Step{}
			out.role = roleContext
			break
		}
		out.role = roleLLM
		if out.patch.CachedInputTokens == nil && out.patch.ReasoningTokens == nil {
			if v, ok := f.get(r.outputValue); ok {
				readOutputUsage(v, &out.patch)
			}
		}
	case strings.EqualFold(kind, "AGENT"):
		out.role = roleContext
		if !r.langgraphNode(f) {
			out.ctx.RunID = runOf(f)
		}
	case strings.EqualFold(kind, "CHAIN"):
		out.role = roleContext
	default:
		return false
	}
	r.readContext(f, out)
	return true
}

// madeACall tells a model call from an LLM span that only prepared one
// (LlamaIndex's OpenAI._prepare_chat_with_tools builds the tool schema and
// sends nothing). The sign is a span that recorded its input or output
// value, so content was captured, yet no message, count, finish reason or
// response model, and that did not fail: a call would have recorded its
// messages. A span with hidden content, or a bare one, stays a call. The
// span name is no evidence (it is the wrapped method's).
func (r *openinferenceRecogniser) madeACall(f *spanFacts, p *step.Step) bool {
	return !anyPresent(f, r.io) || anyPresent(f, r.exchange) || p.PromptTokens != nil || p.CompletionTokens != nil ||
		p.TotalTokens != nil || p.FinishReasonRaw != "" || anyPresent(f, r.call.responseModel) ||
		p.Status == step.StatusFailed
}

// langgraphNode reports an AGENT span that is a LangGraph node (its metadata
// has langgraph_node): -langchain makes every run whose name contains
// "agent" an AGENT span, so the conventional "agent" node of a ReAct graph
// is one, once per superstep. A node is a step of the graph's run, not a
// run: the graph's root span (or the user's agent span above it) is.
func (r *openinferenceRecogniser) langgraphNode(f *spanFacts) bool {
	s, ok := firstSlotPresent(f, r.metadata)
	if !ok {
		return false
	}
	md, err := parseMetadata(f.vals[s])
	if err != nil {
		return false // readContext names the problem
	}
	_, node := md.get(langgraphNode)
	return node
}

// readContext reads the context keys, which OpenInference puts on AGENT and
// CHAIN spans and, through its context managers, on LLM spans too.
func (r *openinferenceRecogniser) readContext(f *spanFacts, out *finding) {
	c := &out.ctx
	c.AgentID = readText(f, r.agent, out)
	c.ConversationID = readText(f, r.session, out)
	c.UserID = readText(f, r.user, out)
	c.Tags = readTags(f, r.tags, out)
	c.ProjectID = f.resourceStr(openinferenceKeys.project)
	needProvider := out.role == roleLLM && out.patch.ProviderName == ""
	if c.AgentID != "" && c.ConversationID != "" && c.UserID != "" && !needProvider {
		return
	}
	if s, ok := firstSlotPresent(f, r.metadata); ok {
		md, err := parseMetadata(f.vals[s])
		if err != nil {
			out.problem(f.ix.keys[s], err)
			return
		}
		m := &openinferenceMetadata
		fillFrom(&c.AgentID, md, m.agent)
		fillFrom(&c.ConversationID, md, m.conversation)
		fillFrom(&c.UserID, md, m.user)
		if needProvider {
			var raw string
			fillFrom(&raw, md, m.provider)
			if raw != "" {
				out.patch.ProviderName = normProvider(raw)
			}
		}
	}
}

func firstSlotPresent(f *spanFacts, slots []slot) (slot, bool) {
	for _, s := range slots {
		if f.has(s) {
			return s, true
		}
	}
	return 0, false
}

// oiMetadata is OpenInference's `metadata` as read: a map attribute's
// values, or a JSON object's text, looked up without decoding the rest
// (jsonObject).
type oiMetadata struct {
	m  map[string]any
	js jsonObject
}

// get returns the value under k as decoding into a map[string]any gives it.
func (md oiMetadata) get(k string) (any, bool) {
	if md.m != nil {
		x, ok := md.m[k]
		return x, ok
	}
	return md.js.lookup(k)
}

// parseMetadata reads OpenInference's `metadata`, a JSON object in a
// string. Some SDKs send it as a map attribute instead; both are accepted.
func parseMetadata(v pcommon.Value) (oiMetadata, error) {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		return oiMetadata{m: v.Map().AsRaw()}, nil
	case pcommon.ValueTypeStr:
		s := strings.TrimSpace(v.Str())
		if s == "" {
			return oiMetadata{}, nil
		}
		js, ok := newJSONObject(s)
		if !ok {
			return oiMetadata{}, fmt.Errorf("want a JSON object, got %q", clipText(s))
		}
		return oiMetadata{js: js}, nil
	}
	return oiMetadata{}, fmt.Errorf("want a JSON object in a string, got a %s", strings.ToLower(v.Type().String()))
}

// fillFrom sets *dst, if unset, from the first of keys in md that holds a
// string or a whole number.
func fillFrom(dst *string, md oiMetadata, keys []string) {
	if *dst != "" {
		return
	}
	for _, k := range keys {
		x, _ := md.get(k)
		switch x := x.(type) {
		case string:
			if x != "" {
				*dst = x
				return
			}
		case float64:
			*dst = strconv.FormatFloat(x, 'f', -1, 64)
			return
		case int64:
			*dst = strconv.FormatInt(x, 10)
			return
		}
	}
}

func clipText(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
