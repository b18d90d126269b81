package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/sqlitestore"
)

// syncBuffer is a bytes.Buffer that a running --follow writes while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until cond holds; the bound only catches a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
		time.Sleep(10 * time.Millisecond)
	}
}

func TestListOnAnEmptyStoreSaysWhyItMayBeEmpty(t *testing.T) {
	path := writeSQLite(t)
	code, stdout, stderr := runListArgs("--sqlite", path)
	require.Equal(t, 0, code, stderr)
	require.Len(t, strings.Split(strings.TrimRight(stdout, "\n"), "\n"), 1, "the header alone")
	require.Contains(t, stderr, "no steps in "+path+" yet")
	require.Contains(t, stderr, "wait", "it names the processor's wait")
	require.Contains(t, stderr, "--follow", "it names the way to watch")

	code, stdout, stderr = runListArgs("--sqlite", path, "--json")
	require.Equal(t, 0, code, stderr)
	require.Empty(t, stdout, "JSON Lines stay clean: the hint goes to stderr")
	require.Contains(t, stderr, "no steps in")
}

func TestListFollowPrintsStepsAsTheyAreStoredAndUpdated(t *testing.T) {
	a := stepAt("step-00000000-0000-4000-8000-0000000000f1", t0, "gpt-4o")
	a.Status = step.Status("pending")
	path := writeSQLite(t, a)
	cfg := sqlitestore.NewDefaultConfig()
	cfg.Path = path
	writer, err := sqlitestore.Open(context.Background(), cfg)
	require.NoError(t, err)
	defer writer.Close(context.Background())

	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runListContext(ctx, []string{"--sqlite", path, "--follow", "--interval", "20ms"}, &stdout, &stderr)
	}()
	waitFor(t, "the stored step", func() bool { return strings.Contains(stdout.String(), a.ID) })

	// A new step with an earlier start time still shows: follow prints what
	// is new, not what sorts last.
	b := stepAt("step-00000000-0000-4000-8000-0000000000f2", t0.Add(-time.Hour), "gpt-4o-mini")
	_, err = writer.Upsert(context.Background(), []step.Step{b})
	require.NoError(t, err)
	waitFor(t, "the new step", func() bool { return strings.Contains(stdout.String(), b.ID) })

	// The pending step's update is printed again, as a new line.
	a.Status = step.Status("success")
	_, err = writer.Upsert(context.Background(), []step.Step{a})
	require.NoError(t, err)
	waitFor(t, "the updated step", func() bool { return strings.Count(stdout.String(), a.ID) == 2 })

	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code, stderr.String())
	case <-time.After(time.Minute):
		t.Fatal("--follow did not return after its context ended")
	}
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	require.Len(t, lines, 4, "header, the first step, the new one, the update:\n%s", stdout.String())
	require.Equal(t, "ID", strings.Fields(lines[0])[0])
	require.Equal(t, []string{a.ID, b.ID, a.ID}, []string{strings.Fields(lines[1])[0], strings.Fields(lines[2])[0], strings.Fields(lines[3])[0]})
	require.Contains(t, lines[1], "pending")
	require.Contains(t, lines[3], "success")
	require.Empty(t, stderr.String(), "a store with steps needs no hint")
}

func TestListFollowOnAnEmptyStoreWaitsAndSaysWhy(t *testing.T) {
	path := writeSQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runListContext(ctx, []string{"--sqlite", path, "--follow", "--interval", "20ms", "--json"}, &stdout, &stderr)
	}()
	waitFor(t, "the hint", func() bool { return strings.Contains(stderr.String(), "no steps in") })
	cfg := sqlitestore.NewDefaultConfig()
	cfg.Path = path
	writer, err := sqlitestore.Open(context.Background(), cfg)
	require.NoError(t, err)
	defer writer.Close(context.Background())
	s := stepAt("step-00000000-0000-4000-8000-0000000000f3", t0, "gpt-4o")
	_, err = writer.Upsert(context.Background(), []step.Step{s})
	require.NoError(t, err)
	waitFor(t, "the step", func() bool { return strings.Contains(stdout.String(), s.ID) })
	cancel()
	require.Equal(t, 0, <-done)
	require.Equal(t, 1, strings.Count(stdout.String(), "\n"), "one JSON line")
}

func TestListFollowRejectsATinyInterval(t *testing.T) {
	code, _, stderr := runListArgs("--sqlite", filepath.Join(t.TempDir(), "x.db"), "--follow", "--interval", "1ms")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "--interval")
}
