//go:build e2e && unix

package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// traceURLTemplate is the exporter's trace_url in the generated config.
const traceURLTemplate = "http://127.0.0.1:16686/trace/{trace_id}"

// collectorConfig writes every step to SQLite and to PostgreSQL. The DSN is
// read from the environment so that no credential is written to disk.
const collectorConfig = `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: %[1]q}
      http: {endpoint: %[2]q}
processors:
  step:
    wait: 1s
  batch:
    timeout: 200ms
exporters:
  step/sqlite:
    sqlite: {path: %[3]q}
    trace_url: %[6]q
  step/postgres:
    postgres:
      dsn: ${env:AGENTSTEPS_PG_DSN}
      table: %[4]s
      create_schema: true
    trace_url: %[6]q
extensions:
  health_check: {endpoint: %[5]q}
service:
  extensions: [health_check]
  telemetry:
    metrics: {level: none}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [step, batch]
      exporters: [step/sqlite, step/postgres]
`

// TestCollectorStoresWhatConvertGives replays every fixture into the built
// collector over OTLP and checks that SQLite and PostgreSQL end up holding
// exactly the records that `steps convert` gives for the same files.
func TestCollectorStoresWhatConvertGives(t *testing.T) {
	root := repoRoot(t)
	collector := builtCollector(t)
	dsn := os.Getenv("AGENTSTEPS_PG_DSN")
	if dsn == "" {
		prerequisite(t, "AGENTSTEPS_PG_DSN is not set; run `scripts/pg.sh start` and `export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)`, or use `make test`")
	}
	fixtures, err := filepath.Glob(filepath.Join(root, "testdata", "*", "*.otlp.json"))
	require.NoError(t, err)
	require.NotEmpty(t, fixtures, "no testdata/*/*.otlp.json fixtures found under %s", root)

	dir := t.TempDir()
	fixtures = isolateFixtures(t, fixtures, t.TempDir())
	steps := buildSteps(t, root, dir)
	want := convertFixtures(t, steps, root, fixtures)
	require.NotEmpty(t, want, "steps convert gave no records for %d fixtures", len(fixtures))

	table := fmt.Sprintf("e2e_steps_%d_%08x", time.Now().Unix(), rand.Uint32())
	dropTableAtEnd(t, dsn, table)
	sqlitePath := filepath.Join(dir, "steps.db")
	grpcAddr, httpAddr, healthAddr := loopback(freePort(t)), loopback(freePort(t)), loopback(freePort(t))
	configPath := filepath.Join(dir, "config.yaml")
	config := fmt.Sprintf(collectorConfig, grpcAddr, httpAddr, sqlitePath, table, healthAddr, traceURLTemplate)
	require.NoError(t, os.WriteFile(configPath, []byte(config), 0o600))

	otelcol := startProcess(t, "otelcol-steps", collector, "--config", configPath)
	waitHealthy(t, otelcol, "http://"+healthAddr+"/", healthyWithin)
	pg := openPostgres(t, dsn, table) // the exporter created the table at start

	args := append([]string{"replay", "--endpoint", grpcAddr}, fixtures...)
	out := runCommand(t, root, 2*time.Minute, steps, args...)
	t.Logf("steps replay: %s", out)

	sqlite := openSQLite(t, sqlitePath)
	ids := idsOf(want)
	got := map[string]map[string]map[string]any{}
	deadline := time.Now().Add(storedWithin)
	for {
		got["sqlite"] = readRecords(t, sqlite, ids)
		got["postgres"] = readRecords(t, pg, ids)
		done := recordsEqual(want, got["sqlite"]) && recordsEqual(want, got["postgres"])
		if done || time.Now().After(deadline) {
			break
		}
		if otelcol.exited() {
			t.Fatalf("otelcol-steps exited while the records were awaited:\n%s", otelcol.output())
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		records := got[backend]
		for id, r := range records {
			require.Equal(t, expectedTraceURL(r), r["trace_url"], "%s: trace_url of %s", backend, id)
		}
		require.Equal(t, want, withoutStoreFields(records), "%s holds other records than steps convert gives", backend)
	}
	require.Equal(t, len(want), countRecords(t, sqlite), "sqlite holds records that steps convert does not give")
	require.Equal(t, len(want), countRecords(t, pg), "postgres holds records that steps convert does not give")
	t.Logf("%d fixtures gave %d records, the same in SQLite and PostgreSQL as steps convert", len(fixtures), len(want))
}

// buildSteps builds cmd/steps from the working tree, so that the test never
// runs a stale binary.
func buildSteps(t *testing.T, root, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "steps")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/steps")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/steps:\n%s", out)
	return bin
}
