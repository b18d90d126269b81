package sqlitestore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/step"
)

// TestOldFileGainsTheCostColumns: a file written before the cost columns
// existed gets them at Open, and keeps its rows.
func TestOldFileGainsTheCostColumns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps.db")
	old := schemaSQL
	for _, c := range addedColumns {
		old = strings.Replace(old, "    "+c[0], "    -- "+c[0], 1)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	_, err = db.Exec(old)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO steps (id, model, created_at, updated_at) VALUES ('step-old', 'gpt-4o', 'x', 'x')`)
	require.NoError(t, err)
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM pragma_table_info('steps') WHERE name = 'cost_usd'").Scan(&n))
	require.Zero(t, n, "the old schema has no cost columns")
	require.NoError(t, db.Close())

	cfg := NewDefaultConfig()
	cfg.Path = path
	s, err := Open(context.Background(), cfg)
	require.NoError(t, err)
	defer s.Close(context.Background())
	_, err = s.Upsert(context.Background(), []step.Step{{ID: "step-new", CostUSD: step.USD(0.25), CostSource: step.CostSourceSpan}})
	require.NoError(t, err)
	got, err := s.Get(context.Background(), []string{"step-old", "step-new"})
	require.NoError(t, err)
	require.Len(t, got, 2)
	for _, r := range got {
		if r.ID == "step-new" {
			require.Equal(t, 0.25, *r.CostUSD)
		}
	}
}

// TestNewRowIsPricedAsTheMergedRowWouldBe: a new row is priced from its
// record before it is written, and an id that comes twice in one batch is
// priced from the merged row, as reprice prices a row that was there.
func TestNewRowIsPricedAsTheMergedRowWouldBe(t *testing.T) {
	e := pricing.New(pricing.Embedded(), nil)
	s := openTemp(t)
	s.SetPricing(e)
	ctx := context.Background()
	start := step.Time(time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC).UnixNano())
	model := step.Step{ProviderName: "anthropic", Model: "claude-sonnet-4-20250514", StartTime: start}
	usage := step.Step{PromptTokens: step.Int(1000), CompletionTokens: step.Int(100)}
	whole := model
	whole.PromptTokens, whole.CompletionTokens = usage.PromptTokens, usage.CompletionTokens
	whole.ID = "step-whole"
	model.ID, usage.ID = "step-twice", "step-twice"
	_, err := s.Upsert(ctx, []step.Step{whole, model, usage})
	require.NoError(t, err)
	got, err := s.Get(ctx, []string{"step-whole", "step-twice"})
	require.NoError(t, err)
	require.Len(t, got, 2)
	// claude-sonnet-4: $3 input and $15 output per million tokens.
	for _, r := range got {
		require.NotNil(t, r.CostUSD, r.ID)
		require.InDelta(t, (1000*3+100*15)/1e6, *r.CostUSD, 1e-12, r.ID)
	}
}
