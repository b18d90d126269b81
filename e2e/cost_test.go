//go:build e2e && unix

package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// statelessConfig has no wait and no batch processor: each OTLP request
// is its own window, so a Letta step's parts become separate patches that
// only the exporters merge.
const statelessConfig = `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: %[1]q}
processors:
  step:
    wait: 0
exporters:
  step/sqlite:
    sqlite: {path: %[2]q}
  step/postgres:
    postgres:
      dsn: ${env:AGENTSTEPS_PG_DSN}
      table: %[3]s
      create_schema: true
extensions:
  health_check: {endpoint: %[4]q}
service:
  extensions: [health_check]
  telemetry:
    metrics: {level: none}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [step]
      exporters: [step/sqlite, step/postgres]
`

var costFields = []string{"model", "provider_name", "prompt_tokens", "completion_tokens", "cost_usd", "input_cost_usd", "output_cost_usd", "cost_source"}

// TestSplitLettaStepCostsTheSameEverywhere sends the batches of a Letta step
// one at a time, each stored before the next is sent, through a stateless
// processor: the first batch has the model and Letta's first usage, the
// second only the final usage. SQLite and PostgreSQL must hold the cost that
// `steps convert` gives for the whole step, which is the price of its final
// model and tokens.
func TestSplitLettaStepCostsTheSameEverywhere(t *testing.T) {
	root := repoRoot(t)
	collector := builtCollector(t)
	dsn := os.Getenv("AGENTSTEPS_PG_DSN")
	if dsn == "" {
		prerequisite(t, "AGENTSTEPS_PG_DSN is not set; run `scripts/pg.sh start` and `export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)`, or use `make test`")
	}
	dir := t.TempDir()
	fixture := isolateFixtures(t, []string{filepath.Join(root, "testdata", "letta", "step_split_across_batches.otlp.json")}, t.TempDir())[0]
	steps := buildSteps(t, root, dir)
	want := convertFixtures(t, steps, root, []string{fixture})
	require.Len(t, want, 1)
	ids := idsOf(want)
	require.NotNil(t, want[ids[0]]["cost_usd"], "steps convert priced the step")

	// One file per batch.
	data, err := os.ReadFile(fixture)
	require.NoError(t, err)
	var parts []string
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		p := filepath.Join(dir, fmt.Sprintf("batch%d.otlp.json", i))
		require.NoError(t, os.WriteFile(p, append(line, '\n'), 0o600))
		parts = append(parts, p)
	}
	require.Len(t, parts, 2, "the fixture has two batches")

	table := fmt.Sprintf("e2e_cost_%d_%08x", time.Now().Unix(), rand.Uint32())
	dropTableAtEnd(t, dsn, table)
	sqlitePath := filepath.Join(dir, "steps.db")
	grpcAddr, healthAddr := loopback(freePort(t)), loopback(freePort(t))
	configPath := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(configPath, []byte(fmt.Sprintf(statelessConfig, grpcAddr, sqlitePath, table, healthAddr)), 0o600))
	otelcol := startProcess(t, "otelcol-steps", collector, "--config", configPath)
	waitHealthy(t, otelcol, "http://"+healthAddr+"/", 60*time.Second)
	pg := openPostgres(t, dsn, table)
	sqlite := openSQLite(t, sqlitePath)

	// awaitRow waits until both stores hold the step with cond true.
	awaitRow := func(what string, cond func(r record) bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			s, p := readRecords(t, sqlite, ids)[ids[0]], readRecords(t, pg, ids)[ids[0]]
			if s != nil && p != nil && cond(s) && cond(p) {
				return
			}
			require.False(t, time.Now().After(deadline), "%s: sqlite %v, postgres %v", what, s, p)
			require.False(t, otelcol.exited(), "otelcol-steps exited:\n%s", otelcol.output())
			time.Sleep(200 * time.Millisecond)
		}
	}
	runCommand(t, root, time.Minute, steps, "replay", "--endpoint", grpcAddr, parts[0])
	awaitRow("first batch stored", func(r record) bool { return r["model"] != nil })
	first := readRecords(t, sqlite, ids)[ids[0]]
	runCommand(t, root, time.Minute, steps, "replay", "--endpoint", grpcAddr, parts[1])
	awaitRow("second batch merged", func(r record) bool {
		return r["status"] == want[ids[0]]["status"] && r["completion_tokens"] == want[ids[0]]["completion_tokens"]
	})

	w := want[ids[0]]
	for _, backend := range []struct {
		name string
		r    record
	}{{"sqlite", readRecords(t, sqlite, ids)[ids[0]]}, {"postgres", readRecords(t, pg, ids)[ids[0]]}} {
		for _, f := range costFields {
			require.Equal(t, w[f], backend.r[f], "%s: %s", backend.name, f)
		}
	}
	t.Logf("first batch alone: %v tokens in, cost %v; merged: %v tokens in, cost %v (%v) in SQLite, PostgreSQL and steps convert",
		first["prompt_tokens"], first["cost_usd"], w["prompt_tokens"], w["cost_usd"], w["cost_source"])
}
