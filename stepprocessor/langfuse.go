package stepprocessor

import (
	"fmt"
	"strings"

	"github.com/segmentio/encoding/json"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// langfuseKeys are the span attributes of the Langfuse SDKs, which trace
// through OpenTelemetry from langfuse-python v3 and langfuse-js v4
// (@langfuse/tracing) on. Both SDKs define the same table
// (LangfuseOtelSpanAttributes in langfuse-python langfuse/_client/attributes.py
// and langfuse-js packages/core). The trace-level keys are copied onto every
// span of the trace by propagateAttributes / propagate_attributes; the
// langfuse.* spellings of user and session are the older, documented
// compatibility names (langfuse web/src/features/otel/server/attributes.ts).
var langfuseKeys = struct {
	obsType, model, usage, finish, level, statusMessage string
	session, user, tags                                 []string
}{
	obsType: "langfuse.observation.type",
	model:   "langfuse.observation.model.name",
	usage:   "langfuse.observation.usage_details",
	// langfuse-python's OpenAI wrapper keeps a stream's finish reason as
	// observation metadata (langfuse/openai.py
	// _extract_streamed_openai_response); it records none for a blocking
	// call, and @langfuse/openai none at all.
	finish:        "langfuse.observation.metadata.finish_reason",
	level:         "langfuse.observation.level",
	statusMessage: "langfuse.observation.status_message",
	session:       []string{"session.id", "langfuse.session.id"},
	user:          []string{"user.id", "langfuse.user.id"},
	tags:          []string{"langfuse.trace.tags"},
}

type langfuseRecogniser struct {
	obsType, model, usage, finish, level, statusMessage slot
	session, user, tags                                 []slot
}

func newLangfuse(ix *keyIndex) *langfuseRecogniser {
	k := &langfuseKeys
	return &langfuseRecogniser{
		obsType:       ix.add(k.obsType),
		model:         ix.add(k.model),
		usage:         ix.add(k.usage),
		finish:        ix.add(k.finish),
		level:         ix.add(k.level),
		statusMessage: ix.add(k.statusMessage),
		session:       ix.addAll(k.session...),
		user:          ix.addAll(k.user...),
		tags:          ix.addAll(k.tags...),
	}
}

// recognise claims every span that carries langfuse.observation.type. A
// "generation" is one model call. An "agent" observation is a run; the
// other types (span, tool, chain, retriever, embedding, evaluator,
// guardrail, event) only hand down the trace context they carry. Usage on a
// non-generation observation is never read.
func (r *langfuseRecogniser) recognise(f *spanFacts, out *finding) bool {
	typ := opName(f, r.obsType)
	if typ == "" {
		return false
	}
	switch typ {
	case "generation":
		out.role = roleLLM
		r.readGeneration(f, out)
	case "agent":
		out.role = roleContext
		out.ctx.RunID = runOf(f)
		// Langfuse has no agent key: the observation's name, which is the
		// span name, names the agent.
		out.ctx.AgentID = f.span.Name()
	default:
		out.role = roleContext
	}
	c := &out.ctx
	c.ConversationID = readText(f, r.session, out)
	c.UserID = readText(f, r.user, out)
	c.Tags = readTags(f, r.tags, out)
	return true
}

func (r *langfuseRecogniser) readGeneration(f *spanFacts, out *finding) {
	sp := f.span
	p := &out.patch
	p.TraceID = sp.TraceID().String()
	p.SpanID = sp.SpanID().String()
	spanTimes(sp, p)
	p.ServiceName = f.resourceStr("service.name")
	// The wrappers (@langfuse/openai, langfuse.openai) write the response's
	// model over the request's once the call returns. No SDK records the
	// provider or a response id.
	p.Model = readText(f, []slot{r.model}, out)
	if v, ok := f.get(r.usage); ok {
		if err := readLangfuseUsage(v, p); err != nil {
			out.problem(langfuseKeys.usage, err)
		}
	}
	if v, ok := f.get(r.finish); ok {
		p.FinishReasonRaw, p.FinishReason = finishFromValue(langfuseMetadataValue(v))
	}
	// level ERROR is how both SDKs and their wrappers mark a failed call;
	// the status message holds the error's text.
	failed := spanFailed(sp, pcommon.Value{}, false, p) || opName(f, r.level) == "ERROR"
	p.Status = step.StatusSuccess
	p.Progression = step.ProgressionFinished
	if failed {
		p.Status = step.StatusFailed
		if msg := readText(f, []slot{r.statusMessage}, out); msg != "" && p.ErrorData == nil {
			p.ErrorData = &step.ErrorData{Message: msg}
		}
		if p.CompletionTokens == nil {
			p.Progression = step.ProgressionStart
		}
	}
}

// langfuseMetadataValue undoes the JSON encoding that langfuse-python 5
// gives every metadata value, strings included ("\"tool_calls\"",
// attributes.py _serialize_metadata_value); earlier SDKs wrote a string
// as it was, and any value that is not a JSON string is kept as it is.
func langfuseMetadataValue(v pcommon.Value) pcommon.Value {
	if v.Type() != pcommon.ValueTypeStr || !strings.HasPrefix(v.Str(), `"`) {
		return v
	}
	var s string
	if json.Unmarshal([]byte(v.Str()), &s) != nil {
		return v
	}
	return pcommon.NewValueStr(s)
}

// readLangfuseUsage reads usage_details, a JSON object of counts in a
// string. Two shapes are written:
//
//   - Langfuse's own (langfuse-js @langfuse/openai parseUsageDetails, the
//     Langfuse docs): "input", "output", "total", and the provider's
//     details flattened as input_<detail> and output_<detail>
//     (input_cached_tokens, output_reasoning_tokens). Here input and output
//     EXCLUDE their details (the wrapper subtracts them so that each key is
//     priced once), so prompt = input + every input* key and completion =
//     output + every output* key.
//   - The provider's usage object as it came (langfuse-python's OpenAI
//     wrapper, _parse_usage): prompt_tokens, completion_tokens,
//     total_tokens with nested prompt_tokens_details / completion_tokens_details,
//     where prompt and completion already include their details; or
//     Anthropic's input_tokens, which leaves out cache_read_input_tokens and
//     cache_creation_input_tokens.
func readLangfuseUsage(v pcommon.Value, p *step.Step) error {
	var u map[string]any
	switch v.Type() {
	case pcommon.ValueTypeMap:
		u = v.Map().AsRaw()
	case pcommon.ValueTypeStr:
		// The first JSON value, as a Decoder reads it: what follows is not
		// looked at. Numbers stay text (UseNumber) until counted. The map
		// is made small here; the decoder makes 64 entries for a nil one.
		u = make(map[string]any, 8)
		if _, err := json.Parse([]byte(v.Str()), &u, json.UseNumber); err != nil {
			return fmt.Errorf("want a JSON object of token counts, got %q", clipText(v.Str()))
		}
	default:
		return fmt.Errorf("want a JSON object of token counts in a string, got a %s", strings.ToLower(v.Type().String()))
	}
	var errs []string
	num := func(m map[string]any, key string) *int64 {
		x, ok := m[key]
		if !ok || x == nil {
			return nil
		}
		n, err := usageCount(x)
		if err != nil {
			errs = append(errs, key+": "+err.Error())
			return nil
		}
		return step.Int(n)
	}
	sub := func(key string) map[string]any {
		m, _ := u[key].(map[string]any)
		return m
	}
	firstOf := func(m map[string]any, keys ...string) *int64 {
		for _, k := range keys {
			if n := num(m, k); n != nil {
				return n
			}
		}
		return nil
	}
	switch {
	case u["input"] != nil || u["output"] != nil:
		in, outp := num(u, "input"), num(u, "output")
		for k := range u {
			if k == "input" || k == "output" || k == "total" {
				continue
			}
			if strings.HasPrefix(k, "input") || strings.HasSuffix(k, "_input_tokens") {
				in = addCount(in, num(u, k))
			} else if strings.HasPrefix(k, "output") {
				outp = addCount(outp, num(u, k))
			}
		}
		p.PromptTokens, p.CompletionTokens = in, outp
		p.TotalTokens = num(u, "total")
		p.CachedInputTokens = firstOf(u, "input_cached_tokens", "input_cache_read", "cache_read_input_tokens")
		p.CacheWriteTokens = firstOf(u, "input_cache_creation", "input_cache_write", "cache_creation_input_tokens")
		p.ReasoningTokens = firstOf(u, "output_reasoning_tokens", "output_reasoning")
	case u["prompt_tokens"] != nil || u["completion_tokens"] != nil:
		p.PromptTokens, p.CompletionTokens = num(u, "prompt_tokens"), num(u, "completion_tokens")
		p.TotalTokens = num(u, "total_tokens")
		if d := sub("prompt_tokens_details"); d != nil {
			p.CachedInputTokens = num(d, "cached_tokens")
		}
		if d := sub("completion_tokens_details"); d != nil {
			p.ReasoningTokens = num(d, "reasoning_tokens")
		}
	case u["input_tokens"] != nil || u["output_tokens"] != nil:
		p.PromptTokens, p.CompletionTokens = num(u, "input_tokens"), num(u, "output_tokens")
		p.TotalTokens = num(u, "total_tokens")
		if d := sub("input_tokens_details"); d != nil {
			// The Responses API: input_tokens includes the cache.
			p.CachedInputTokens = num(d, "cached_tokens")
		} else {
			p.CachedInputTokens = num(u, "cache_read_input_tokens")
			p.CacheWriteTokens = num(u, "cache_creation_input_tokens")
			p.PromptTokens = addCount(addCount(p.PromptTokens, p.CachedInputTokens), p.CacheWriteTokens)
		}
		if d := sub("output_tokens_details"); d != nil {
			p.ReasoningTokens = num(d, "reasoning_tokens")
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// usageCount reads one count of a decoded usage JSON.
func usageCount(x any) (int64, error) {
	switch n := x.(type) {
	case json.Number:
		return step.CountFromString(n.String())
	case int64:
		return step.CountFromValue(pcommon.NewValueInt(n))
	case float64:
		return step.CountFromValue(pcommon.NewValueDouble(n))
	case string:
		return step.CountFromString(n)
	}
	return 0, fmt.Errorf("want a whole number, got %T", x)
}

// addCount adds b to a; unset plus unset stays unset.
func addCount(a, b *int64) *int64 {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return step.Int(*a + *b)
}
