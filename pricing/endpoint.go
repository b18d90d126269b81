package pricing

import "strings"

// CallProvider is the catalogue provider id that prices a call: the one
// whose API the call's endpoint reached, when the catalogue knows that API
// (its providers' api_pattern, the base URL calcPrice's providerApiUrl
// matches), and otherwise the call's provider name mapped to the
// catalogue's (CatalogueProvider).
//
// The endpoint wins because the provider name says which client or format
// the instrumentation saw, not who served the call: the OpenTelemetry GenAI
// conventions set gen_ai.provider.name to "openai" for every API reached
// through the OpenAI client libraries (DeepSeek, Groq, OpenRouter,
// Gemini's OpenAI-compatible endpoint, Azure OpenAI) and name
// server.address as what identifies the actual system. So a deepseek-chat
// call with provider openai to api.deepseek.com is DeepSeek's price, and
// Claude through the Anthropic SDK's Bedrock or Vertex client is billed by
// AWS or Google. An endpoint the catalogue does not know (a proxy, a
// gateway, a self-hosted server) leaves the provider name to decide.
func (c *Catalogue) CallProvider(provider, endpoint string) string {
	if u := apiBase(endpoint); u != "" {
		for _, p := range c.Providers {
			if p.apiPattern != nil && p.apiPattern.MatchString(u) {
				return p.ID
			}
		}
	}
	return CatalogueProvider(provider)
}

// apiBase writes an endpoint (a URL, or server.address with or without
// server.port) as the https base URL the catalogue's api_pattern expects:
// scheme https, host lowercased, no port or user, the path kept
// (Hugging Face's router names the provider in it). "" for no host.
func apiBase(endpoint string) string {
	host, _, path := splitEndpoint(endpoint)
	if host == "" {
		return ""
	}
	return "https://" + strings.ToLower(host) + path
}
