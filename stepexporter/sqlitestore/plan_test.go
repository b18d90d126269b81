package sqlitestore

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/stepexporter/store"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

// TestAgentAndRunFiltersReadTheirOrderIndexes: the agent and run order
// indexes lead with agent_id and run_id, so they serve those filters in
// the page's order (no sort) with or without the cursors; single-column
// indexes on agent_id or run_id would add write cost and serve nothing
// (BenchmarkSQLiteIndexCost).
func TestAgentAndRunFiltersReadTheirOrderIndexes(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	recs := storetest.ListRecords(2000)
	_, err := s.Upsert(ctx, recs)
	require.NoError(t, err)
	for _, c := range []struct {
		q     store.Query
		index string
	}{
		{store.Query{AgentID: "agent-1"}, "steps_agent_order"},
		{store.Query{AgentID: "agent-1", After: recs[100].ID}, "steps_agent_order"},
		{store.Query{AgentID: "agent-1", Before: recs[100].ID, Ascending: true}, "steps_agent_order"},
		{store.Query{RunID: "run-2", Ascending: true}, "steps_run_order"},
		{store.Query{RunID: "run-2", After: recs[100].ID, Ascending: true}, "steps_run_order"},
	} {
		c.q.Limit = 50
		text, args, err := s.listSQL(ctx, c.q)
		require.NoError(t, err)
		rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+text, args...)
		require.NoError(t, err)
		plan := queryPlan(t, rows)
		require.Contains(t, plan, "USING INDEX "+c.index+" ", "%+v", c.q)
		require.NotContains(t, plan, "TEMP B-TREE", "%+v", c.q)
	}
	var n int
	require.NoError(t, s.db.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('steps_agent_id', 'steps_run_id')`).Scan(&n))
	require.Zero(t, n)
}

// queryPlan joins the detail column of EXPLAIN QUERY PLAN.
func queryPlan(t *testing.T, rows *sql.Rows) string {
	t.Helper()
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		lines = append(lines, detail)
	}
	require.NoError(t, rows.Err())
	return strings.Join(lines, "\n") + "\n"
}
