package storetest

import (
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"

	"github.com/agentsteps/collector/step"
)

// MergeAll merges patches by id with step.Merge and finalizes each record:
// the row a store must hold after receiving all of them.
func MergeAll(patches []step.Step) map[string]step.Step {
	out := map[string]step.Step{}
	for i := range patches {
		s := out[patches[i].ID]
		s.Merge(&patches[i])
		out[patches[i].ID] = s
	}
	for id, s := range out {
		s.Finalize()
		out[id] = s
	}
	return out
}

// Partition shuffles patches and cuts them into random batches.
func Partition(rng *rand.Rand, patches []step.Step) [][]step.Step {
	shuffled := append([]step.Step(nil), patches...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	var out [][]step.Step
	for len(shuffled) > 0 {
		n := 1 + rng.IntN(len(shuffled))
		out = append(out, shuffled[:n])
		shuffled = shuffled[n:]
	}
	return out
}

// LettaAndGenAIPatches makes the patches of n steps the way the processor
// emits them: Letta's pending insert with 0 tokens, its success or error
// update with tokens and a stop reason, context patches from ancestors that
// ended later, GenAI call records, and duplicates of any of them.
func LettaAndGenAIPatches(rng *rand.Rand, n int) []step.Step {
	var out []step.Step
	for i := range n {
		id := fakeID(rng.IntN(1 << 30))
		start := step.Time(1_700_000_000_000_000_000 + int64(i)*1_000_000_000 + int64(rng.IntN(1000)))
		trace := fmt.Sprintf("%032x", rng.Uint64())
		var ps []step.Step
		if rng.IntN(3) > 0 {
			ps = lettaPatches(rng, id, trace, start)
		} else {
			ps = genAIPatches(rng, id, trace, start)
		}
		ps = append(ps, step.Step{ID: id, ConversationID: "conv-" + fmt.Sprint(rng.IntN(3)),
			UserID: "user-1", ProjectID: "proj-" + fmt.Sprint(rng.IntN(2)),
			Tags: pick(rng, []string{"prod", "beta", "eval", "é-ünicode", `quote"d`})})
		for k := rng.IntN(3); k > 0; k-- { // redelivered duplicates
			ps = append(ps, ps[rng.IntN(len(ps))])
		}
		out = append(out, ps...)
	}
	return out
}

func lettaPatches(rng *rand.Rand, id, trace string, start step.Time) []step.Step {
	pending := step.Step{ID: id, Origin: "http://letta", OrganizationID: "org-1", ProviderID: "provider-1",
		RunID: "run-" + id[5:], AgentID: "agent-" + fmt.Sprint(rng.IntN(4)), ProviderName: "openai",
		ProviderCategory: "base", Model: "gpt-4o-mini", ModelEndpoint: "https://api.openai.com/v1",
		ContextWindowLimit: step.Int(128000), PromptTokens: step.Int(0), CompletionTokens: step.Int(0),
		TotalTokens: step.Int(0), TraceID: trace, Status: step.StatusPending,
		Progression: step.ProgressionStepLogged, StartTime: start, Source: "letta", ServiceName: "letta-server"}
	prompt, completion := int64(100+rng.IntN(5000)), int64(1+rng.IntN(800))
	end := step.Step{ID: id, PromptTokens: &prompt, CompletionTokens: &completion,
		TotalTokens: step.Int(prompt + completion), EndTime: start + step.Time(1+rng.IntN(5e9)),
		Progression: step.ProgressionFinished, Source: "letta"}
	if rng.IntN(4) == 0 {
		end.Status, end.StopReason, end.ErrorType = step.StatusFailed, "llm_api_error", "RateLimitError"
		end.ErrorData = &step.ErrorData{Message: "429 Too Many Requests", Traceback: "Traceback ...", Details: `{"retry":true}`}
		end.PromptTokens, end.CompletionTokens, end.TotalTokens = nil, nil, nil
	} else {
		end.Status, end.StopReason = step.StatusSuccess, "end_turn"
		if rng.IntN(2) == 0 {
			end.CachedInputTokens, end.CacheWriteTokens = step.Int(prompt/2), step.Int(prompt/10)
		}
		if rng.IntN(2) == 0 {
			end.ReasoningTokens = step.Int(completion / 3)
		}
	}
	trace2 := step.Step{ID: id, SpanID: fmt.Sprintf("%016x", rng.Uint64()), RequestID: "req-" + id[5:13],
		Progression: step.ProgressionLoggedTrace, ModelHandle: "openai/gpt-4o-mini",
		StartTime: start + step.Time(rng.IntN(3)-1)} // the provider span may start before agent_step
	pending.SetStage(step.StageLogged)
	end.SetStage(step.StageFinal)
	out := []step.Step{pending, end, trace2}
	if rng.IntN(2) == 0 {
		// Auto mode: the router's choice sorts before the logged values.
		resolved := step.Step{ID: id, ProviderName: "anthropic", Model: "claude-sonnet-4-5-20250929",
			ModelEndpoint: "https://api.anthropic.com/v1", ProviderCategory: "base", Source: "letta"}
		resolved.SetStage(step.StageResolved)
		out = append(out, resolved)
	}
	return out
}

// AutoModePatches are one Letta auto-mode step as the processor emits it:
// the pending log with the stored config (stage 1), the resolved-model
// update (stage 2), and the success update (stage 3).
func AutoModePatches(id string) []step.Step {
	logged := step.Step{ID: id, OrganizationID: "org-00000000-0000-4000-8000-000000000000",
		AgentID: "agent-1", ProviderName: "openai", ProviderCategory: "base", Model: "auto",
		ModelEndpoint: "https://api.openai.com/v1", ContextWindowLimit: step.Int(128000),
		PromptTokens: step.Int(0), CompletionTokens: step.Int(0), TotalTokens: step.Int(0),
		Status: step.StatusPending, Progression: step.ProgressionStepLogged, Source: "letta",
		StartTime: 1_772_442_000_110_000_000, EndTime: 1_772_442_000_130_000_000}
	logged.SetStage(step.StageLogged)
	resolved := step.Step{ID: id, ProviderName: "anthropic", ProviderCategory: "base",
		Model: "claude-sonnet-4-5-20250929", ModelEndpoint: "https://api.anthropic.com/v1", Source: "letta"}
	resolved.SetStage(step.StageResolved)
	done := step.Step{ID: id, Status: step.StatusSuccess, Progression: step.ProgressionFinished,
		PromptTokens: step.Int(2890), CompletionTokens: step.Int(57), TotalTokens: step.Int(2947),
		StopReason: "end_turn", Source: "letta"}
	done.SetStage(step.StageFinal)
	return []step.Step{logged, resolved, done}
}

// Orders are the six orders of three patches.
var Orders = [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}

func genAIPatches(rng *rand.Rand, id, trace string, start step.Time) []step.Step {
	prompt, completion := int64(10+rng.IntN(3000)), int64(1+rng.IntN(500))
	call := step.Step{ID: id, TraceID: trace, SpanID: fmt.Sprintf("%016x", rng.Uint64()),
		ProviderName: "anthropic", Model: "claude-sonnet-4", PromptTokens: &prompt,
		CompletionTokens: &completion, StartTime: start, EndTime: start + 2_000_000_000,
		FinishReason: "stop", FinishReasonRaw: "end_turn", Status: step.StatusSuccess,
		Progression: step.ProgressionFinished, Source: "genai", ServiceName: "agent-svc",
		CachedInputTokens: step.Int(prompt / 4)}
	if rng.IntN(2) == 0 {
		call.TotalTokens = step.Int(prompt + completion + int64(rng.IntN(10))) // a provider total may exceed the sum
	}
	ctx := step.Step{ID: id, AgentID: "agent-g", RunID: "run-g" + fmt.Sprint(rng.IntN(2)), Tags: []string{"genai"}}
	return []step.Step{call, ctx}
}

// FullRecord sets every field that travels on spans, for round-trip checks.
func FullRecord(id string) step.Step {
	return step.Step{ID: id, Origin: "o", OrganizationID: "org", ProviderID: "prov", RunID: "run",
		AgentID: "agent", ProviderName: "openai", ProviderCategory: "byok", Model: "gpt-4o",
		ModelEndpoint: "https://e", ContextWindowLimit: step.Int(8192), CompletionTokens: step.Int(5),
		PromptTokens: step.Int(7), TotalTokens: step.Int(10), StopReason: "end_turn",
		Tags: []string{"a", "b"}, TID: "tid", TraceID: "0123456789abcdef0123456789abcdef",
		RequestID: "req", Feedback: "positive", ProjectID: "proj", ErrorType: "E",
		ErrorData: &step.ErrorData{Message: "m", Traceback: "t", Details: `{"k":1}`},
		Status:    step.StatusFailed, ModelHandle: "openai/gpt-4o", CachedInputTokens: step.Int(3),
		CacheWriteTokens: step.Int(1), ReasoningTokens: step.Int(2), SpanID: "0123456789abcdef",
		StartTime: 1_700_000_000_123_456_789, EndTime: 1_700_000_001_000_000_001, ServiceName: "svc",
		ConversationID: "conv", UserID: "user", FinishReason: "error", FinishReasonRaw: "ERROR",
		Source: "genai", TraceURL: "http://127.0.0.1:16686/trace/0123456789abcdef0123456789abcdef",
		Progression: step.ProgressionResponseReceived, CostUSD: step.USD(0.0001234), InputCostUSD: step.USD(0.0001),
		OutputCostUSD: step.USD(0.0000234), CostSource: step.CostSourceSpan,
		Stages: step.Stages{"model": step.StageResolved, "provider_name": step.StageLogged, "stop_reason": step.StageFinal}}
}

func pick(rng *rand.Rand, from []string) []string {
	var out []string
	for _, s := range from {
		if rng.IntN(3) == 0 {
			out = append(out, s)
		}
	}
	return out
}

func fakeID(n int) string {
	return fmt.Sprintf("step-%08x-0000-4000-8000-%012x", n, n)
}

func mapsKeys(m map[string]step.Step) iter.Seq[string] { return maps.Keys(m) }
