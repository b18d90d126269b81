package pricing

import (
	"testing"
	"time"
)

// BenchmarkEnginePrice is one catalogue price of a cached, tiered model
// with cache and reasoning buckets, as the processor asks per step.
// Run: go test ./pricing -run '^$' -bench BenchmarkEnginePrice
func BenchmarkEnginePrice(b *testing.B) {
	e := New(Embedded(), nil)
	c := Call{Provider: "anthropic", Model: "claude-sonnet-4-5-20250929", Endpoint: "https://api.anthropic.com/v1",
		Start: time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC), PromptTokens: i64(9000), CachedInputTokens: i64(3000),
		CacheWriteTokens: i64(5000), CompletionTokens: i64(700), ReasoningTokens: i64(100)}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := e.Price(c); !ok {
			b.Fatal("not priced")
		}
		_ = e.ContextWindow(c.Provider, c.Model)
	}
}
