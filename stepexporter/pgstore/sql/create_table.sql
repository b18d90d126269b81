-- The steps table in Letta's shape plus the exporter's columns. It is only
-- created when missing; an existing table (Letta's own) is never altered.
CREATE SCHEMA IF NOT EXISTS {{.Schema}};

-- Letta stores status as this enum of member names. Creating it keeps the
-- table usable by Letta's SQLAlchemy models, which bind status as stepstatus.
DO $$
BEGIN
  IF to_regtype('{{.Enum}}') IS NULL THEN
    CREATE TYPE {{.Enum}} AS ENUM ('PENDING', 'SUCCESS', 'FAILED', 'CANCELLED');
  END IF;
END
$$;

CREATE TABLE IF NOT EXISTS {{.Table}} (
{{- range .Columns}}
  {{.Name}} {{.Type}},
{{- end}}
  "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "is_deleted" BOOLEAN NOT NULL DEFAULT FALSE,
  "_created_by_id" VARCHAR,
  "_last_updated_by_id" VARCHAR,
  -- set when feedback came from the API: the upsert then keeps it.
  "feedback_set_at" TIMESTAMPTZ,
  CONSTRAINT {{.PrimaryKey}} PRIMARY KEY ("id")
);
-- ensureIndexes (indexes.go) keeps the same indexes on a table that exists.
{{range .Indexes}}
{{.}};
{{- end}}
