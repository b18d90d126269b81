// Package storetest is a test suite that any step backend runs against a
// real instance of itself:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) (store.Store, store.Reader) {
//			s := openFresh(t) // an empty store, closed by t.Cleanup
//			return s, s
//		})
//	}
//
// It checks the promise of store.Store: whatever the batching, order and
// redelivery of a step's patches, the stored row is exactly what step.Merge
// over all of them followed by Finalize gives (stages included: a later
// stage's value wins), and a row never moves back.
package storetest

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

// Open returns an empty store and a reader of the same data. It must
// register its own cleanup.
type Open func(t *testing.T) (store.Store, store.Reader)

// Run runs every check of the suite as a subtest, each on a fresh store.
func Run(t *testing.T, open Open) {
	t.Run("RoundTripsEveryField", func(t *testing.T) { testRoundTrip(t, open) })
	t.Run("AnyPartitionOrderAndRedeliveryGivesTheMergedRow", func(t *testing.T) { testPartitions(t, open) })
	t.Run("ExistingRowIsNeverRegressed", func(t *testing.T) { testNoRegression(t, open) })
	t.Run("ConflictsSettleByTheFixedRule", func(t *testing.T) { testConflicts(t, open) })
	t.Run("LaterStageWinsInEveryOrderAndRequest", func(t *testing.T) { testStages(t, open) })
	t.Run("RecentIsLatestStartFirst", func(t *testing.T) { testRecent(t, open) })
	t.Run("GetIgnoresUnknownIDs", func(t *testing.T) { testGetUnknown(t, open) })
	t.Run("SplitStepIsPricedAsAWhole", func(t *testing.T) { testSplitStepPriced(t, open) })
}

// Pricer is what a store with a Reader implements to price merged rows.
type Pricer interface{ SetPricing(*pricing.Engine) }

// testSplitStepPriced: a Letta step's model and usage arrive in different
// batches, each priced alone by the exporter (the usage patch has no model,
// so no cost); the stored row has the cost of the merged record, in either
// order, and a redelivery changes nothing.
func testSplitStepPriced(t *testing.T, open Open) {
	e := pricing.New(pricing.Embedded(), nil)
	for n, order := range [][2]int{{0, 1}, {1, 0}} {
		s, r := open(t)
		p, ok := s.(Pricer)
		require.True(t, ok, "the store has no SetPricing")
		p.SetPricing(e)
		id := fakeID(200 + n)
		start := step.Time(time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC).UnixNano())
		patches := []step.Step{
			{ID: id, ProviderName: "anthropic", Model: "claude-sonnet-4-20250514", StartTime: start, PromptTokens: step.Int(0), CompletionTokens: step.Int(0)},
			{ID: id, PromptTokens: step.Int(9000), CachedInputTokens: step.Int(3000), CacheWriteTokens: step.Int(5000), CompletionTokens: step.Int(700)},
		}
		for _, i := range order {
			rec := finalized(patches[i])
			rec.PriceCost(e)
			upsert(t, s, rec)
		}
		want := MergeAll(patches)[id]
		want.PriceCost(e)
		// claude-sonnet-4: $3 input, $0.30 cache read, $3.75 cache write, $15 output per million.
		require.InDelta(t, (1000*3+3000*0.3+5000*3.75+700*15)/1e6, *want.CostUSD, 1e-12)
		requireRows(t, r, map[string]step.Step{id: want})
		upsert(t, s, finalized(patches[order[0]]))
		requireRows(t, r, map[string]step.Step{id: want})
	}
}

func testRoundTrip(t *testing.T, open Open) {
	s, r := open(t)
	full := FullRecord("step-00000000-0000-4000-8000-000000000001")
	upsert(t, s, full)
	requireRows(t, r, map[string]step.Step{full.ID: finalized(full)})
}

func testPartitions(t *testing.T, open Open) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	for round := range 8 {
		s, r := open(t)
		patches := LettaAndGenAIPatches(rng, 6+round)
		want := MergeAll(patches)
		batches := Partition(rng, patches)
		for _, b := range batches {
			upsertBatch(t, s, b)
		}
		requireRows(t, r, want)
		// Redeliver a random half of the batches, in reverse order.
		for i := len(batches) - 1; i >= 0; i-- {
			if rng.IntN(2) == 0 {
				upsertBatch(t, s, batches[i])
			}
		}
		requireRows(t, r, want)
	}
}

func testNoRegression(t *testing.T, open Open) {
	s, r := open(t)
	id := "step-00000000-0000-4000-8000-000000000002"
	done := step.Step{ID: id, Status: step.StatusSuccess, Progression: step.ProgressionFinished,
		PromptTokens: step.Int(1200), CompletionTokens: step.Int(80), ReasoningTokens: step.Int(20),
		StopReason: "end_turn", StartTime: 1_700_000_000_000_000_000, EndTime: 1_700_000_002_000_000_000}
	upsert(t, s, done)
	// Letta's late pending insert: 0 tokens, status pending, first progression.
	late := step.Step{ID: id, Status: step.StatusPending, Progression: step.ProgressionStart,
		PromptTokens: step.Int(0), CompletionTokens: step.Int(0), TotalTokens: step.Int(0),
		StartTime: 1_700_000_001_000_000_000, EndTime: 1_700_000_001_000_000_000}
	upsert(t, s, late)
	want := done
	want.Merge(&late)
	want.Finalize()
	require.Equal(t, step.StatusSuccess, want.Status)
	require.Equal(t, int64(1280), *want.TotalTokens)
	requireRows(t, r, map[string]step.Step{id: want})
}

func testConflicts(t *testing.T, open Open) {
	s, r := open(t)
	id := "step-00000000-0000-4000-8000-000000000003"
	a := step.Step{ID: id, Model: "gpt-4o", Status: step.StatusSuccess, Tags: []string{"b", "x"},
		ErrorData: &step.ErrorData{Message: "a"}}
	b := step.Step{ID: id, Model: "gpt-4o-mini", Status: step.StatusFailed, Tags: []string{"a", "b"},
		ErrorData: &step.ErrorData{Message: "b'; DROP TABLE steps; --", Traceback: "tb"}}
	upsert(t, s, b)
	upsert(t, s, a)
	want := MergeAll([]step.Step{a, b})
	require.Equal(t, "gpt-4o-mini", want[id].Model)
	require.Equal(t, []string{"a", "b", "x"}, want[id].Tags)
	requireRows(t, r, want)
}

// testStages writes Letta's auto-mode patches in every order, each in a
// request of its own, and expects the resolved provider, endpoint and
// model, which sort before the logged ones, and the record step.Merge gives.
func testStages(t *testing.T, open Open) {
	s, r := open(t)
	want := map[string]step.Step{}
	for k, order := range Orders {
		id := fakeID(200 + k)
		ps := AutoModePatches(id)
		for _, i := range order {
			upsert(t, s, ps[i])
		}
		upsert(t, s, ps[order[0]]) // a redelivered early patch changes nothing
		w := MergeAll(ps)[id]
		require.Equal(t, "anthropic", w.ProviderName)
		require.Equal(t, "https://api.anthropic.com/v1", w.ModelEndpoint)
		require.Equal(t, "claude-sonnet-4-5-20250929", w.Model)
		want[id] = w
	}
	requireRows(t, r, want)
}

func testRecent(t *testing.T, open Open) {
	s, r := open(t)
	var recs []step.Step
	for i := range 5 {
		recs = append(recs, step.Step{ID: fakeID(100 + i), StartTime: step.Time(1_700_000_000_000_000_000 + int64(i)*1e9)})
	}
	upsertBatch(t, s, recs)
	got, err := r.Recent(context.Background(), 3)
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, []string{recs[4].ID, recs[3].ID, recs[2].ID}, []string{got[0].ID, got[1].ID, got[2].ID})
}

func testGetUnknown(t *testing.T, open Open) {
	s, r := open(t)
	upsert(t, s, step.Step{ID: fakeID(1), Model: "m"})
	got, err := r.Get(context.Background(), []string{fakeID(1), fakeID(2)})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "m", got[0].Model)
}

func upsert(t *testing.T, s store.Store, rec step.Step) {
	t.Helper()
	upsertBatch(t, s, []step.Step{rec})
}

// upsertBatch merges a batch by id and finalizes it, as the exporter does,
// then writes it.
func upsertBatch(t *testing.T, s store.Store, patches []step.Step) {
	t.Helper()
	merged := MergeAll(patches)
	recs := make([]step.Step, 0, len(merged))
	for _, id := range slices.Sorted(mapsKeys(merged)) {
		recs = append(recs, merged[id])
	}
	_, err := s.Upsert(context.Background(), recs)
	require.NoError(t, err)
}

func requireRows(t *testing.T, r store.Reader, want map[string]step.Step) {
	t.Helper()
	ids := slices.Sorted(mapsKeys(want))
	got, err := r.Get(context.Background(), ids)
	require.NoError(t, err)
	byID := map[string]step.Step{}
	for _, g := range got {
		byID[g.ID] = g
	}
	for _, id := range ids {
		require.Contains(t, byID, id)
		require.Equal(t, want[id], byID[id], "row %s", id)
	}
	require.Len(t, got, len(want))
}

func finalized(s step.Step) step.Step {
	s.Finalize()
	return s
}
