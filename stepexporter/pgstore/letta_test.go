package pgstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/agentsteps/collector/step"
)

// lettaStepsDDL is Letta's steps table as its migrations leave it, without
// the foreign keys (their tables are not here) and without our columns.
const lettaStepsDDL = `
CREATE TYPE %[1]s.stepstatus AS ENUM ('PENDING', 'SUCCESS', 'FAILED', 'CANCELLED');
CREATE TABLE %[1]s.steps (
  id VARCHAR NOT NULL, origin VARCHAR, organization_id VARCHAR, provider_id VARCHAR, run_id VARCHAR,
  agent_id VARCHAR, provider_name VARCHAR, provider_category VARCHAR, model VARCHAR, model_handle VARCHAR,
  model_endpoint VARCHAR, context_window_limit INTEGER,
  completion_tokens INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  cached_input_tokens INTEGER, cache_write_tokens INTEGER, reasoning_tokens INTEGER,
  completion_tokens_details JSON, prompt_tokens_details JSON, stop_reason VARCHAR, tags JSON,
  tid VARCHAR, trace_id VARCHAR, request_id VARCHAR, feedback VARCHAR, error_type VARCHAR, error_data JSON,
  status %[1]s.stepstatus, project_id VARCHAR,
  created_at TIMESTAMPTZ DEFAULT now(), updated_at TIMESTAMPTZ DEFAULT now(),
  is_deleted BOOLEAN NOT NULL DEFAULT FALSE, _created_by_id VARCHAR, _last_updated_by_id VARCHAR,
  CONSTRAINT pk_steps_id PRIMARY KEY (id));
CREATE INDEX ix_steps_run_id ON %[1]s.steps (run_id);`

func TestExistingLettaTableIsWrittenWithoutBeingAltered(t *testing.T) {
	dsn := testDSN(t)
	schema := freshSchema(t, dsn)
	conn := adminConn(t, dsn)
	ctx := context.Background()
	_, err := conn.Exec(ctx, sprintf(lettaStepsDDL, quote(schema)))
	require.NoError(t, err)
	// Letta inserts a pending step itself, as its StepManager does.
	_, err = conn.Exec(ctx, "INSERT INTO "+quote(schema, "steps")+
		` (id, agent_id, status, tags) VALUES ('step-l', 'agent-1', 'PENDING', '[]')`)
	require.NoError(t, err)

	core, logs := observer.New(zap.WarnLevel)
	s, err := New(ctx, testConfig(dsn, schema), zap.New(core))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(ctx) })
	require.Equal(t, 1, logs.FilterMessageSnippet("lacks some record fields").Len())

	res, err := s.Upsert(ctx, []step.Step{
		{ID: "step-l", Status: step.StatusSuccess, PromptTokens: step.Int(900), CompletionTokens: step.Int(100),
			CachedInputTokens: step.Int(300), StopReason: "end_turn", Tags: []string{"prod"}, SpanID: "ignored"},
		{ID: "step-n", Status: step.StatusFailed, Model: "gpt-4o"},
	})
	require.NoError(t, err)
	require.Equal(t, 1, res.Inserted)
	require.Equal(t, 1, res.Merged)

	// Letta's own SQL still reads it: enum names, JSON details.
	var status, details string
	var total int
	require.NoError(t, conn.QueryRow(ctx, "SELECT status::text, total_tokens, prompt_tokens_details->>'cached_tokens' FROM "+
		quote(schema, "steps")+" WHERE id = 'step-l' AND status = 'SUCCESS'").Scan(&status, &total, &details))
	require.Equal(t, "SUCCESS", status)
	require.Equal(t, 1000, total)
	require.Equal(t, "300", details)

	got := get(t, s, "step-l")
	require.Equal(t, []string{"prod"}, got.Tags)
	require.Equal(t, "agent-1", got.AgentID)
	require.Empty(t, got.SpanID, "a column the table lacks is not stored")
	// An unset count in a NOT NULL column is 0, as Letta writes it.
	require.Equal(t, int64(0), *get(t, s, "step-n").PromptTokens)

	var cols int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'steps'",
		schema).Scan(&cols))
	require.Equal(t, 35, cols, "the table was not altered")
}

func TestCountTooLargeForLettasIntegerColumnIsRejectedAlone(t *testing.T) {
	dsn := testDSN(t)
	schema := freshSchema(t, dsn)
	_, err := adminConn(t, dsn).Exec(context.Background(), sprintf(lettaStepsDDL, quote(schema)))
	require.NoError(t, err)
	s := openStore(t, testConfig(dsn, schema))
	res, err := s.Upsert(context.Background(), []step.Step{
		{ID: "step-big", PromptTokens: step.Int(3_000_000_000)}, {ID: "step-fine", PromptTokens: step.Int(3)},
	})
	require.True(t, consumererror.IsPermanent(err))
	require.ErrorContains(t, err, "step step-big: prompt_tokens = 3000000000 does not fit the integer column")
	require.Equal(t, 1, res.Inserted)
}

func TestMissingTableWithoutCreateSchemaNamesTheFix(t *testing.T) {
	dsn := testDSN(t)
	cfg := testConfig(dsn, freshSchema(t, dsn))
	cfg.CreateSchema = false
	_, err := New(context.Background(), cfg, zap.NewNop())
	require.ErrorContains(t, err, "does not exist; create it or set create_schema: true")
}
