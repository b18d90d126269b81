package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/sqlitestore"
)

func stepAt(id string, start time.Time, model string) step.Step {
	return step.Step{
		ID: id, AgentID: "agent-1", Model: model, ProviderName: "openai",
		PromptTokens: step.Int(120), CompletionTokens: step.Int(30),
		Status: step.Status("success"), FinishReason: "stop",
		TraceID: "0102030405060708090a0b0c0d0e0f10", StartTime: step.Time(start.UnixNano()),
	}
}

// writeSQLite stores records the way the exporter does and returns the file.
func writeSQLite(t *testing.T, records ...step.Step) string {
	t.Helper()
	cfg := sqlitestore.NewDefaultConfig()
	cfg.Path = filepath.Join(t.TempDir(), "steps.db")
	s, err := sqlitestore.Open(context.Background(), cfg)
	require.NoError(t, err)
	_, err = s.Upsert(context.Background(), records)
	require.NoError(t, err)
	require.NoError(t, s.Close(context.Background()))
	return cfg.Path
}

func runListArgs(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runList(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestListPrintsAnAlignedTableNewestFirst(t *testing.T) {
	older := stepAt("step-00000000-0000-4000-8000-000000000001", t0, "gpt-4o")
	newer := stepAt("step-00000000-0000-4000-8000-000000000002", t0.Add(time.Minute), "gpt-4o-mini")
	newer.CompletionTokens = nil
	older.CostUSD, older.CostSource = step.USD(0.0006), "catalogue@0.1.8"
	path := writeSQLite(t, older, newer)

	code, stdout, stderr := runListArgs("--sqlite", path)
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	require.Len(t, lines, 3)
	require.Equal(t, []string{"ID", "START", "(UTC)", "AGENT", "MODEL", "PROVIDER", "TOKENS", "IN", "TOKENS", "OUT", "COST", "STATUS", "FINISH"}, strings.Fields(lines[0]))
	require.Equal(t, []string{newer.ID, "2026-01-02", "03:05:05.000", "agent-1", "gpt-4o-mini", "openai", "120", "-", "-", "success", "stop"}, strings.Fields(lines[1]))
	require.Equal(t, []string{older.ID, "2026-01-02", "03:04:05.000", "agent-1", "gpt-4o", "openai", "120", "30", "$0.000600", "success", "stop"}, strings.Fields(lines[2]))
	col := strings.Index(lines[0], "MODEL")
	require.Equal(t, "gpt-4o-mini", strings.Fields(lines[1][col:])[0], "columns are aligned")
}

func TestListJSONPrintsOneRecordPerLineWithItsSnakeCaseKeys(t *testing.T) {
	a := stepAt("step-00000000-0000-4000-8000-00000000000a", t0, "claude-sonnet-4")
	b := stepAt("step-00000000-0000-4000-8000-00000000000b", t0.Add(time.Second), "claude-sonnet-4")
	path := writeSQLite(t, a, b)

	code, stdout, stderr := runListArgs("--sqlite", path, "--json", "--limit", "1")
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	require.Len(t, lines, 1, "--limit 1 prints one record")
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &got))
	require.Equal(t, b.ID, got["id"])
	require.Equal(t, "claude-sonnet-4", got["model"])
	require.EqualValues(t, 120, got["prompt_tokens"])
	require.Equal(t, "2026-01-02T03:04:06Z", got["start_time"])
}

func TestListNeedsExactlyOneStore(t *testing.T) {
	for _, args := range [][]string{{}, {"--sqlite", "a.db", "--postgres", "postgres://x"}} {
		code, _, stderr := runListArgs(args...)
		require.Equal(t, 2, code, "%v", args)
		require.Contains(t, stderr, "give exactly one of --sqlite PATH or --postgres DSN")
	}
	code, _, stderr := runListArgs("--sqlite", "a.db", "--limit", "0")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "--limit must be >= 1")
}

func TestListOfAMissingSQLiteFileFailsAndCreatesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "typo.db")
	code, _, stderr := runListArgs("--sqlite", path)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, path+": no such file or directory; give the file of the exporter's sqlite::path")
	_, err := os.Stat(path)
	require.True(t, errors.Is(err, os.ErrNotExist), "steps list must not create the file")
}

func TestListNeverPrintsThePostgresPassword(t *testing.T) {
	for _, dsn := range []string{
		"postgres://steps:s3cr3t-pw@127.0.0.1:1/steps?sslmode=disable",
		"postgres://steps@127.0.0.1:1/steps?password=s3cr3t-pw",
		"host=127.0.0.1 port=1 user=steps password=s3cr3t-pw dbname=steps",
		"host=127.0.0.1 port=1 user=steps password='s3cr3t-pw' dbname=steps",
	} {
		code, stdout, stderr := runListArgs("--postgres", dsn)
		require.Equal(t, 1, code, dsn)
		require.NotContains(t, stdout+stderr, "s3cr3t-pw", dsn)
		require.Contains(t, stderr, "127.0.0.1", "the error still says which server: %s", dsn)
	}
}

func TestRedactDSNKeepsEverythingButThePassword(t *testing.T) {
	require.Equal(t, "postgres://steps:xxxxx@db:5432/steps?sslmode=require",
		redactDSN("postgres://steps:hunter2@db:5432/steps?sslmode=require"))
	require.Equal(t, "host=db user=steps password=xxxxx dbname=steps",
		redactDSN("host=db user=steps password=hunter2 dbname=steps"))
	require.Equal(t, "postgres://steps@db/steps", redactDSN("postgres://steps@db/steps"))
}
