package sqlitestore

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
	"github.com/agentsteps/collector/stepexporter/storetest"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	cfg := NewDefaultConfig()
	cfg.Path = filepath.Join(t.TempDir(), "steps.db")
	s, err := Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close(context.Background())) })
	return s
}

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Store, store.Reader) {
		s := openTemp(t)
		return s, s
	})
}

func TestOpenCreatesPrivateFileAndDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "dir")
	cfg := NewDefaultConfig()
	cfg.Path = filepath.Join(dir, "steps with space.db")
	s, err := Open(context.Background(), cfg)
	require.NoError(t, err)
	_, err = s.Upsert(context.Background(), []step.Step{{ID: "step-1"}})
	require.NoError(t, err)

	for _, p := range []string{cfg.Path, cfg.Path + "-wal"} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
	}
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	require.NoError(t, s.Close(context.Background()))
}

func TestOpenUsesWAL(t *testing.T) {
	s := openTemp(t)
	var mode string
	require.NoError(t, s.db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "wal", mode)
}

// The page cache holds the indexes' working set (page_cache_mib; the
// negative cache_size is in KiB).
func TestOpenSizesThePageCache(t *testing.T) {
	s := openTemp(t)
	var kib int
	require.NoError(t, s.db.QueryRow("PRAGMA cache_size").Scan(&kib))
	require.Equal(t, -32*1024, kib)
}

func TestUpsertCountsInsertedAndMerged(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	res, err := s.Upsert(ctx, []step.Step{{ID: "step-a"}, {ID: "step-b"}})
	require.NoError(t, err)
	require.Equal(t, store.Result{Inserted: 2}, res)
	res, err = s.Upsert(ctx, []step.Step{{ID: "step-b"}, {ID: "step-c"}})
	require.NoError(t, err)
	require.Equal(t, store.Result{Inserted: 1, Merged: 1}, res)
}

func TestUpsertRejectsRecordWithoutIDAndKeepsTheRest(t *testing.T) {
	s := openTemp(t)
	res, err := s.Upsert(context.Background(), []step.Step{{Model: "no id"}, {ID: "step-ok", Model: "m"}})
	require.Error(t, err)
	require.True(t, consumererror.IsPermanent(err))
	require.Equal(t, store.Result{Inserted: 1}, res)
	got, err := s.Get(context.Background(), []string{"step-ok"})
	require.NoError(t, err)
	require.Len(t, got, 1)
}

func TestUpsertOnClosedDatabaseIsRetryable(t *testing.T) {
	s := openTemp(t)
	require.NoError(t, s.db.Close())
	_, err := s.Upsert(context.Background(), []step.Step{{ID: "step-a"}})
	require.Error(t, err)
	require.False(t, consumererror.IsPermanent(err))
}

func TestConcurrentUpsertsOfTheSameStepsMergeCorrectly(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				p := step.Step{ID: "step-shared", PromptTokens: step.Int(int64(w*100 + i)), Status: step.StatusPending}
				if i == 19 && w == 3 {
					p.Status = step.StatusSuccess
				}
				_, err := s.Upsert(ctx, []step.Step{p})
				require.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	got, err := s.Get(ctx, []string{"step-shared"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, int64(719), *got[0].PromptTokens)
	require.Equal(t, step.StatusSuccess, got[0].Status)
}

func TestReopenKeepsRowsAndMergesIntoThem(t *testing.T) {
	cfg := NewDefaultConfig()
	cfg.Path = filepath.Join(t.TempDir(), "steps.db")
	ctx := context.Background()
	s, err := Open(ctx, cfg)
	require.NoError(t, err)
	_, err = s.Upsert(ctx, []step.Step{{ID: "step-r", Status: step.StatusPending, PromptTokens: step.Int(0)}})
	require.NoError(t, err)
	require.NoError(t, s.Close(ctx))

	s, err = Open(ctx, cfg)
	require.NoError(t, err)
	defer s.Close(ctx)
	res, err := s.Upsert(ctx, []step.Step{{ID: "step-r", Status: step.StatusSuccess, PromptTokens: step.Int(9), CompletionTokens: step.Int(1)}})
	require.NoError(t, err)
	require.Equal(t, store.Result{Merged: 1}, res)
	got, err := s.Get(ctx, []string{"step-r"})
	require.NoError(t, err)
	require.Equal(t, int64(10), *got[0].TotalTokens)
}

func TestConfigValidateNamesTheKey(t *testing.T) {
	err := (&Config{BusyTimeout: -1, PageCacheMiB: -1}).Validate()
	require.ErrorContains(t, err, "path must be set")
	require.ErrorContains(t, err, "busy_timeout must be >= 0")
	require.ErrorContains(t, err, "page_cache_mib must be >= 0")
}

func TestUnsortedIncomingTagsMergeAsASortedSet(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	_, err := s.Upsert(ctx, []step.Step{{ID: "step-t", Tags: []string{"z", "a", "z"}}})
	require.NoError(t, err)
	_, err = s.Upsert(ctx, []step.Step{{ID: "step-t", Tags: []string{"m", "a"}}})
	require.NoError(t, err)
	got, err := s.Get(ctx, []string{"step-t"})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "m", "z"}, got[0].Tags)
}

// TestEmptyTagsAreStoredAsAnEmptyList: Letta's Step has tags: List[str] and
// rejects NULL, so a row without tags holds [].
func TestEmptyTagsAreStoredAsAnEmptyList(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	_, err := s.Upsert(ctx, []step.Step{{ID: "step-a"}, {ID: "step-b", Tags: []string{"x"}}})
	require.NoError(t, err)
	_, err = s.Upsert(ctx, []step.Step{{ID: "step-a", Model: "m"}, {ID: "step-b"}})
	require.NoError(t, err)
	var a, b string
	require.NoError(t, s.db.QueryRow(`SELECT tags FROM steps WHERE id = 'step-a'`).Scan(&a))
	require.NoError(t, s.db.QueryRow(`SELECT tags FROM steps WHERE id = 'step-b'`).Scan(&b))
	require.Equal(t, "[]", a)
	require.Equal(t, `["x"]`, b)
}

// TestTableOfAnEarlierVersionIsMigrated: a table without the stages column
// gets it, its NULL tags become [], and its rows merge with staged patches.
func TestTableOfAnEarlierVersionIsMigrated(t *testing.T) {
	cfg := NewDefaultConfig()
	cfg.Path = filepath.Join(t.TempDir(), "old.db")
	s, err := Open(context.Background(), cfg)
	require.NoError(t, err)
	for _, q := range []string{`ALTER TABLE steps DROP COLUMN stages`,
		`INSERT INTO steps (id, provider_name, model, created_at, updated_at) VALUES ('step-old', 'openai', 'auto', 'x', 'x')`} {
		_, err = s.db.Exec(q)
		require.NoError(t, err)
	}
	require.NoError(t, s.Close(context.Background()))

	s, err = Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	var tags string
	require.NoError(t, s.db.QueryRow(`SELECT tags FROM steps WHERE id = 'step-old'`).Scan(&tags))
	require.Equal(t, "[]", tags)
	resolved := storetest.AutoModePatches("step-old")[1]
	_, err = s.Upsert(context.Background(), []step.Step{resolved})
	require.NoError(t, err)
	got, err := s.Get(context.Background(), []string{"step-old"})
	require.NoError(t, err)
	require.Equal(t, "anthropic", got[0].ProviderName, "a staged value beats an unstaged stored one")
	require.Equal(t, step.StageResolved, got[0].Stage("provider_name"))
}

func TestStepReaderSuite(t *testing.T) {
	storetest.RunList(t, func(t *testing.T) (store.Store, store.StepReader) {
		s := openTemp(t)
		return s, s
	})
}
