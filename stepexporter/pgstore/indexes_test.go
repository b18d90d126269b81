package pgstore

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

// earlierIndexes are the indexes earlier versions made, all btrees on bare
// columns: before steps serve (up to 69d2ca2), and up to b11650c.
var (
	indexesBeforeServe = []string{
		`CREATE INDEX ix_steps_trace_id ON %[1]s (trace_id)`, `CREATE INDEX ix_steps_agent_id ON %[1]s (agent_id)`,
		`CREATE INDEX ix_steps_run_id ON %[1]s (run_id)`, `CREATE INDEX ix_steps_start_time ON %[1]s (start_time)`,
	}
	indexesOfServe = append(append([]string{}, indexesBeforeServe...),
		`CREATE INDEX ix_steps_order ON %[1]s (COALESCE(start_time, to_timestamp(0)), id)`,
		`CREATE INDEX ix_steps_agent_id_order ON %[1]s (agent_id, COALESCE(start_time, to_timestamp(0)), id)`,
		`CREATE INDEX ix_steps_run_id_order ON %[1]s (run_id, COALESCE(start_time, to_timestamp(0)), id)`,
		`CREATE INDEX ix_steps_conversation_id_order ON %[1]s (conversation_id, COALESCE(start_time, to_timestamp(0)), id)`,
		`CREATE INDEX ix_steps_model_order ON %[1]s (model, COALESCE(start_time, to_timestamp(0)), id)`,
		`CREATE INDEX ix_steps_provider_name_order ON %[1]s (provider_name, COALESCE(start_time, to_timestamp(0)), id)`,
		`CREATE INDEX ix_steps_status_order ON %[1]s (status, COALESCE(start_time, to_timestamp(0)), id)`,
		`CREATE INDEX ix_steps_finish_reason_order ON %[1]s (finish_reason, COALESCE(start_time, to_timestamp(0)), id)`,
		`CREATE INDEX ix_steps_feedback_order ON %[1]s (feedback, COALESCE(start_time, to_timestamp(0)), id)`)
)

// earlierTable turns a fresh table of this version into one of an earlier
// version: its indexes are replaced by those, and without serve it also
// loses feedback_set_at, as the tables before steps serve had.
func earlierTable(t *testing.T, cfg Config, indexes []string, serve bool) {
	t.Helper()
	ctx := context.Background()
	s := openStore(t, cfg)
	require.NoError(t, s.Close(ctx))
	conn := adminConn(t, string(cfg.DSN))
	table := quote(cfg.Schema, "steps")
	have, err := readIndexes(ctx, conn, table)
	require.NoError(t, err)
	for name := range have {
		if name != "pk_steps_id" {
			_, err := conn.Exec(ctx, "DROP INDEX "+quote(cfg.Schema, name))
			require.NoError(t, err)
		}
	}
	if !serve {
		_, err := conn.Exec(ctx, "ALTER TABLE "+table+" DROP COLUMN feedback_set_at")
		require.NoError(t, err)
	}
	for _, ix := range indexes {
		_, err := conn.Exec(ctx, sprintf(ix, table))
		require.NoError(t, err)
	}
}

// requireIndexes checks that the table has every index of this version,
// in its shape.
func requireIndexes(t *testing.T, cfg Config) {
	t.Helper()
	have, err := readIndexes(context.Background(), adminConn(t, string(cfg.DSN)), quote(cfg.Schema, "steps"))
	require.NoError(t, err)
	for _, ix := range tableIndexes("steps") {
		require.Equal(t, indexShape{ix.method, ix.exprFirst}, have[ix.name], ix.name)
	}
	require.Len(t, have, len(tableIndexes("steps"))+1, "and the primary key, nothing else")
}

func TestCreatedTableHasEveryIndexInItsShape(t *testing.T) {
	dsn := testDSN(t)
	cfg := testConfig(dsn, freshSchema(t, dsn))
	openStore(t, cfg)
	requireIndexes(t, cfg)
}

// TestTableOfThePreviousSchemaHoldingALongValueMigrates: a table from
// before steps serve could hold a 10 kB model (nothing indexed it), and
// building the order index on model failed the start. It now migrates,
// the long values are found by their filters, and new ones go in.
func TestTableOfThePreviousSchemaHoldingALongValueMigrates(t *testing.T) {
	dsn := testDSN(t)
	cfg := testConfig(dsn, freshSchema(t, dsn))
	earlierTable(t, cfg, indexesBeforeServe, false)
	ctx := context.Background()
	long := storetest.Incompressible(storetest.LongText)
	_, err := adminConn(t, dsn).Exec(ctx, "INSERT INTO "+quote(cfg.Schema, "steps")+
		` (id, model, conversation_id, provider_name, finish_reason, feedback, start_time)
		VALUES ('step-old', $1, $1, $1, $1, $1, now())`, long)
	require.NoError(t, err)

	s := openStore(t, cfg)
	requireIndexes(t, cfg)
	for _, q := range []store.Query{{Model: long}, {ConversationID: long}, {ProviderName: long},
		{FinishReason: long}, {Feedback: long}} {
		q.Limit = 5
		got, err := s.List(ctx, q)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, "step-old", got[0].ID)
	}
	rec := step.Step{ID: "step-new", AgentID: long, RunID: long, TraceID: long, Model: long}
	_, err = s.Upsert(ctx, []step.Step{rec})
	require.NoError(t, err)
	for _, q := range []store.Query{{AgentID: long}, {RunID: long}, {TraceIDs: []string{long}}} {
		q.Limit = 5
		got, err := s.List(ctx, q)
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, "step-new", got[0].ID)
	}
}

// TestBtreesOnBareColumnsOfTheLastVersionAreReplaced: a table of the
// version before this one has the same index names on bare columns; they
// are rebuilt in their new shape, after which a long agent id goes in.
func TestBtreesOnBareColumnsOfTheLastVersionAreReplaced(t *testing.T) {
	dsn := testDSN(t)
	cfg := testConfig(dsn, freshSchema(t, dsn))
	earlierTable(t, cfg, indexesOfServe, true)
	s := openStore(t, cfg)
	requireIndexes(t, cfg)
	long := storetest.Incompressible(storetest.LongText)
	_, err := s.Upsert(context.Background(), []step.Step{{ID: "step-long", AgentID: long}})
	require.NoError(t, err)
	got, err := s.List(context.Background(), store.Query{AgentID: long, Limit: 5})
	require.NoError(t, err)
	require.Equal(t, []string{"step-long"}, []string{got[0].ID})
}

// TestIndexTheServerRefusesIsLeftOutAndTheStoreStarts: an id of 2.65 kB
// fit the primary key of an earlier table, but beside 256 characters of
// model it is too long for the model's order index. That index is left
// out with a warning that names it; the store starts, the others are
// made, and the model filter still finds the row.
func TestIndexTheServerRefusesIsLeftOutAndTheStoreStarts(t *testing.T) {
	dsn := testDSN(t)
	cfg := testConfig(dsn, freshSchema(t, dsn))
	earlierTable(t, cfg, indexesBeforeServe, false)
	ctx := context.Background()
	id, model := "step-"+storetest.Incompressible(2650), storetest.Incompressible(300)
	_, err := adminConn(t, dsn).Exec(ctx, "INSERT INTO "+quote(cfg.Schema, "steps")+
		` (id, model, start_time) VALUES ($1, $2, now())`, id, model)
	require.NoError(t, err)

	core, logs := observer.New(zap.WarnLevel)
	s, err := New(ctx, cfg, zap.New(core))
	require.NoError(t, err)
	defer s.Close(ctx)
	warned := logs.FilterField(zap.String("index", "ix_steps_model_order")).All()
	require.Len(t, warned, 1, "%v", logs.All())
	require.Contains(t, warned[0].ContextMap()["error"], "54000")
	have, err := readIndexes(ctx, adminConn(t, dsn), quote(cfg.Schema, "steps"))
	require.NoError(t, err)
	require.NotContains(t, have, "ix_steps_model_order")
	require.Len(t, have, len(tableIndexes("steps")), "every other index and the primary key")
	got, err := s.List(ctx, store.Query{Model: model, Limit: 5})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, id, got[0].ID)
}

// TestValuesAroundThePrefixLengthMatchOnlyThemselves: List compares a
// value shorter than prefixChars with the index key alone, and a longer
// one with the column too; values that are prefixes of one another, on
// both sides of that length and in multibyte text, each find only their
// own row.
func TestValuesAroundThePrefixLengthMatchOnlyThemselves(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	var values []string
	for _, unit := range []string{"m", "é"} {
		for _, n := range []int{prefixChars - 1, prefixChars, prefixChars + 1} {
			values = append(values, strings.Repeat(unit, n))
		}
	}
	var recs []step.Step
	for i, v := range values {
		recs = append(recs, step.Step{ID: sprintf("step-%d", i), Model: v, AgentID: v})
	}
	_, err := s.Upsert(ctx, recs)
	require.NoError(t, err)
	for i, v := range values {
		for _, q := range []store.Query{{Model: v, Limit: 10}, {AgentID: v, Limit: 10}} {
			got, err := s.List(ctx, q)
			require.NoError(t, err)
			require.Len(t, got, 1, "%d bytes", len(v))
			require.Equal(t, sprintf("step-%d", i), got[0].ID)
		}
	}
}
