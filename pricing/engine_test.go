package pricing

import (
	"math"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func i64(v int64) *int64     { return &v }
func f64(v float64) *float64 { return &v }

// TestRules: exact beats prefix beats regex, a provider narrows, the newest
// start date on or before the call wins, and cache buckets without a rate
// of their own are billed at the input rate.
func TestRules(t *testing.T) {
	rules := []*Rule{
		{Regex: regexp.MustCompile(`^qwen`), Input: 1, Output: 2},
		{Prefix: "qwen2.5-", Input: 3, Output: 4},
		{Model: "qwen2.5-72b", Input: 5, Output: 6, CacheRead: f64(0.5)},
		{Model: "qwen2.5-72b", StartDate: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Input: 7, Output: 8},
		{Model: "gpt-4o", Provider: "azure.ai.openai", Input: 100, Output: 100},
	}
	for _, r := range rules {
		r.Compile()
	}
	e := New(Embedded(), rules)
	may := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	july := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	call := func(model, provider string, at time.Time) Call {
		return Call{Model: model, Provider: provider, Endpoint: "http://localhost:8000", Start: at,
			PromptTokens: i64(1_000_000), CachedInputTokens: i64(400_000), CompletionTokens: i64(1_000_000)}
	}
	for _, tc := range []struct {
		name string
		c    Call
		want Breakdown
	}{
		{"regex", call("qwen3", "", may), Breakdown{3, 1, 2}},
		{"prefix", call("Qwen2.5-7b", "", may), Breakdown{7, 3, 4}},
		{"exact, cache read rate", call("qwen2.5-72b", "", may), Breakdown{0.6*5 + 0.4*0.5 + 6, 0.6*5 + 0.4*0.5, 6}},
		{"exact, newer start date", call("qwen2.5-72b", "", july), Breakdown{15, 7, 8}},
		{"provider rule", call("gpt-4o", "azure.ai.openai", may), Breakdown{200, 100, 100}},
	} {
		got, ok := e.Price(tc.c)
		if !ok || got.Source != "config" || math.Abs(got.Total-tc.want.Total) > 1e-9 ||
			math.Abs(got.Input-tc.want.Input) > 1e-9 || math.Abs(got.Output-tc.want.Output) > 1e-9 {
			t.Errorf("%s: got %+v %v, want %+v from config", tc.name, got, ok, tc.want)
		}
	}
	// The provider rule does not apply to OpenAI's own gpt-4o, and the
	// catalogue prices that (the endpoint is not self-hosted).
	c := call("gpt-4o", "openai", may)
	c.Endpoint = "https://api.openai.com/v1"
	if got, ok := e.Price(c); !ok || got.Source != "catalogue@"+Embedded().Version {
		t.Errorf("openai gpt-4o: %+v %v", got, ok)
	}
}

func TestMissingTokens(t *testing.T) {
	e := New(Embedded(), nil)
	// Cache reads without the prompt they are part of: no cost, not a guess.
	if got, ok := e.Price(Call{Provider: "openai", Model: "gpt-4o", CachedInputTokens: i64(10), CompletionTokens: i64(5)}); ok {
		t.Errorf("priced without prompt tokens: %+v", got)
	}
	if got, ok := e.Price(Call{Provider: "openai", Model: "no-such-model", PromptTokens: i64(10), CompletionTokens: i64(5)}); ok {
		t.Errorf("unknown model priced: %+v", got)
	}
	if got, ok := e.Price(Call{Provider: "ollama", Model: "llama3.1:8b", PromptTokens: i64(10), CompletionTokens: i64(5)}); ok {
		t.Errorf("ollama priced: %+v", got)
	}
}

func TestTimeOfDay(t *testing.T) {
	for s, want := range map[string]float64{"00:30:00Z": 1800, "16:30:00Z": 59400, "01:00:00+02:00": 82800, "23:00:00.5-01:00": 0.5} {
		got, err := parseTimeOfDay(s)
		if err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"24:00:00Z", "12:00:00", "noon"} {
		if _, err := parseTimeOfDay(s); err == nil {
			t.Errorf("%s: no error", s)
		}
	}
}

func TestDashedDates(t *testing.T) {
	for in, want := range map[string]string{
		"claude-sonnet-4-20250514":     "claude-sonnet-4-2025-05-14",
		"x-20250231-20250514:0":        "x-20250231-2025-05-14:0",
		"gpt-4o-20240806x":             "gpt-4o-20240806x",
		"a-20250101-20250102":          "a-2025-01-01-2025-01-02",
		"us.anthropic.claude-20240620": "us.anthropic.claude-2024-06-20",
	} {
		if got := dashedDates(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

func TestLoadCatalogueErrors(t *testing.T) {
	for _, bad := range []string{
		`{}`,
		`[{"id":"p","models":[{"id":"m","match":{"equals":"m"},"prices":{"input_mtok":-1}}]}]`,
		`[{"id":"p","models":[{"id":"m","match":{"like":"m"},"prices":{"input_mtok":1}}]}]`,
		`[{"id":"p","models":[{"id":"m","match":{"regex":"("},"prices":{"input_mtok":1}}]}]`,
		`[{"id":"p","models":[{"id":"m","match":{"equals":"m"},"prices":[{"constraint":{"start_date":"June"},"prices":{}}]}]}]`,
	} {
		if _, err := LoadCatalogue([]byte(bad), "x"); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestSelfHosted(t *testing.T) {
	for ep, want := range map[string]bool{
		"http://localhost:11434/v1": true, "127.0.0.1:8000": true, "http://10.1.2.3:8000/v1": true, "ollama.internal": true,
		"[::1]:8080": true, "http://user@192.168.1.5/v1": true, "gpu-box.local:8000": true, "http://[fe80::1]/": true,
		"api.openai.com": false, "https://api.anthropic.com/v1": false, "api.openai.com:443": false, "": false,
		"https://bedrock-runtime.us-east-1.amazonaws.com": false, "8.8.8.8": false, "http://LOCALHOST/": true,
	} {
		if got := SelfHosted(ep); got != want {
			t.Errorf("SelfHosted(%q) = %v, want %v", ep, got, want)
		}
	}
}

// TestEngineConcurrent prices from many goroutines at once, as the
// processor's concurrent batches do: every goroutine gets the price a
// fresh engine gives alone, while the resolve cache is filled under them
// (run with -race).
func TestEngineConcurrent(t *testing.T) {
	calls := []Call{
		{Provider: "openai", Model: "gpt-4o-2024-08-06", Endpoint: "api.openai.com:443"},
		{Provider: "anthropic", Model: "claude-sonnet-4-5-20250929"},
		{Provider: "aws.bedrock", Model: "us.anthropic.claude-sonnet-4-20250514-v1:0"},
		{Provider: "gcp.gemini", Model: "gemini-2.5-pro"},
		{Provider: "openai", Model: "gpt-4o", Endpoint: "http://localhost:11434/v1"},
		{Provider: "ollama", Model: "llama3.2"},
	}
	want := make([]Quote, len(calls))
	for i := range calls {
		calls[i].Start = time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC)
		calls[i].PromptTokens, calls[i].CachedInputTokens, calls[i].CompletionTokens = i64(300000), i64(1000), i64(500)
		want[i] = New(Embedded(), nil).Quote(&calls[i])
	}
	e := New(Embedded(), nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 200 {
				i := (g + n) % len(calls)
				if got := e.Quote(&calls[i]); got != want[i] {
					t.Errorf("%s/%s: %+v, alone %+v", calls[i].Provider, calls[i].Model, got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestEngineRecentCollisions: keys that share one pair of slots of the
// recent cache (the catalogue's own model ids, under two providers and
// three endpoints, one self-hosted), looked up in turn, each get the quote
// a fresh engine gives them alone, never a neighbour's.
func TestEngineRecentCollisions(t *testing.T) {
	byPair := map[uint32][]Call{}
	for _, p := range Embedded().Providers {
		if p.ID != "openai" && p.ID != "anthropic" {
			continue
		}
		for _, m := range p.Models {
			for _, ep := range []string{"", "https://api.example.com/v1", "http://localhost:11434"} {
				for _, prov := range []string{"openai", "anthropic"} {
					c := Call{Provider: prov, Model: m.ID, Endpoint: ep, Start: time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC),
						PromptTokens: i64(100000), CompletionTokens: i64(5000)}
					pair := recentIndex(c.Provider, c.Model, c.Endpoint) >> 1
					byPair[pair] = append(byPair[pair], c)
				}
			}
		}
	}
	// Every pair's keys in turn, interleaved: a lookup that matched a
	// neighbour on part of the key would get its quote.
	e := New(Embedded(), nil)
	shared := 0
	for _, cs := range byPair {
		want := make([]Quote, len(cs))
		distinct := map[Quote]bool{}
		for i := range cs {
			want[i] = New(Embedded(), nil).Quote(&cs[i])
			distinct[want[i]] = true
		}
		if len(distinct) > 1 {
			shared++
		}
		for n := range 3 * len(cs) {
			i := n * 7 % len(cs)
			require.Equal(t, want[i], e.Quote(&cs[i]), "%s %s at %q", cs[i].Provider, cs[i].Model, cs[i].Endpoint)
		}
	}
	require.Greater(t, shared, 20, "too few pairs of slots shared by keys with different quotes")
}
