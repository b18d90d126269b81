package step

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

const lettaID = "step-6f1c2a9e-3b4d-4e5f-8a6b-7c8d9e0f1a2b"

// lettaPatches are the parts of one Letta step as its spans give them: the
// pending insert with 0 tokens, the agent_step window, the success update
// with usage, the stop reason of the last step, and context from a late
// ancestor.
func lettaPatches() []Step {
	return []Step{
		{ID: lettaID, AgentID: "agent-1", RunID: "run-1", ProviderName: "openai", ProviderCategory: "base",
			Model: "gpt-4o-mini", ModelEndpoint: "https://api.openai.com/v1", ContextWindowLimit: Int(128000),
			PromptTokens: Int(0), CompletionTokens: Int(0), TotalTokens: Int(0), Status: StatusPending,
			TraceID: "0af7651916cd43dd8448eb211c80319c", SpanID: "b7ad6b7169203331", Source: "letta",
			StartTime: 1767225600100000000, EndTime: 1767225600120000000, Progression: ProgressionStepLogged,
			OrganizationID: "org-00000000-0000-4000-8000-000000000000"},
		{ID: lettaID, StartTime: 1767225600000000000, EndTime: 1767225602000000000, Progression: ProgressionStart},
		{ID: lettaID, Status: StatusSuccess, PromptTokens: Int(1200), CompletionTokens: Int(85), TotalTokens: Int(1285),
			CachedInputTokens: Int(1024), ReasoningTokens: Int(40), Progression: ProgressionFinished},
		{ID: lettaID, StopReason: "end_turn"},
		{ID: lettaID, ConversationID: "conv-9", UserID: "user-7", Tags: []string{"prod", "beta"}},
		{ID: lettaID, Tags: []string{"alpha", "prod"}},
	}
}

func mergeAll(ps []Step) Step {
	var s Step
	for i := range ps {
		s.Merge(&ps[i])
	}
	return s
}

// TestMergeIsOrderFreeAndIdempotent merges random permutations of the real
// patches, each repeated a random number of times, and expects one record.
func TestMergeIsOrderFreeAndIdempotent(t *testing.T) {
	want := mergeAll(lettaPatches())
	want.Finalize()
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		var ps []Step
		for _, p := range lettaPatches() {
			for range 1 + r.IntN(3) {
				ps = append(ps, p)
			}
		}
		r.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		got := mergeAll(ps)
		got.Finalize()
		require.Equal(t, want, got)
	}
}

// TestMergeOfFinalizedPartsEqualsFinalizedWhole splits the patches into
// random batches, merges and finalizes each (as a backend stores rows) and
// merges those: the result must equal finalizing the merge of everything.
func TestMergeOfFinalizedPartsEqualsFinalizedWhole(t *testing.T) {
	want := mergeAll(lettaPatches())
	want.Finalize()
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		ps := lettaPatches()
		r.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		var row Step
		for len(ps) > 0 {
			n := 1 + r.IntN(len(ps))
			batch := mergeAll(ps[:n])
			batch.Finalize()
			row.Merge(&batch)
			row.Finalize()
			ps = ps[n:]
		}
		require.Equal(t, want, row)
	}
}

func TestMergeNeverMovesStatusBack(t *testing.T) {
	s := Step{ID: lettaID, Status: StatusSuccess}
	s.Merge(&Step{ID: lettaID, Status: StatusPending})
	require.Equal(t, StatusSuccess, s.Status)
	s.Merge(&Step{ID: lettaID, Status: StatusFailed})
	require.Equal(t, StatusFailed, s.Status, "a failure is kept over a success")
	s.Merge(&Step{ID: lettaID, Status: StatusSuccess})
	require.Equal(t, StatusFailed, s.Status)
}

func TestMergeSetValueBeatsUnset(t *testing.T) {
	s := Step{ID: lettaID, Model: "gpt-4o", PromptTokens: Int(0)}
	s.Merge(&Step{ID: lettaID})
	require.Equal(t, "gpt-4o", s.Model)
	require.Equal(t, int64(0), *s.PromptTokens, "a recorded zero is a value")
	var e Step
	e.Merge(&s)
	require.Equal(t, s, e)
}

func TestMergeSettlesConflictsByFixedRule(t *testing.T) {
	a, b := Step{ID: lettaID, Model: "gpt-4o"}, Step{ID: lettaID, Model: "gpt-4o-2024-08-06"}
	ab, ba := a, b
	ab.Merge(&b)
	ba.Merge(&a)
	require.Equal(t, ab, ba)
	require.Equal(t, "gpt-4o-2024-08-06", ab.Model)
}

func TestMergeTakesEarliestStartAndLatestEnd(t *testing.T) {
	s := Step{StartTime: 20, EndTime: 30}
	s.Merge(&Step{StartTime: 10, EndTime: 25})
	s.Merge(&Step{StartTime: 15, EndTime: 40})
	require.Equal(t, Time(10), s.StartTime)
	require.Equal(t, Time(40), s.EndTime)
}

func TestFinalizeFillsTotalAndLettaDetails(t *testing.T) {
	s := Step{PromptTokens: Int(100), CompletionTokens: Int(20), CachedInputTokens: Int(64),
		CacheWriteTokens: Int(8), ReasoningTokens: Int(5)}
	s.Finalize()
	require.Equal(t, int64(120), *s.TotalTokens)
	require.Equal(t, &PromptTokensDetails{CachedTokens: Int(64), CacheReadTokens: Int(64), CacheCreationTokens: Int(8)}, s.PromptTokensDetails)
	require.Equal(t, &CompletionTokensDetails{ReasoningTokens: Int(5)}, s.CompletionTokensDetails)

	recorded := Step{PromptTokens: Int(100), CompletionTokens: Int(20), TotalTokens: Int(130)}
	recorded.Finalize()
	require.Equal(t, int64(130), *recorded.TotalTokens, "a recorded total is kept")

	partial := Step{PromptTokens: Int(100)}
	partial.Finalize()
	require.Nil(t, partial.TotalTokens, "no total is made up from half the counts")
}

// autoModePatches are Letta's auto mode: the pending log with the stored
// config, the resolved-model update with the model the router chose, and
// the success update (letta/services/provider_manager.py, letta_agent_v3.py).
func autoModePatches() []Step {
	logged := Step{ID: lettaID, ProviderName: "openai", ProviderCategory: "base", Model: "auto",
		ModelEndpoint: "https://api.openai.com/v1", Status: StatusPending, Source: "letta"}
	logged.SetStage(StageLogged)
	resolved := Step{ID: lettaID, ProviderName: "anthropic", ProviderCategory: "base",
		Model: "claude-sonnet-4-5-20250929", ModelEndpoint: "https://api.anthropic.com/v1", Source: "letta"}
	resolved.SetStage(StageResolved)
	done := Step{ID: lettaID, Status: StatusSuccess, StopReason: "end_turn", Source: "letta"}
	done.SetStage(StageFinal)
	return []Step{logged, resolved, done}
}

// TestLaterStageWinsWhateverTheValuesSort: "openai" sorts after
// "anthropic", yet the resolved provider wins in every order.
func TestLaterStageWinsWhateverTheValuesSort(t *testing.T) {
	ps := autoModePatches()
	for _, order := range [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		var s Step
		for _, i := range order {
			s.Merge(&ps[i])
		}
		require.Equal(t, "anthropic", s.ProviderName, "order %v", order)
		require.Equal(t, "https://api.anthropic.com/v1", s.ModelEndpoint)
		require.Equal(t, "claude-sonnet-4-5-20250929", s.Model)
		require.Equal(t, StatusSuccess, s.Status)
		require.Equal(t, StageResolved, s.Stage("provider_name"))
		require.Equal(t, StageFinal, s.Stage("stop_reason"))
	}
}

// TestMergeDoesNotChangeTheStagesOfACopy: a Step copied by value shares its
// Stages map; merging into the copy must leave the original alone.
func TestMergeDoesNotChangeTheStagesOfACopy(t *testing.T) {
	ps := autoModePatches()
	orig := ps[0]
	cp := orig
	cp.Merge(&ps[1])
	require.Equal(t, StageLogged, orig.Stage("provider_name"))
	require.Equal(t, StageResolved, cp.Stage("provider_name"))
}

// TestStagedFieldsAreStringFields: the list that Merge and the backends'
// SQL share names string fields of the registry only.
func TestStagedFieldsAreStringFields(t *testing.T) {
	for name := range stagedFields {
		f, ok := FieldByName(name)
		require.True(t, ok, name)
		require.Equal(t, KindString, f.Kind, name)
	}
}
