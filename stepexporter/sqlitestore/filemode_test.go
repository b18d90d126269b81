package sqlitestore

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
)

// TestEveryFileOfTheDatabaseIsPrivate checks the database and both files
// of WAL mode (the log and the shared-memory index, which hold recent rows
// too) while the store is open, and the directory it created.
func TestEveryFileOfTheDatabaseIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	cfg := NewDefaultConfig()
	cfg.Path = filepath.Join(dir, "steps.db")
	s, err := Open(context.Background(), cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close(context.Background())) }()
	_, err = s.Upsert(context.Background(), []step.Step{{ID: "step-1", Model: "m"}})
	require.NoError(t, err)

	for _, p := range []string{cfg.Path, cfg.Path + "-wal", cfg.Path + "-shm"} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
	}
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
}
