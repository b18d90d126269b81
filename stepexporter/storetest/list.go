package storetest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

// OpenList returns an empty store and its StepReader. It must register its
// own cleanup.
type OpenList func(t *testing.T) (store.Store, store.StepReader)

// RunList checks store.StepReader: every filter, both orders and paging
// both ways against Want, feedback from the API surviving merges, and
// values too long for a PostgreSQL btree entry.
func RunList(t *testing.T, open OpenList) {
	t.Run("ListAnswersAsTheReference", func(t *testing.T) { testList(t, open) })
	t.Run("PagingVisitsEveryRecordOnceBothWays", func(t *testing.T) { testPaging(t, open) })
	t.Run("UnknownCursorIsAnError", func(t *testing.T) { testUnknownCursor(t, open) })
	t.Run("FeedbackFromTheAPIWinsOverLaterMerges", func(t *testing.T) { testFeedbackWins(t, open) })
	t.Run("LongValuesAreStoredAndFoundByEveryFilter", func(t *testing.T) { testLongValues(t, open) })
}

// ListBase is the start_time of ListRecords' first record, a whole
// microsecond (PostgreSQL orders by microseconds).
const ListBase = step.Time(1_750_000_000_000_000_000)

// ListRecords returns n finalized records that differ in every field List
// filters on. Every fifth shares its start_time with the one before (the
// id breaks the tie), and the last has no start_time.
func ListRecords(n int) []step.Step {
	out := make([]step.Step, n)
	feedback := []string{"", "positive", "negative"}
	for i := range out {
		t := ListBase + step.Time(i/5*5+i%5)*step.Time(time.Second)
		if i%5 == 1 {
			t -= step.Time(time.Second)
		}
		r := step.Step{
			ID:             fmt.Sprintf("step-%08x-0000-4000-8000-%012x", (i*7919)%n, i),
			AgentID:        fmt.Sprintf("agent-%d", i%3),
			RunID:          fmt.Sprintf("run-%d", i%4),
			Model:          []string{"gpt-4o", "claude-sonnet-4-5"}[i%2],
			ProjectID:      []string{"", "proj-a"}[i%2],
			Feedback:       feedback[i%3],
			TraceID:        fmt.Sprintf("%032x", i%6),
			ConversationID: fmt.Sprintf("conv-%d", i%5), ProviderName: []string{"openai", "anthropic", "google"}[i%3],
			FinishReason: []string{"stop", "length"}[i%2],
			Tags:         [][]string{nil, {"a"}, {"a", "b"}, {"b"}}[i%4],
			Status:       []step.Status{step.StatusSuccess, step.StatusFailed}[min(i%7, 1)],
			StartTime:    t, EndTime: t + step.Time(time.Duration(i+1)*time.Millisecond),
			PromptTokens: step.Int(int64(100 + i)), CompletionTokens: step.Int(int64(i)),
		}
		if i == n-1 {
			r.StartTime, r.EndTime = 0, 0
		}
		r.Finalize()
		out[i] = r
	}
	return out
}

// Want is List's answer over recs, computed in Go: the reference every
// store must match.
func Want(recs []step.Step, q store.Query) ([]step.Step, error) {
	key := func(s step.Step) (int64, string) { return int64(s.StartTime) / 1000, s.ID }
	less := func(a, b step.Step) int {
		ka, ia := key(a)
		kb, ib := key(b)
		return cmp.Or(cmp.Compare(ka, kb), cmp.Compare(ia, ib))
	}
	byID := map[string]step.Step{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	for _, c := range []string{q.After, q.Before} {
		if _, ok := byID[c]; c != "" && !ok {
			return nil, store.ErrUnknownCursor
		}
	}
	var out []step.Step
	for _, r := range recs {
		k, _ := key(r)
		switch {
		case q.AgentID != "" && r.AgentID != q.AgentID, q.RunID != "" && r.RunID != q.RunID,
			q.Model != "" && r.Model != q.Model, q.ProjectID != "" && r.ProjectID != q.ProjectID,
			q.Feedback != "" && r.Feedback != q.Feedback,
			q.ConversationID != "" && r.ConversationID != q.ConversationID,
			q.ProviderName != "" && r.ProviderName != q.ProviderName,
			q.Status != "" && string(r.Status) != q.Status, q.FinishReason != "" && r.FinishReason != q.FinishReason,
			q.HasFeedback != nil && (r.Feedback != "") != *q.HasFeedback,
			len(q.TraceIDs) > 0 && !slices.Contains(q.TraceIDs, r.TraceID),
			!q.Start.IsZero() && k <= q.Start.UnixMicro(), !q.End.IsZero() && k >= q.End.UnixMicro():
			continue
		}
		if !containsAll(r.Tags, q.Tags) {
			continue
		}
		// after: later in the requested order; before: earlier.
		if q.After != "" && (less(r, byID[q.After]) > 0) != q.Ascending {
			continue
		}
		if q.After != "" && r.ID == q.After || q.Before != "" && r.ID == q.Before {
			continue
		}
		if q.Before != "" && (less(r, byID[q.Before]) < 0) != q.Ascending {
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, less)
	if !q.Ascending {
		slices.Reverse(out)
	}
	limit := max(q.Limit, 1)
	if len(out) > limit {
		if q.Before != "" && q.After == "" {
			out = out[len(out)-limit:] // the nearest before the cursor
		} else {
			out = out[:limit]
		}
	}
	return out, nil
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func ids(recs []step.Step) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func fill(t *testing.T, s store.Store, n int) []step.Step {
	recs := ListRecords(n)
	_, err := s.Upsert(context.Background(), recs)
	require.NoError(t, err)
	return recs
}

func testList(t *testing.T, open OpenList) {
	s, r := open(t)
	recs := fill(t, s, 40)
	yes, no := true, false
	at := func(i int) time.Time { return time.Unix(0, int64(ListBase)).Add(time.Duration(i) * time.Second) }
	queries := []store.Query{
		{Limit: 100}, {Limit: 100, Ascending: true}, {Limit: 7},
		{AgentID: "agent-1", Limit: 100}, {RunID: "run-2", Limit: 100, Ascending: true},
		{Model: "gpt-4o", Limit: 100}, {ProjectID: "proj-a", Limit: 100},
		{Feedback: "positive", Limit: 100}, {HasFeedback: &yes, Limit: 100}, {HasFeedback: &no, Limit: 100},
		{TraceIDs: []string{fmt.Sprintf("%032x", 1), fmt.Sprintf("%032x", 4)}, Limit: 100},
		{Tags: []string{"a"}, Limit: 100}, {Tags: []string{"a", "b"}, Limit: 100},
		{Start: at(10), Limit: 100}, {End: at(10), Limit: 100}, {Start: at(5), End: at(20), Limit: 100, Ascending: true},
		{AgentID: "agent-2", Model: "claude-sonnet-4-5", HasFeedback: &yes, Limit: 100},
		{AgentID: "nobody", Limit: 100},
		{ConversationID: "conv-3", Limit: 100}, {ProviderName: "anthropic", Limit: 100},
		{Status: "failed", Limit: 100}, {FinishReason: "length", Status: "success", Limit: 100},
		{After: recs[20].ID, Limit: 5}, {After: recs[20].ID, Limit: 5, Ascending: true},
		{Before: recs[20].ID, Limit: 5}, {Before: recs[20].ID, Limit: 5, Ascending: true},
		{After: recs[30].ID, Before: recs[10].ID, Limit: 100},
		{After: recs[6].ID, AgentID: "agent-0", Limit: 3},
	}
	for _, q := range queries {
		want, err := Want(recs, q)
		require.NoError(t, err)
		got, err := r.List(context.Background(), q)
		require.NoError(t, err, "%+v", q)
		require.Equal(t, ids(want), ids(got), "%+v", q)
	}
	// The records come back whole.
	got, err := r.List(context.Background(), store.Query{Limit: 100})
	require.NoError(t, err)
	want, _ := Want(recs, store.Query{Limit: 100})
	require.Equal(t, want, got)
}

func testPaging(t *testing.T, open OpenList) {
	s, r := open(t)
	recs := fill(t, s, 23)
	for _, asc := range []bool{false, true} {
		all, _ := Want(recs, store.Query{Limit: 100, Ascending: asc})
		var seen []string
		q := store.Query{Limit: 4, Ascending: asc}
		for {
			page, err := r.List(context.Background(), q)
			require.NoError(t, err)
			if len(page) == 0 {
				break
			}
			seen = append(seen, ids(page)...)
			q.After = page[len(page)-1].ID
		}
		require.Equal(t, ids(all), seen, "forward, ascending=%v", asc)
		// Backward from the last record, as the SDK pages with before.
		var back []string
		q = store.Query{Limit: 4, Ascending: asc, Before: all[len(all)-1].ID}
		for {
			page, err := r.List(context.Background(), q)
			require.NoError(t, err)
			if len(page) == 0 {
				break
			}
			back = append(ids(page), back...)
			q.Before = page[0].ID
		}
		require.Equal(t, ids(all[:len(all)-1]), back, "backward, ascending=%v", asc)
	}
}

func testUnknownCursor(t *testing.T, open OpenList) {
	s, r := open(t)
	fill(t, s, 3)
	_, err := r.List(context.Background(), store.Query{After: "step-unknown", Limit: 5})
	require.ErrorIs(t, err, store.ErrUnknownCursor)
	_, err = r.List(context.Background(), store.Query{Before: "'; DROP TABLE steps; --", Limit: 5})
	require.ErrorIs(t, err, store.ErrUnknownCursor)
}

func testFeedbackWins(t *testing.T, open OpenList) {
	s, r := open(t)
	ctx := context.Background()
	id := fakeID(500)
	upsert(t, s, step.Step{ID: id, Feedback: "negative", Tags: []string{"x"}})
	ok, err := r.SetFeedback(ctx, id, "negative", []string{"reviewed", "good"})
	require.NoError(t, err)
	require.True(t, ok)
	// A span later says positive ("positive" > "negative" would win a merge).
	upsert(t, s, step.Step{ID: id, Feedback: "positive", Model: "gpt-4o"})
	got, err := r.Get(ctx, []string{id})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "negative", got[0].Feedback)
	require.Equal(t, "gpt-4o", got[0].Model, "the rest of the row still merges")
	require.Equal(t, []string{"good", "reviewed"}, got[0].Tags)
	// Cleared stays cleared; nil tags keep the tags.
	ok, err = r.SetFeedback(ctx, id, "", nil)
	require.NoError(t, err)
	require.True(t, ok)
	upsert(t, s, step.Step{ID: id, Feedback: "positive"})
	got, err = r.Get(ctx, []string{id})
	require.NoError(t, err)
	require.Equal(t, "", got[0].Feedback)
	require.Equal(t, []string{"good", "reviewed"}, got[0].Tags)
	ok, err = r.SetFeedback(ctx, fakeID(501), "positive", nil)
	require.NoError(t, err)
	require.False(t, ok, "unknown step")
}
