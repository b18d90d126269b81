package pgstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
)

// TestOwnTableGainsTheCostColumns: a table this store created before the
// cost columns existed gets them at the next start, and keeps its rows;
// Letta's own table (no start_time_ns) is never altered.
func TestOwnTableGainsTheCostColumns(t *testing.T) {
	dsn := testDSN(t)
	schema := freshSchema(t, dsn)
	cfg := testConfig(dsn, schema)
	cfg.CreateSchema = true
	s := openStore(t, cfg)
	_, err := s.Upsert(context.Background(), []step.Step{{ID: "step-old", Model: "gpt-4o"}})
	require.NoError(t, err)
	conn := adminConn(t, dsn)
	for _, c := range costColumns {
		_, err := conn.Exec(context.Background(), "ALTER TABLE "+quote(schema, cfg.Table)+" DROP COLUMN "+quote(c))
		require.NoError(t, err)
	}
	require.NoError(t, s.Close(context.Background()))

	s = openStore(t, cfg)
	require.Empty(t, s.plan.missing, "the cost columns were added")
	_, err = s.Upsert(context.Background(), []step.Step{{ID: "step-new", CostUSD: step.USD(0.5), CostSource: step.CostSourceSpan}})
	require.NoError(t, err)
	got, err := s.Get(context.Background(), []string{"step-old", "step-new"})
	require.NoError(t, err)
	require.Len(t, got, 2)

	// A table without the exporter's own columns (Letta's) keeps its shape.
	letta := testConfig(dsn, freshSchema(t, dsn))
	letta.CreateSchema = true
	_, err = conn.Exec(context.Background(), "CREATE TABLE "+quote(letta.Schema, letta.Table)+` (id VARCHAR PRIMARY KEY, model VARCHAR)`)
	require.NoError(t, err)
	l := openStore(t, letta)
	require.Contains(t, l.plan.missing, "cost_usd")
}
