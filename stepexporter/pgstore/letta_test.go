package pgstore

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

// lettaStepsDDL is Letta's steps table as its migrations leave it (Letta
// archive 56ba9c2, every alembic revision that touches steps, in
// ../../../shared/reference/letta-compat.md §1), foreign keys included.
// organizations, providers and runs are cut to the columns the keys need;
// messages and step_metrics keep their keys into steps.
const lettaStepsDDL = `
CREATE TABLE %[1]s.organizations (id VARCHAR NOT NULL PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE %[1]s.providers (id VARCHAR NOT NULL PRIMARY KEY, name VARCHAR NOT NULL,
  organization_id VARCHAR REFERENCES %[1]s.organizations (id));
CREATE TABLE %[1]s.runs (id VARCHAR NOT NULL PRIMARY KEY, organization_id VARCHAR REFERENCES %[1]s.organizations (id));
CREATE TYPE %[1]s.stepstatus AS ENUM ('PENDING', 'SUCCESS', 'FAILED', 'CANCELLED');
CREATE TYPE %[1]s.stopreasontype AS ENUM ('end_turn', 'error', 'invalid_tool_call', 'max_steps', 'no_tool_call', 'tool_rule', 'cancelled');
CREATE TABLE %[1]s.steps (
  id VARCHAR NOT NULL, origin VARCHAR,
  organization_id VARCHAR REFERENCES %[1]s.organizations (id) ON DELETE RESTRICT,
  provider_id VARCHAR REFERENCES %[1]s.providers (id) ON DELETE RESTRICT,
  run_id VARCHAR REFERENCES %[1]s.runs (id) ON DELETE SET NULL,
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
CREATE INDEX ix_steps_run_id ON %[1]s.steps (run_id);
CREATE TABLE %[1]s.messages (id VARCHAR NOT NULL PRIMARY KEY,
  step_id VARCHAR REFERENCES %[1]s.steps (id) ON DELETE SET NULL);
CREATE TABLE %[1]s.step_metrics (id VARCHAR NOT NULL PRIMARY KEY REFERENCES %[1]s.steps (id) ON DELETE CASCADE);
INSERT INTO %[1]s.organizations VALUES ('org-00000000-0000-4000-8000-000000000000', 'default');
INSERT INTO %[1]s.runs VALUES ('run-11111111-1111-4111-8111-111111111111', 'org-00000000-0000-4000-8000-000000000000');`

// lettaSchema makes a fresh schema holding Letta's own tables
// (lettaStepsDDL) and returns it with an admin connection.
func lettaSchema(t *testing.T, dsn string) (string, *pgx.Conn) {
	t.Helper()
	schema := freshSchema(t, dsn)
	conn := adminConn(t, dsn)
	_, err := conn.Exec(context.Background(), sprintf(lettaStepsDDL, quote(schema)))
	require.NoError(t, err)
	return schema, conn
}

func TestExistingLettaTableIsWrittenWithoutBeingAltered(t *testing.T) {
	dsn := testDSN(t)
	schema, conn := lettaSchema(t, dsn)
	ctx := context.Background()
	// Letta inserts a pending step itself, as its StepManager does.
	_, err := conn.Exec(ctx, "INSERT INTO "+quote(schema, "steps")+
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
	schema, _ := lettaSchema(t, dsn)
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

// lettaRow is a steps row read through the columns Letta's ORM maps and the
// types its Step schema declares (letta/schemas/step.py): Optional[str],
// Optional[int], Optional[Dict] for the JSON columns, tags: List[str] (no
// None), status a StepStatus name, stop_reason a StopReasonType, feedback
// Literal["positive", "negative"].
type lettaRow struct {
	ID                                                                  string
	Origin, OrganizationID, ProviderID, RunID, AgentID                  *string
	ProviderName, ProviderCategory, Model, ModelEndpoint, ModelHandle   *string
	ContextWindowLimit, CompletionTokens, PromptTokens, TotalTokens     *int32
	CachedInputTokens, CacheWriteTokens, ReasoningTokens                *int32
	CompletionTokensDetails, PromptTokensDetails, ErrorData             *string // JSON text
	StopReason, TID, TraceID, RequestID, Feedback, ProjectID, ErrorType *string
	Tags                                                                []string
	Status                                                              *string
}

const lettaSelect = `SELECT id, origin, organization_id, provider_id, run_id, agent_id, provider_name,
  provider_category, model, model_endpoint, model_handle, context_window_limit, completion_tokens, prompt_tokens,
  total_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, completion_tokens_details::text,
  prompt_tokens_details::text, error_data::text, stop_reason, tid, trace_id, request_id, feedback, project_id,
  error_type, tags::text, status::text FROM %s ORDER BY id`

// readAsLetta reads every row as Letta's Step would validate it, failing
// the test on a value Letta would reject.
func readAsLetta(t *testing.T, conn *pgx.Conn, schema string) map[string]lettaRow {
	t.Helper()
	rows, err := conn.Query(context.Background(), sprintf(lettaSelect, quote(schema, "steps")))
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]lettaRow{}
	for rows.Next() {
		var r lettaRow
		var tags *string
		require.NoError(t, rows.Scan(&r.ID, &r.Origin, &r.OrganizationID, &r.ProviderID, &r.RunID, &r.AgentID,
			&r.ProviderName, &r.ProviderCategory, &r.Model, &r.ModelEndpoint, &r.ModelHandle, &r.ContextWindowLimit,
			&r.CompletionTokens, &r.PromptTokens, &r.TotalTokens, &r.CachedInputTokens, &r.CacheWriteTokens,
			&r.ReasoningTokens, &r.CompletionTokensDetails, &r.PromptTokensDetails, &r.ErrorData, &r.StopReason,
			&r.TID, &r.TraceID, &r.RequestID, &r.Feedback, &r.ProjectID, &r.ErrorType, &tags, &r.Status))
		require.NotNil(t, tags, "step %s: tags is List[str]; NULL fails Letta's Step", r.ID)
		require.NoError(t, json.Unmarshal([]byte(*tags), &r.Tags), "step %s: tags is a list of strings", r.ID)
		require.NotNil(t, r.Tags, "step %s: tags is a list, not null", r.ID)
		for name, obj := range map[string]*string{"completion_tokens_details": r.CompletionTokensDetails,
			"prompt_tokens_details": r.PromptTokensDetails, "error_data": r.ErrorData} {
			if obj != nil && *obj != "null" {
				var m map[string]any
				require.NoError(t, json.Unmarshal([]byte(*obj), &m), "step %s: %s is Optional[Dict]", r.ID, name)
			}
		}
		if r.StopReason != nil {
			require.True(t, step.StopReasons[*r.StopReason], "step %s: stop_reason %q", r.ID, *r.StopReason)
		}
		if r.Feedback != nil {
			require.True(t, step.Feedbacks[*r.Feedback], "step %s: feedback %q", r.ID, *r.Feedback)
		}
		if r.Status != nil {
			require.Contains(t, []string{"PENDING", "SUCCESS", "FAILED", "CANCELLED"}, *r.Status)
		}
		out[r.ID] = r
	}
	require.NoError(t, rows.Err())
	return out
}

// TestLettaAutoModeRowsKeepLettasValuesInEveryOrder: Letta writes its row
// in auto mode (the pending log, the resolved model, the success with its
// detail objects) while agentsteps merges the same step's patches between
// Letta's writes, in every order. Letta's values, the resolved model
// included, are never reverted, and the detail objects stay as Letta wrote
// them, zero counts and null keys included.
func TestLettaAutoModeRowsKeepLettasValuesInEveryOrder(t *testing.T) {
	dsn := testDSN(t)
	schema, conn := lettaSchema(t, dsn)
	ctx := context.Background()
	s := openStore(t, testConfig(dsn, schema))
	table := quote(schema, "steps")
	const org, run = "org-00000000-0000-4000-8000-000000000000", "run-11111111-1111-4111-8111-111111111111"
	const promptDetails = `{"cached_tokens": 0, "cache_read_tokens": 0, "cache_creation_tokens": null}`
	lettaWrites := []string{
		// log_step_async: the stored config, 0 tokens, PENDING, tags [].
		`INSERT INTO ` + table + ` (id, organization_id, run_id, agent_id, provider_name, provider_category, model,
		  model_endpoint, context_window_limit, status, tags) VALUES ($1, '` + org + `', '` + run + `', 'agent-1',
		  'openai', 'base', 'auto', 'https://api.openai.com/v1', 128000, 'PENDING', '[]')`,
		// update_step_resolved_model_async
		`UPDATE ` + table + ` SET provider_name = 'anthropic', model = 'claude-sonnet-4-5-20250929',
		  model_endpoint = 'https://api.anthropic.com/v1' WHERE id = $1`,
		// update_step_success_async: counts, details as Letta dumps them, stop reason.
		`UPDATE ` + table + ` SET status = 'SUCCESS', prompt_tokens = 2890, completion_tokens = 57, total_tokens = 2947,
		  prompt_tokens_details = '` + promptDetails + `', completion_tokens_details = '{"reasoning_tokens": 0}',
		  stop_reason = 'end_turn' WHERE id = $1`,
	}
	for k, order := range storetest.Orders {
		id := sprintf("step-%08d-0000-4000-8000-000000000000", k)
		ps := storetest.AutoModePatches(id)
		// parameter.run_id of a run Letta set to NULL, and a provider id
		// Letta does not hold: neither may fail the row.
		ps[0].RunID, ps[0].ProviderID = "run-22222222-2222-4222-8222-222222222222", "provider-unknown"
		for w, i := range order {
			_, err := conn.Exec(ctx, lettaWrites[w], id)
			require.NoError(t, err)
			_, err = s.Upsert(ctx, []step.Step{ps[i]})
			require.NoError(t, err, "order %v", order)
		}
		_, err := s.Upsert(ctx, ps) // all again, in one request
		require.NoError(t, err)

		got := readAsLetta(t, conn, schema)[id]
		require.Equal(t, "anthropic", *got.ProviderName, "order %v", order)
		require.Equal(t, "claude-sonnet-4-5-20250929", *got.Model)
		require.Equal(t, "https://api.anthropic.com/v1", *got.ModelEndpoint)
		require.Equal(t, run, *got.RunID)
		require.Nil(t, got.ProviderID)
		require.Equal(t, "SUCCESS", *got.Status)
		require.Equal(t, "end_turn", *got.StopReason)
		require.Equal(t, int32(2947), *got.TotalTokens)
		require.Equal(t, promptDetails, *got.PromptTokensDetails, "Letta's object, byte for byte")
		require.Equal(t, `{"reasoning_tokens": 0}`, *got.CompletionTokensDetails)
		require.Equal(t, []string{}, got.Tags)
	}
}

// TestRowsOfOtherSourcesAreAcceptedByLettasForeignKeys: a GenAI step's
// derived run id, an unknown organisation or provider is not in Letta's
// tables; the row is stored without them instead of being refused.
func TestRowsOfOtherSourcesAreAcceptedByLettasForeignKeys(t *testing.T) {
	dsn := testDSN(t)
	schema, conn := lettaSchema(t, dsn)
	ctx := context.Background()
	s := openStore(t, testConfig(dsn, schema))
	const knownRun = "run-11111111-1111-4111-8111-111111111111"
	recs := []step.Step{
		{ID: "step-genai", RunID: step.DeriveRunID([16]byte{1, 2, 3}, [8]byte{4, 5, 6}),
			OrganizationID: "org-unknown", ProviderID: "provider-x", Model: "gpt-4o", Source: "genai"},
		{ID: "step-known", RunID: knownRun, OrganizationID: "org-00000000-0000-4000-8000-000000000000", Model: "m"},
	}
	for range 2 { // a first write, then a merge
		res, err := s.Upsert(ctx, recs)
		require.NoError(t, err)
		require.Equal(t, 2, res.Inserted+res.Merged)
	}
	rows := readAsLetta(t, conn, schema)
	require.Nil(t, rows["step-genai"].RunID)
	require.Nil(t, rows["step-genai"].OrganizationID)
	require.Nil(t, rows["step-genai"].ProviderID)
	require.Equal(t, "gpt-4o", *rows["step-genai"].Model)
	require.Equal(t, knownRun, *rows["step-known"].RunID)
	require.Equal(t, []string{}, rows["step-genai"].Tags)
}
