package stepprocessor

import (
	"encoding/json"
	"strings"

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
	"aws.bedrock":   "aws.bedrock", "aws": "aws.bedrock", "bedrock": "aws.bedrock",
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
	// Framework names that OpenLLMetry writes where a provider belongs.
	"langchain": "", "crewai": "",
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
	key := strings.ReplaceAll(strings.ToLower(r), "-", "_")
	return finishReasons[key], true
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
