package stepprocessor

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// This file holds what the GenAI, OpenLLMetry and pydantic-ai recognisers
// share on top of modelcall.go: the GenAI family's extra call fields
// (endpoint, context window) and the context keys a span hands down.

// genaiFamilyKeys is one convention's key table: the model-call keys, the
// keys only this family reads, and the context keys.
type genaiFamilyKeys struct {
	call modelCallKeys
	// endpoint holds keys with a full base URL, the shape Letta's
	// model_endpoint has; server.address[:server.port] is the fallback.
	endpoint      []string
	contextWindow []string
	ctx           ctxKeys
}

type genaiFamilySlots struct {
	call                      modelCallSlots
	endpoint, contextWindow   []slot
	serverAddress, serverPort slot
	ctx                       ctxSlots
}

func (k *genaiFamilyKeys) register(ix *keyIndex) genaiFamilySlots {
	return genaiFamilySlots{
		call:          k.call.register(ix),
		endpoint:      ix.addAll(k.endpoint...),
		contextWindow: ix.addAll(k.contextWindow...),
		serverAddress: ix.add("server.address"),
		serverPort:    ix.add("server.port"),
		ctx:           k.ctx.register(ix),
	}
}

// readCall fills out for a model-call span: the patch and the span's own
// context (pydantic-ai and the Traceloop SDK copy context onto every span).
//
// Token counts keep the OpenTelemetry meaning, input including cache reads
// and writes, and are never adjusted: the spec requires it, OpenLLMetry's
// Anthropic instrumentation sums the three Anthropic input fields, and
// pydantic-ai's input_tokens already includes cache (langfuse#12306).
func (s *genaiFamilySlots) readCall(f *spanFacts, out *finding) {
	readModelCall(f, &s.call, out)
	p := &out.patch
	p.ModelEndpoint = s.endpointOf(f, out)
	if p.ProviderName == "" {
		// No provider key, or only a framework's name in gen_ai.system.
		p.ProviderName = providerFromEvidence(readText(f, []slot{s.serverAddress}, out), p.Model)
	}
	f.count(s.contextWindow, &p.ContextWindowLimit, out)
	if p.Status == step.StatusFailed && p.ErrorType == "" {
		// A call that failed by its finish reason alone (the legacy
		// gen_ai.choice event records "error" when no reason came back)
		// still has its error.type.
		p.ErrorType = readText(f, s.call.errT, out)
	}
	s.ctx.read(f, &out.ctx, out)
}

func (s *genaiFamilySlots) endpointOf(f *spanFacts, out *finding) string {
	if e := readText(f, s.endpoint, out); e != "" {
		return e
	}
	addr := readText(f, []slot{s.serverAddress}, out)
	if addr == "" {
		return ""
	}
	if port := readText(f, []slot{s.serverPort}, out); port != "" {
		return addr + ":" + port
	}
	return addr
}

// legacyModelCall recognises spans from before gen_ai.operation.name
// (semconv v1.27.0): a provider and a model made them model calls.
func (s *genaiFamilySlots) legacyModelCall(f *spanFacts) bool {
	return anyPresent(f, s.call.provider) && anyPresent(f, s.call.model)
}

// ctxKeys lists the keys of the context a span hands down to its steps.
type ctxKeys struct {
	agentID, runID, conversationID, userID []string
}

type ctxSlots struct {
	agentID, runID, conversationID, userID []slot
}

func (k *ctxKeys) register(ix *keyIndex) ctxSlots {
	return ctxSlots{
		agentID:        ix.addAll(k.agentID...),
		runID:          ix.addAll(k.runID...),
		conversationID: ix.addAll(k.conversationID...),
		userID:         ix.addAll(k.userID...),
	}
}

// present reports whether the span carries any context key, without
// reading it: a span that carries none is not worth a finding.
func (s *ctxSlots) present(f *spanFacts) bool {
	return anyPresent(f, s.agentID) || anyPresent(f, s.runID) ||
		anyPresent(f, s.conversationID) || anyPresent(f, s.userID)
}

func (s *ctxSlots) read(f *spanFacts, c *stepContext, out *finding) {
	c.AgentID = readText(f, s.agentID, out)
	c.RunID = readText(f, s.runID, out)
	c.ConversationID = readText(f, s.conversationID, out)
	c.UserID = readText(f, s.userID, out)
}

// contextOnly makes a context finding of a span that is neither a model
// call nor an invocation (a tool, an embedding, a task), if it carries
// context; otherwise the span is not claimed.
func (s *ctxSlots) contextOnly(f *spanFacts, out *finding) bool {
	if !s.present(f) {
		return false
	}
	out.role = roleContext
	s.read(f, &out.ctx, out)
	return true
}

// extendCallKeys returns k followed by more: the keys of k keep their
// priority.
func extendCallKeys(k, more modelCallKeys) modelCallKeys {
	return modelCallKeys{
		model:         concat(k.model, more.model),
		responseModel: concat(k.responseModel, more.responseModel),
		provider:      concat(k.provider, more.provider),
		requestID:     concat(k.requestID, more.requestID),
		prompt:        concat(k.prompt, more.prompt),
		completion:    concat(k.completion, more.completion),
		total:         concat(k.total, more.total),
		cacheRead:     concat(k.cacheRead, more.cacheRead),
		cacheWrite:    concat(k.cacheWrite, more.cacheWrite),
		reasoning:     concat(k.reasoning, more.reasoning),
		finish:        concat(k.finish, more.finish),
		errorType:     concat(k.errorType, more.errorType),
	}
}

// opName reads an enum-like string attribute (an operation or span kind).
func opName(f *spanFacts, s slot) string {
	if v, ok := f.get(s); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

func concat(a, b []string) []string {
	return append(a[:len(a):len(a)], b...)
}
