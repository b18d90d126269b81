package pgstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

func get(t *testing.T, s *Store, id string) step.Step {
	t.Helper()
	got, err := s.Get(context.Background(), []string{id})
	require.NoError(t, err)
	require.Len(t, got, 1)
	return got[0]
}

func TestCreateSchemaTwiceIsIdempotent(t *testing.T) {
	dsn := testDSN(t)
	cfg := testConfig(dsn, freshSchema(t, dsn))
	first := openStore(t, cfg)
	_, err := first.Upsert(context.Background(), []step.Step{{ID: "step-1", Model: "m"}})
	require.NoError(t, err)
	second := openStore(t, cfg)
	require.Equal(t, "m", get(t, second, "step-1").Model, "the second start keeps the rows")

	conn := adminConn(t, dsn)
	var indexes []string
	rows, err := conn.Query(context.Background(),
		"SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'steps' ORDER BY 1", cfg.Schema)
	require.NoError(t, err)
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		indexes = append(indexes, n)
	}
	require.Equal(t, []string{"ix_steps_agent_id_order", "ix_steps_conversation_id_order",
		"ix_steps_feedback_order", "ix_steps_finish_reason_order", "ix_steps_model_order", "ix_steps_order",
		"ix_steps_provider_name_order", "ix_steps_run_id", "ix_steps_start_time",
		"ix_steps_status_order", "ix_steps_trace_id", "pk_steps_id"}, indexes)
	var enum string
	require.NoError(t, conn.QueryRow(context.Background(),
		"SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = to_regtype($1)",
		quote(cfg.Schema, "stepstatus")).Scan(&enum))
	require.Equal(t, "PENDING,SUCCESS,FAILED,CANCELLED", enum)
}

func TestUpsertCountsInsertedAndMergedAndRedeliveryChangesNothing(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	a := step.Step{ID: "step-a", Status: step.StatusPending, PromptTokens: step.Int(0)}
	b := step.Step{ID: "step-b", Status: step.StatusSuccess, PromptTokens: step.Int(10), CompletionTokens: step.Int(2)}
	res, err := s.Upsert(ctx, []step.Step{a, b})
	require.NoError(t, err)
	require.Equal(t, store.Result{Inserted: 2}, res)

	c := step.Step{ID: "step-c", Model: "m"}
	res, err = s.Upsert(ctx, []step.Step{b, c})
	require.NoError(t, err)
	require.Equal(t, store.Result{Inserted: 1, Merged: 1}, res)

	want := storetest.MergeAll([]step.Step{a, b, c})
	for range 3 {
		_, err = s.Upsert(ctx, []step.Step{a, b, c})
		require.NoError(t, err)
	}
	for id, w := range want {
		require.Equal(t, w, get(t, s, id))
	}
}

func TestDuplicateIDsInOneBatchAreMergedFirst(t *testing.T) {
	s := openFresh(t)
	res, err := s.Upsert(context.Background(), []step.Step{
		{ID: "step-d", Status: step.StatusFailed}, {ID: "step-d", Status: step.StatusPending, Model: "m"},
	})
	require.NoError(t, err)
	require.Equal(t, store.Result{Inserted: 1}, res)
	got := get(t, s, "step-d")
	require.Equal(t, step.StatusFailed, got.Status)
	require.Equal(t, "m", got.Model)
}

// permutations lists every order of n items.
func permutations(n int) [][]int {
	if n == 1 {
		return [][]int{{0}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

func TestMergeInEveryOrderGivesGoMergeRow(t *testing.T) {
	s := openFresh(t)
	patches := []step.Step{
		{Status: step.StatusPending, Progression: step.ProgressionStart, PromptTokens: step.Int(0),
			CompletionTokens: step.Int(0), TotalTokens: step.Int(0), StartTime: 1_700_000_000_000_000_500, Model: "gpt-4o",
			Tags: []string{"b"}},
		{Status: step.StatusSuccess, Progression: step.ProgressionFinished, PromptTokens: step.Int(1000),
			CompletionTokens: step.Int(50), CachedInputTokens: step.Int(400), EndTime: 1_700_000_002_000_000_001,
			StopReason: "end_turn", Tags: []string{"a"}},
		{Status: step.StatusFailed, ErrorType: "RateLimitError", ErrorData: &step.ErrorData{Message: "429", Details: `{"retry": true}`},
			ReasoningTokens: step.Int(20), StartTime: 1_700_000_000_000_000_499, Model: "gpt-4o-mini"},
		{Progression: step.ProgressionLoggedTrace, CacheWriteTokens: step.Int(7), TotalTokens: step.Int(1200),
			ErrorData: &step.ErrorData{Traceback: "tb", Details: "plain text"}, Tags: []string{"b", "c"}},
	}
	var want step.Step
	for i := range patches {
		want.Merge(&patches[i])
	}
	want.Finalize()
	for n, order := range permutations(len(patches)) {
		id := fmt.Sprintf("step-order-%02d", n)
		for _, i := range order {
			p := patches[i]
			p.ID = id
			_, err := s.Upsert(context.Background(), []step.Step{p})
			require.NoError(t, err)
		}
		w := want
		w.ID = id
		require.Equal(t, w, get(t, s, id), "order %v", order)
	}
}

func TestErrorDetailsKeepTheirTextThroughAMerge(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	details := "{\"retry_after\": 3,\n \"codes\": [1, 2]}"
	_, err := s.Upsert(ctx, []step.Step{{ID: "step-e", ErrorData: &step.ErrorData{Message: "a", Details: details}}})
	require.NoError(t, err)
	_, err = s.Upsert(ctx, []step.Step{{ID: "step-e", ErrorData: &step.ErrorData{Message: "b", Details: `"quoted"`}}})
	require.NoError(t, err)
	require.Equal(t, &step.ErrorData{Message: "b", Details: details}, get(t, s, "step-e").ErrorData)
}

func TestTextPostgresCannotHoldIsReplacedNotRejected(t *testing.T) {
	s := openFresh(t)
	_, err := s.Upsert(context.Background(), []step.Step{{ID: "step-u", Model: "a\x00b\xffc"}})
	require.NoError(t, err)
	require.Equal(t, "a\uFFFDb\uFFFDc", get(t, s, "step-u").Model)
}

func TestBadRecordIsRejectedAloneAndTheOthersAreWritten(t *testing.T) {
	dsn := testDSN(t)
	cfg := testConfig(dsn, freshSchema(t, dsn))
	s := openStore(t, cfg)
	_, err := adminConn(t, dsn).Exec(context.Background(),
		"ALTER TABLE "+quote(cfg.Schema, "steps")+" ADD CONSTRAINT no_bad_model CHECK (model <> 'bad')")
	require.NoError(t, err)

	res, err := s.Upsert(context.Background(), []step.Step{
		{ID: "step-ok-1", Model: "good"}, {ID: "step-bad", Model: "bad"}, {ID: "step-ok-2", Model: "good"},
	})
	require.Error(t, err)
	require.True(t, consumererror.IsPermanent(err))
	require.ErrorContains(t, err, "step-bad")
	require.Equal(t, store.Result{Inserted: 2}, res)
	got, err := s.Get(context.Background(), []string{"step-ok-1", "step-bad", "step-ok-2"})
	require.NoError(t, err)
	require.Len(t, got, 2)
}
