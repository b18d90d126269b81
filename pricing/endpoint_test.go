package pricing

import "testing"

// TestCallProvider: the endpoint's API names the provider in every form a
// span records it (host, host:port, a URL in any case, with a user or a
// path), and an endpoint the catalogue does not know, or none, leaves the
// provider name to decide.
func TestCallProvider(t *testing.T) {
	cat := Embedded()
	for _, c := range []struct{ provider, endpoint, want string }{
		{"openai", "api.deepseek.com", "deepseek"},
		{"openai", "api.deepseek.com:443", "deepseek"},
		{"openai", "HTTPS://API.DeepSeek.com/v1", "deepseek"},
		{"openai", "https://key:secret@api.groq.com/openai/v1", "groq"},
		{"openai", "my-resource.openai.azure.com", "azure"},
		{"anthropic", "bedrock-runtime.eu-west-1.amazonaws.com:443", "aws"},
		{"anthropic", "europe-west1-aiplatform.googleapis.com", "google"},
		{"openai", "https://router.huggingface.co/cerebras/v1", "huggingface_cerebras"},
		{"openai", "api.openai.com", "openai"},
		{"aws.bedrock", "bedrock-agent-runtime.us-east-1.amazonaws.com", "aws"}, // not the runtime's API: by name
		{"openai", "llm-gateway.example.com:8443", "openai"},
		{"openai", "localhost:11434", "openai"},
		{"x_ai", "", "x-ai"},
		{"gcp.gemini", "[::1]:8080", "google"},
		{"openai", "://", "openai"},
	} {
		if got := cat.CallProvider(c.provider, c.endpoint); got != c.want {
			t.Errorf("CallProvider(%q, %q) = %q, want %q", c.provider, c.endpoint, got, c.want)
		}
	}
}
