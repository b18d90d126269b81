package sqlitestore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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
