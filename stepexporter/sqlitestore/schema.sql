-- The steps table: Letta's steps columns under Letta's names, then the
-- fields the wider ecosystem adds. Counts are INTEGER, times are Unix
-- nanoseconds (exact, and they sort), JSON values are TEXT. An unset field is
-- NULL, but tags, which is [] (Letta's Step rejects NULL). stages holds the
-- stage of each staged value ({"model": 2}), for the merge. The detail
-- objects are derived from the merged counts, so they are generated columns
-- and can never disagree with them.
CREATE TABLE IF NOT EXISTS steps (
    id                   TEXT PRIMARY KEY NOT NULL,
    origin               TEXT,
    organization_id      TEXT,
    provider_id          TEXT,
    run_id               TEXT,
    agent_id             TEXT,
    provider_name        TEXT,
    provider_category    TEXT,
    model                TEXT,
    model_endpoint       TEXT,
    context_window_limit INTEGER,
    completion_tokens    INTEGER,
    prompt_tokens        INTEGER,
    total_tokens         INTEGER,
    completion_tokens_details TEXT GENERATED ALWAYS AS (
        CASE WHEN reasoning_tokens IS NULL THEN NULL
        ELSE json_object('reasoning_tokens', reasoning_tokens) END) STORED,
    prompt_tokens_details TEXT GENERATED ALWAYS AS (
        CASE WHEN cached_input_tokens IS NULL AND cache_write_tokens IS NULL THEN NULL
        ELSE json_patch('{}', json_object(
            'cached_tokens', cached_input_tokens,
            'cache_read_tokens', cached_input_tokens,
            'cache_creation_tokens', cache_write_tokens)) END) STORED,
    stop_reason          TEXT,
    tags                 TEXT,
    tid                  TEXT,
    trace_id             TEXT,
    request_id           TEXT,
    feedback             TEXT,
    project_id           TEXT,
    error_type           TEXT,
    error_data           TEXT,
    status               TEXT,
    model_handle         TEXT,
    cached_input_tokens  INTEGER,
    cache_write_tokens   INTEGER,
    reasoning_tokens     INTEGER,
    span_id              TEXT,
    start_time           INTEGER,
    end_time             INTEGER,
    service_name         TEXT,
    conversation_id      TEXT,
    user_id              TEXT,
    finish_reason        TEXT,
    finish_reason_raw    TEXT,
    source               TEXT,
    trace_url            TEXT,
    progression          TEXT,
    stages               TEXT,
    cost_usd             REAL,
    input_cost_usd       REAL,
    output_cost_usd      REAL,
    cost_source          TEXT,
    -- set when feedback came from the API (PATCH /v1/steps/{id}/feedback):
    -- from then on the upsert keeps the row's feedback.
    feedback_set_at      TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS steps_trace_id ON steps (trace_id);
CREATE INDEX IF NOT EXISTS steps_start_time ON steps (start_time);
-- steps_agent_order and steps_run_order below lead with agent_id and run_id
-- and serve every lookup that the single-column indexes of earlier versions
-- did, which only cost writes (BenchmarkSQLiteIndexCost).
DROP INDEX IF EXISTS steps_agent_id;
DROP INDEX IF EXISTS steps_run_id;
-- steps serve lists by (start_time, id), whole or narrowed by one of the
-- page's filters; each filter has its own index so that a rare or absent
-- value never scans the table (stepserver's BenchmarkServePageRequests).
CREATE INDEX IF NOT EXISTS steps_order ON steps (coalesce(start_time, 0), id);
CREATE INDEX IF NOT EXISTS steps_agent_order ON steps (agent_id, coalesce(start_time, 0), id);
CREATE INDEX IF NOT EXISTS steps_run_order ON steps (run_id, coalesce(start_time, 0), id);
CREATE INDEX IF NOT EXISTS steps_conversation_order ON steps (conversation_id, coalesce(start_time, 0), id);
CREATE INDEX IF NOT EXISTS steps_model_order ON steps (model, coalesce(start_time, 0), id);
CREATE INDEX IF NOT EXISTS steps_provider_order ON steps (provider_name, coalesce(start_time, 0), id);
CREATE INDEX IF NOT EXISTS steps_status_order ON steps (status, coalesce(start_time, 0), id);
CREATE INDEX IF NOT EXISTS steps_finish_order ON steps (finish_reason, coalesce(start_time, 0), id);
CREATE INDEX IF NOT EXISTS steps_feedback_order ON steps (feedback, coalesce(start_time, 0), id);
