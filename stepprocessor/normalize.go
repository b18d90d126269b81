package stepprocessor

import (
	"regexp"
	"strings"

	"github.com/segmentio/encoding/json"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// providers maps every provider spelling seen in the conventions to the
// OpenTelemetry gen_ai.provider.name vocabulary. Keys are lowercase; the
// lookup lowercases. Sources: the deprecated gen_ai.system values,
// OpenInference llm.system / llm.provider, OpenLLMetry's capitalised
// pre-0.5 values, raw AI SDK provider ids (their prefix before the first
// '.') and AI SDK 7's mapProviderName.
var providers = map[string]string{
	"openai": "openai", "anthropic": "anthropic", "cohere": "cohere",
	"groq": "groq", "deepseek": "deepseek", "perplexity": "perplexity",
	"x_ai": "x_ai", "xai": "x_ai",
	"mistral_ai": "mistral_ai", "mistralai": "mistral_ai", "mistral": "mistral_ai",
	"gcp.gen_ai": "gcp.gen_ai", "google": "gcp.gemini",
	"gcp.gemini": "gcp.gemini", "gemini": "gcp.gemini", "google-generative-ai": "gcp.gemini",
	"gcp.vertex_ai": "gcp.vertex_ai", "vertex_ai": "gcp.vertex_ai", "vertexai": "gcp.vertex_ai",
	"google-vertex": "gcp.vertex_ai",
	// The AI SDK's Vertex Anthropic provider ("vertex.anthropic.messages"):
	// Claude served and billed by Vertex AI, not by Anthropic.
	"vertex": "gcp.vertex_ai",
	// pydantic-ai's provider names: google-gla is the Gemini Developer API
	// (generativelanguage.googleapis.com), google-vertex is Vertex AI.
	"google-gla": "gcp.gemini",
	// LangChain's ls_provider values (LangSmith writes them as
	// langsmith.metadata.ls_provider).
	"google_genai": "gcp.gemini", "google_vertexai": "gcp.vertex_ai",
	"google_anthropic_vertex": "gcp.vertex_ai", "amazon_bedrock": "aws.bedrock",
	"bedrock_converse": "aws.bedrock", "azure_openai": "azure.ai.openai",
	"aws.bedrock": "aws.bedrock", "aws": "aws.bedrock", "bedrock": "aws.bedrock",
	"amazon-bedrock": "aws.bedrock", "amazon": "aws.bedrock",
	"azure.ai.openai": "azure.ai.openai", "az.ai.openai": "azure.ai.openai", "azure-openai": "azure.ai.openai",
	// OpenLLMetry's "Azure" and OpenInference's "azure" come from the OpenAI
	// SDK pointed at Azure OpenAI, and @ai-sdk/azure is Azure OpenAI too.
	"azure":              "azure.ai.openai",
	"azure.ai.inference": "azure.ai.inference", "az.ai.inference": "azure.ai.inference",
	"ibm.watsonx.ai": "ibm.watsonx.ai", "watsonx": "ibm.watsonx.ai",
	"moonshot_ai": "moonshot_ai", "moonshot": "moonshot_ai", "moonshotai": "moonshot_ai",
	"together_ai": "together_ai", "togetherai": "together_ai", "together": "together_ai",
	"hugging_face": "hugging_face", "huggingface": "hugging_face",
	"aleph_alpha": "aleph_alpha", "alephalpha": "aleph_alpha",
	"ollama": "ollama", "fireworks": "fireworks", "openrouter": "openrouter",
	"replicate": "replicate", "cerebras": "cerebras", "snowflake": "snowflake",
	// Framework names written where a provider belongs: OpenLLMetry's
	// langchain and crewai, LangSmith's default langchain, Strands'
	// strands-agents and Google ADK's gcp.vertex.agent. They never name the
	// provider; providerFromEvidence may.
	"langchain": "", "crewai": "", "strands-agents": "", "gcp.vertex.agent": "",
}

// normProvider maps a recorded provider to the OpenTelemetry vocabulary.
// AI SDK ids such as "openai.chat" or "google.vertex.chat" are tried whole,
// then by their prefix. An unknown provider is kept, lowercased.
func normProvider(raw string) string {
	p := strings.ToLower(strings.TrimSpace(raw))
	if v, ok := providers[p]; ok {
		return v
	}
	if strings.HasPrefix(p, "google.vertex") || strings.HasPrefix(p, "google-vertex") {
		return "gcp.vertex_ai"
	}
	if i := strings.IndexByte(p, '.'); i > 0 {
		if v, ok := providers[p[:i]]; ok {
			return v
		}
	}
	return p
}

// finishReasons maps provider and framework finish reasons (lowercase,
// '-' read as '_') to stop|length|tool_call|content_filter|error. A value
// mapped to "" is a recorded reason with no normalised meaning (Anthropic's
// pause_turn, Gemini's OTHER, the AI SDK's other/unknown): the raw value is
// kept and finish_reason stays unset.
var finishReasons = map[string]string{
	"stop": "stop", "end_turn": "stop", "stop_sequence": "stop", "completed": "stop",
	"complete": "stop",
	"length":   "length", "max_tokens": "length", "max_output_tokens": "length",
	"model_length": "length", "model_context_window_exceeded": "length",
	"tool_calls": "tool_call", "tool_call": "tool_call", "function_call": "tool_call",
	"tool_use":       "tool_call",
	"content_filter": "content_filter", "refusal": "content_filter", "safety": "content_filter",
	"recitation": "content_filter", "blocklist": "content_filter",
	"prohibited_content": "content_filter", "spii": "content_filter",
	"image_safety": "content_filter", "image_prohibited_content": "content_filter",
	"model_armor": "content_filter", "guardrail_intervened": "content_filter",
	"content_filtered": "content_filter",
	"error":            "error", "failed": "error", "cancelled": "error",
	"malformed_function_call": "error", "unexpected_tool_call": "error", "no_image": "error",
	"language": "error", "malformed_model_output": "error", "malformed_tool_use": "error",
	"pause_turn": "", "other": "", "unknown": "", "finish_reason_unspecified": "",
	"incomplete": "", "in_progress": "", "queued": "", "compaction": "",
}

// normFinish normalises one recorded finish reason. ok is false for an empty
// value, which means nothing was recorded.
func normFinish(raw string) (norm string, ok bool) {
	r := strings.TrimSpace(raw)
	if r == "" {
		return "", false
	}
	// Semantic Kernel (Python) records str() of its FinishReason enum,
	// "FinishReason.TOOL_CALLS", one per choice joined by commas: the first.
	if i := strings.IndexByte(r, ','); i >= 0 {
		r = strings.TrimSpace(r[:i])
	}
	r = strings.TrimPrefix(r, "FinishReason.")
	return finishReasons[finishKey(r)], true
}

// finishKey folds a finish reason to the map's form: lowercase, '-' read as
// '_', and camelCase split (the Strands TypeScript SDK records Bedrock's
// stop reasons as endTurn, toolUse, maxTokens).
func finishKey(r string) string {
	if strings.IndexFunc(r, func(c rune) bool { return c >= 'A' && c <= 'Z' || c == '-' }) < 0 {
		return r // the common case, already in the map's form: no allocation
	}
	b := make([]byte, 0, len(r)+4)
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c >= 'A' && c <= 'Z':
			if i > 0 && (r[i-1] >= 'a' && r[i-1] <= 'z' || r[i-1] >= '0' && r[i-1] <= '9') {
				b = append(b, '_')
			}
			b = append(b, c+'a'-'A')
		case c == '-':
			b = append(b, '_')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// finishFromValue reads a finish reason recorded as a string, a string array
// (gen_ai.response.finish_reasons, one per choice: the first non-empty one
// is the step's) or a stringified JSON array. It returns the raw value as
// recorded and its normalised form.
func finishFromValue(v pcommon.Value) (raw, norm string) {
	switch v.Type() {
	case pcommon.ValueTypeSlice:
		sl := v.Slice()
		for i := 0; i < sl.Len(); i++ {
			if s := sl.At(i).AsString(); strings.TrimSpace(s) != "" {
				n, _ := normFinish(s)
				return s, n
			}
		}
	case pcommon.ValueTypeStr:
		s := strings.TrimSpace(v.Str())
		if strings.HasPrefix(s, "[") {
			var arr []string
			if json.Unmarshal([]byte(s), &arr) == nil {
				for _, e := range arr {
					if strings.TrimSpace(e) != "" {
						n, _ := normFinish(e)
						return e, n
					}
				}
				return "", ""
			}
		}
		if s != "" {
			n, _ := normFinish(s)
			return v.Str(), n
		}
	}
	return "", ""
}

// hostProviders maps the API host of a model call (server.address) to its
// provider. Suffixes match subdomains: regional Bedrock and Vertex hosts,
// Azure OpenAI resources.
var hostProviders = []struct{ suffix, provider string }{
	{"api.openai.com", "openai"},
	{".openai.azure.com", "azure.ai.openai"},
	{".services.ai.azure.com", "azure.ai.inference"},
	{".models.ai.azure.com", "azure.ai.inference"},
	{"api.anthropic.com", "anthropic"},
	{".amazonaws.com", "aws.bedrock"}, // bedrock-runtime.<region>.amazonaws.com
	{"generativelanguage.googleapis.com", "gcp.gemini"},
	{"aiplatform.googleapis.com", "gcp.vertex_ai"},
	{"api.mistral.ai", "mistral_ai"},
	{"api.groq.com", "groq"},
	{"api.deepseek.com", "deepseek"},
	{"api.x.ai", "x_ai"},
	{"api.cohere.com", "cohere"}, {"api.cohere.ai", "cohere"},
	{"api.perplexity.ai", "perplexity"},
	{"openrouter.ai", "openrouter"},
	{"api.together.xyz", "together_ai"},
}

// bedrockModelID matches Bedrock model and inference-profile ids: an
// optional cross-region prefix, the model vendor, a dot
// ("us.anthropic.claude-sonnet-4-...", "amazon.nova-pro-v1:0",
// "openai.gpt-oss-120b-1:0"), or an ARN.
var bedrockModelID = regexp.MustCompile(`^(arn:aws[a-z-]*:bedrock:|((us|eu|apac|ap|jp|au|ca|us-gov|global)\.)?(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|writer|qwen|openai|twelvelabs|stability|luma|moonshot|minimax)\.[a-z0-9])`)

// providerFromEvidence names the provider of a call whose span names none,
// or names only a framework (Strands' strands-agents, ADK's
// gcp.vertex.agent, LangSmith's langchain): from the API host, or from a
// model id that says where it is served (a Bedrock id, a LiteLLM
// "provider/model" route, a Gemini model, whose backend is unknown:
// gcp.gen_ai). Anything else stays empty rather than guessed: a gpt-4o may
// be served by OpenAI or Azure, a claude-* by Anthropic, Bedrock or Vertex.
func providerFromEvidence(serverAddress, model string) string {
	if host := strings.ToLower(strings.TrimSpace(serverAddress)); host != "" {
		for _, h := range hostProviders {
			if host == strings.TrimPrefix(h.suffix, ".") || strings.HasSuffix(host, h.suffix) {
				return h.provider
			}
		}
	}
	m := strings.ToLower(strings.TrimSpace(model))
	switch {
	case m == "":
		return ""
	case bedrockModelID.MatchString(m):
		return "aws.bedrock"
	case strings.HasPrefix(m, "gemini-") || strings.HasPrefix(m, "models/gemini-"):
		return "gcp.gen_ai"
	}
	if i := strings.IndexByte(m, '/'); i > 0 {
		if v, ok := litellmRoutes[m[:i]]; ok {
			return v
		}
	}
	return ""
}

// litellmRoutes are LiteLLM's "provider/model" prefixes (ADK's LiteLlm,
// CrewAI and others pass model strings in this form).
var litellmRoutes = map[string]string{
	"openai": "openai", "anthropic": "anthropic", "gemini": "gcp.gemini",
	"vertex_ai": "gcp.vertex_ai", "bedrock": "aws.bedrock", "azure": "azure.ai.openai",
	"azure_ai": "azure.ai.inference", "groq": "groq", "mistral": "mistral_ai",
	"deepseek": "deepseek", "xai": "x_ai", "cohere": "cohere", "perplexity": "perplexity",
	"openrouter": "openrouter", "ollama": "ollama", "together_ai": "together_ai",
}
