package stepprocessor

import (
	"fmt"
	"strings"

	"github.com/segmentio/encoding/json"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/agentsteps/collector/step"
)

// genkitKeys are the span attributes of Genkit's own tracing (firebase/genkit
// js/core/src/tracing/instrumentation.ts, tracer "genkit-tracer"): every
// action runs in a span that ends with its SpanMetadata flattened into
// genkit:* keys. input and output are JSON; metadata.* becomes
// genkit:metadata:*. The action's kind is its subtype: "model" for a model
// call, "flow" for a flow, "tool", "util" (generate), "prompt" and others.
var genkitKeys = struct {
	subtype, name, output, state, session string
}{
	subtype: "genkit:metadata:subtype",
	name:    "genkit:name",
	output:  "genkit:output",
	state:   "genkit:state",
	// Chat sessions (ai.chat) record their session id on the spans they run.
	session: "genkit:sessionId",
}

// genkitPlugins names the provider behind the plugins whose model actions
// are "<plugin>/<model>". A plugin named by the user (compat-oai's
// openAICompatible({name})) names no provider.
var genkitPlugins = map[string]string{
	"openai": "openai", "anthropic": "anthropic", "googleai": "gcp.gemini",
	"vertexai": "gcp.vertex_ai", "ollama": "ollama", "deepseek": "deepseek",
	"xai": "x_ai", "mistral": "mistral_ai", "groq": "groq",
}

type genkitRecogniser struct {
	subtype, action, output, state, session slot
}

func newGenkit(ix *keyIndex) *genkitRecogniser {
	k := &genkitKeys
	return &genkitRecogniser{
		subtype: ix.add(k.subtype),
		action:  ix.add(k.name),
		output:  ix.add(k.output),
		state:   ix.add(k.state),
		session: ix.add(k.session),
	}
}

// recognise claims model actions as steps and flows as runs. The generate
// utility, prompts and tools wrap or follow the model actions: usage in
// their output is an aggregate or none, so they only hand down context.
func (r *genkitRecogniser) recognise(f *spanFacts, out *finding) bool {
	sub := opName(f, r.subtype)
	if sub == "" {
		return false
	}
	switch sub {
	case "model":
		out.role = roleLLM
		r.readModelAction(f, out)
	case "flow":
		out.role = roleContext
		out.ctx.RunID = runOf(f)
		out.ctx.AgentID = readText(f, []slot{r.action}, out)
	default:
		out.role = roleContext
	}
	out.ctx.ConversationID = readText(f, []slot{r.session}, out)
	return true
}

func (r *genkitRecogniser) readModelAction(f *spanFacts, out *finding) {
	sp := f.span
	p := &out.patch
	p.TraceID = sp.TraceID().String()
	p.SpanID = sp.SpanID().String()
	spanTimes(sp, p)
	p.ServiceName = f.resourceStr("service.name")
	// The action is "<plugin>/<model>", the requested model; an OpenAI raw
	// response in the output names the served one.
	name := readText(f, []slot{r.action}, out)
	if plugin, model, ok := strings.Cut(name, "/"); ok {
		p.Model = model
		p.ProviderName = genkitPlugins[strings.ToLower(plugin)]
	} else {
		p.Model = name
	}
	responded := false
	if v, ok := f.get(r.output); ok {
		var err error
		if responded, err = readGenkitOutput(v, p); err != nil {
			out.problem(genkitKeys.output, err)
		}
	}
	if geminiFamily(p.ProviderName) && p.CompletionTokens != nil && p.ReasoningTokens != nil {
		// The Gemini plugins pass candidatesTokenCount as outputTokens and
		// thoughtsTokenCount beside it (genkit js/plugins/google-genai
		// converters): the candidates leave the thoughts out, and a
		// completion count includes reasoning.
		p.CompletionTokens = step.Int(*p.CompletionTokens + *p.ReasoningTokens)
	}
	failed := spanFailed(sp, pcommon.Value{}, false, p) || opName(f, r.state) == "error" ||
		p.FinishReason == "error"
	p.Status = step.StatusSuccess
	p.Progression = step.ProgressionFinished
	if failed {
		p.Status = step.StatusFailed
		if !responded {
			p.Progression = step.ProgressionStart
		}
	}
}

func geminiFamily(provider string) bool {
	return provider == "gcp.gemini" || provider == "gcp.vertex_ai"
}

// genkitResponse is the part of a model action's output (GenerateResponseData,
// js/ai/src/model-types.ts) that a step reads. usage is GenerationUsage:
// inputTokens and outputTokens as the plugin reported them, thoughtsTokens
// and cachedContentTokens where the plugin maps them.
type genkitResponse struct {
	FinishReason string `json:"finishReason"`
	// candidates is the pre-1.0 response shape, one per choice.
	Candidates []struct {
		FinishReason string `json:"finishReason"`
	} `json:"candidates"`
	// raw is the provider's own response, which some plugins pass along.
	// compat-oai's is an OpenAI chat.completion (its model runner sets
	// raw: response): it holds what Genkit's own fields lose, the served
	// model, the response id, the finish reason before compat-oai maps
	// tool_calls to "stop", and the cache and reasoning counts.
	Raw   *openaiRaw `json:"raw"`
	Usage *struct {
		InputTokens         *json.Number `json:"inputTokens"`
		OutputTokens        *json.Number `json:"outputTokens"`
		TotalTokens         *json.Number `json:"totalTokens"`
		CachedContentTokens *json.Number `json:"cachedContentTokens"`
		ThoughtsTokens      *json.Number `json:"thoughtsTokens"`
	} `json:"usage"`
}

type openaiRaw struct {
	Object  string `json:"object"`
	ID      string `json:"id"`
	Model   string `json:"model"`
	Choices []struct {
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptDetails *struct {
			Cached *json.Number `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
		CompletionDetails *struct {
			Reasoning *json.Number `json:"reasoning_tokens"`
		} `json:"completion_tokens_details"`
	} `json:"usage"`
}

// readGenkitOutput fills counts and the finish reason from the output JSON.
// responded reports that the JSON was a response at all.
func readGenkitOutput(v pcommon.Value, p *step.Step) (responded bool, err error) {
	if v.Type() != pcommon.ValueTypeStr {
		return false, fmt.Errorf("want the action's output as JSON in a string, got a %s", strings.ToLower(v.Type().String()))
	}
	var r genkitResponse
	// The first JSON value, as a Decoder reads it: what follows is not
	// looked at. Numbers stay text (UseNumber) until counted.
	if _, err := json.Parse([]byte(v.Str()), &r, json.UseNumber); err != nil {
		return false, fmt.Errorf("want a model response as JSON, got %q", clipText(v.Str()))
	}
	raw := r.FinishReason
	if raw == "" && len(r.Candidates) > 0 {
		raw = r.Candidates[0].FinishReason
	}
	oai := r.Raw
	if oai != nil && oai.Object != "chat.completion" {
		oai = nil
	}
	if oai != nil {
		if oai.Model != "" {
			p.Model = oai.Model
		}
		p.RequestID = oai.ID
		if len(oai.Choices) > 0 && oai.Choices[0].FinishReason != "" {
			raw = oai.Choices[0].FinishReason
		}
	}
	if raw != "" {
		p.FinishReasonRaw, p.FinishReason = finishFromValue(pcommon.NewValueStr(raw))
	}
	if u := r.Usage; u != nil {
		var errs []string
		num := func(key string, x *json.Number) *int64 {
			if x == nil {
				return nil
			}
			n, err := step.CountFromString(x.String())
			if err != nil {
				errs = append(errs, key+": "+err.Error())
				return nil
			}
			return step.Int(n)
		}
		p.PromptTokens = num("usage.inputTokens", u.InputTokens)
		p.CompletionTokens = num("usage.outputTokens", u.OutputTokens)
		p.TotalTokens = num("usage.totalTokens", u.TotalTokens)
		p.CachedInputTokens = num("usage.cachedContentTokens", u.CachedContentTokens)
		p.ReasoningTokens = num("usage.thoughtsTokens", u.ThoughtsTokens)
		if oai != nil && oai.Usage != nil {
			if d := oai.Usage.PromptDetails; d != nil && p.CachedInputTokens == nil {
				p.CachedInputTokens = num("raw.usage.prompt_tokens_details.cached_tokens", d.Cached)
			}
			if d := oai.Usage.CompletionDetails; d != nil && p.ReasoningTokens == nil {
				p.ReasoningTokens = num("raw.usage.completion_tokens_details.reasoning_tokens", d.Reasoning)
			}
		}
		if len(errs) > 0 {
			return true, fmt.Errorf("%s", strings.Join(errs, "; "))
		}
	}
	return true, nil
}
