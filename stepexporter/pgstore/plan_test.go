package pgstore

import (
	"cmp"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/stepexporter/store"
)

// planRows is how many rows TestEveryPageFilterIsServedByAnIndex plans
// over: enough that the planner prices a scan of the table far above an
// index.
const planRows = 100_000

// TestEveryPageFilterIsServedByAnIndex asks PostgreSQL for the plan of
// List's own statement for each of the page's filters, over an analysed
// table of planRows steps. No plan scans the table, and no page of a value
// that is rare or absent walks the whole order index either: it reads the
// filter's own index. Where the page's order comes from an index (every
// equality filter but trace_ids, the dates, the cursors) the plan reads it
// in that order and sorts nothing, so a page of a common value stops after
// the page; trace_ids reads its index and sorts the few steps of
// those traces. The plans are logged (go test -v).
func TestEveryPageFilterIsServedByAnIndex(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	// agent_id: 100 values of 1,000 rows; model: 10 of 10,000; run_id:
	// 10,000 of 10; conversation_id: 50,000 of 2; feedback on 1 row in 2,000.
	_, err := s.pool.Exec(ctx, `INSERT INTO `+s.table+` (id, agent_id, run_id, conversation_id, model,
		provider_name, finish_reason, feedback, status, trace_id, tags, start_time, progression)
		SELECT 'step-' || g, 'agent-' || g % 100, 'run-' || g % 10000, 'conv-' || g % 50000, 'model-' || g % 10,
		(ARRAY['openai', 'anthropic', 'google'])[1 + g % 3], (ARRAY['stop', 'length'])[1 + g % 2],
		CASE WHEN g % 2000 = 0 THEN 'positive' END, (ARRAY['SUCCESS', 'FAILED'])[1 + g % 2]::`+s.target["status"].typ+`,
		md5((g / 4)::text), '[]', to_timestamp(1750000000 + g), 'finished'
		FROM generate_series(1, $1) g`, planRows)
	require.NoError(t, err)
	_, err = s.pool.Exec(ctx, "ANALYZE "+s.table)
	require.NoError(t, err)

	ix := func(name string) string { return "ix_steps_" + name }
	at := time.Unix(1750000000+planRows/2, 0)
	absent := strings.Repeat("absent ", 50) // longer than prefixChars
	yes, no := true, false
	cases := []struct {
		name    string
		q       store.Query
		index   string // read, when set; else any index
		ordered bool   // read in the page's order: no Sort
	}{
		{"all", store.Query{}, ix("order"), true},
		{"agent_id common", store.Query{AgentID: "agent-7"}, "", true},
		{"agent_id absent", store.Query{AgentID: "agent-none"}, ix("agent_id_order"), false},
		{"agent_id long absent", store.Query{AgentID: absent}, ix("agent_id"), false},
		{"run_id rare", store.Query{RunID: "run-77"}, ix("run_id"), false},
		{"conversation_id rare", store.Query{ConversationID: "conv-77"}, ix("conversation_id_order"), false},
		{"model common", store.Query{Model: "model-3"}, "", true},
		{"model absent", store.Query{Model: "model-none"}, ix("model_order"), false},
		{"model long absent", store.Query{Model: absent}, ix("model_order"), false},
		{"provider_name common", store.Query{ProviderName: "google"}, "", true},
		{"provider_name absent", store.Query{ProviderName: "mistral"}, ix("provider_name_order"), false},
		{"finish_reason common", store.Query{FinishReason: "length"}, "", true},
		{"finish_reason absent", store.Query{FinishReason: "tool_calls"}, ix("finish_reason_order"), false},
		{"feedback rare", store.Query{Feedback: "positive"}, ix("feedback_order"), false},
		{"feedback absent", store.Query{Feedback: "negative"}, ix("feedback_order"), false},
		{"has_feedback rare", store.Query{HasFeedback: &yes}, ix("feedback_order"), false},
		{"has_feedback false", store.Query{HasFeedback: &no}, "", true},
		{"status common", store.Query{Status: "failed"}, "", true},
		{"status absent", store.Query{Status: "cancelled"}, ix("status_order"), false},
		{"trace_ids", store.Query{TraceIDs: []string{"c4ca4238a0b923820dcc509a6f75849b", "absent"}}, ix("trace_id"), false},
		{"trace_ids long", store.Query{TraceIDs: []string{"c4ca4238a0b923820dcc509a6f75849b", absent}}, ix("trace_id"), false},
		{"start_date", store.Query{Start: at}, ix("order"), true},
		{"dates ascending", store.Query{Start: at, End: at.Add(time.Hour), Ascending: true}, ix("order"), true},
		{"after", store.Query{After: "step-1000"}, ix("order"), true},
		{"agent_id after", store.Query{AgentID: "agent-7", After: "step-50007"}, "", true},
	}
	for _, c := range cases {
		c.q.Limit = 50
		plan := explain(t, s, c.q)
		t.Logf("%s:\n%s", c.name, plan)
		assert.NotContains(t, plan, "Seq Scan", c.name)
		assert.Regexp(t, `(on|using) `+cmp.Or(c.index, "ix_steps_")+`\w* `, plan, c.name)
		if c.ordered {
			assert.NotContains(t, plan, "Sort", c.name)
		}
	}
}

// explain returns PostgreSQL's plan of List's statement for q.
func explain(t *testing.T, s *Store, q store.Query) string {
	t.Helper()
	text, args, err := s.listSQL(context.Background(), q)
	require.NoError(t, err)
	rows, err := s.pool.Query(context.Background(), "EXPLAIN "+text, args...)
	require.NoError(t, err)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return strings.Join(lines, "\n")
}

// TestRunFilterOnLettasTableReadsLettasIndex: Letta's table has none of
// our indexes, only ix_steps_run_id on the bare column, and List compares
// the bare column there, so that index still serves.
func TestRunFilterOnLettasTableReadsLettasIndex(t *testing.T) {
	dsn := testDSN(t)
	schema, conn := lettaSchema(t, dsn)
	ctx := context.Background()
	table := quote(schema, "steps")
	_, err := conn.Exec(ctx, `INSERT INTO `+table+` (id, agent_id, run_id, status, tags, created_at)
		SELECT 'step-' || g, 'agent-' || g % 100, CASE WHEN g % 1000 = 0 THEN 'run-11111111-1111-4111-8111-111111111111' END,
		'SUCCESS', '[]', to_timestamp(1750000000 + g) FROM generate_series(1, 20000) g`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "ANALYZE "+table)
	require.NoError(t, err)
	s := openStore(t, testConfig(dsn, schema))
	plan := explain(t, s, store.Query{RunID: "run-11111111-1111-4111-8111-111111111111", Limit: 50})
	t.Log(plan)
	require.Contains(t, plan, "ix_steps_run_id")
	require.NotContains(t, plan, "Seq Scan")
	got, err := s.List(ctx, store.Query{RunID: "run-11111111-1111-4111-8111-111111111111", Limit: 50})
	require.NoError(t, err)
	require.Len(t, got, 20)
}
