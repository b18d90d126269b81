package filestore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

// openTemp opens cfg with its path moved into a fresh temporary directory.
func openTemp(t *testing.T, cfg Config) *Store {
	t.Helper()
	if !filepath.IsAbs(cfg.Path) {
		cfg.Path = filepath.Join(t.TempDir(), "steps.jsonl")
	}
	s, err := Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close(context.Background())) })
	return s
}

// The suite holds for readers that merge lines by id, which is how this
// backend's output is meant to be read.
func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Store, store.Reader) {
		s := openTemp(t, NewDefaultConfig())
		return s, s
	})
}

func TestUpsertWritesOneJSONLinePerRecord(t *testing.T) {
	s := openTemp(t, NewDefaultConfig())
	_, err := s.Upsert(context.Background(), []step.Step{
		{ID: "step-a", PromptTokens: step.Int(2), CompletionTokens: step.Int(3)},
		{ID: "step-b", Model: "m"},
	})
	require.NoError(t, err)
	b, err := os.ReadFile(s.cfg.Path)
	require.NoError(t, err)
	// Letta's Step shape: every Letta field, null when unset, tags [].
	nulls := func(except ...string) string {
		var out []string
	names:
		for _, n := range []string{"origin", "organization_id", "provider_id", "run_id", "agent_id", "provider_name",
			"provider_category", "model", "model_endpoint", "context_window_limit", "completion_tokens", "prompt_tokens",
			"total_tokens", "completion_tokens_details", "prompt_tokens_details", "stop_reason", "tid", "trace_id",
			"request_id", "feedback", "project_id", "error_type", "error_data", "status", "model_handle",
			"cached_input_tokens", "cache_write_tokens", "reasoning_tokens"} {
			for _, e := range except {
				if n == e {
					continue names
				}
			}
			out = append(out, `"`+n+`":null`)
		}
		return strings.Join(out, ",") + `,"tags":[]`
	}
	require.Equal(t, `{"id":"step-a","completion_tokens":3,"prompt_tokens":2,"total_tokens":5,`+
		nulls("completion_tokens", "prompt_tokens", "total_tokens")+"}\n"+
		`{"id":"step-b","model":"m",`+nulls("model")+"}\n", string(b))
}

func TestOpenCreatesPrivateFileAndDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := openTemp(t, Config{Path: filepath.Join(dir, "steps.jsonl")})
	fi, err := os.Stat(s.cfg.Path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	fi, err = os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
}

func TestRotationKeepsMaxBackups(t *testing.T) {
	s := openTemp(t, Config{Path: filepath.Join(t.TempDir(), "steps.jsonl"), MaxBytes: 1500, MaxBackups: 2})
	for i := range 20 {
		_, err := s.Upsert(context.Background(), []step.Step{{ID: fmt.Sprintf("step-%02d", i), Model: strings.Repeat("m", 40)}})
		require.NoError(t, err)
	}
	for _, p := range []string{s.cfg.Path, s.cfg.Path + ".1", s.cfg.Path + ".2"} {
		fi, err := os.Stat(p)
		require.NoError(t, err, p)
		require.LessOrEqual(t, fi.Size(), int64(1500), p)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
	}
	_, err := os.Stat(s.cfg.Path + ".3")
	require.ErrorIs(t, err, os.ErrNotExist)
	got, err := s.Get(context.Background(), []string{"step-19"})
	require.NoError(t, err)
	require.Len(t, got, 1)
}

func TestRotationWithoutBackupsStartsOver(t *testing.T) {
	s := openTemp(t, Config{Path: filepath.Join(t.TempDir(), "steps.jsonl"), MaxBytes: 100})
	for i := range 5 {
		_, err := s.Upsert(context.Background(), []step.Step{{ID: fmt.Sprintf("step-%02d", i), Model: strings.Repeat("m", 40)}})
		require.NoError(t, err)
	}
	got, err := s.Recent(context.Background(), 10)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "step-04", got[0].ID)
}

func TestReopenAfterTornWriteStartsANewLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "steps.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"id":"step-a","model":"m"}`+"\n"+`{"id":"step-b","mod`), 0o600))
	s := openTemp(t, Config{Path: path})
	_, err := s.Upsert(context.Background(), []step.Step{{ID: "step-c"}})
	require.NoError(t, err)
	got, err := s.Get(context.Background(), []string{"step-a", "step-b", "step-c"})
	require.NoError(t, err)
	require.Len(t, got, 2)
}

func TestUpsertAfterCloseIsAnError(t *testing.T) {
	s, err := Open(Config{Path: filepath.Join(t.TempDir(), "steps.jsonl")})
	require.NoError(t, err)
	require.NoError(t, s.Close(context.Background()))
	_, err = s.Upsert(context.Background(), []step.Step{{ID: "step-a"}})
	require.ErrorContains(t, err, "closed")
}

func TestConfigValidateNamesTheKey(t *testing.T) {
	err := (&Config{MaxBytes: -1, MaxBackups: -2}).Validate()
	require.ErrorContains(t, err, "path must be set")
	require.ErrorContains(t, err, "max_bytes must be >= 0")
	require.ErrorContains(t, err, "max_backups must be >= 0")
}
