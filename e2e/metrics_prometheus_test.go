//go:build e2e && metrics && unix

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// metricsConfig is the steps pipeline into SQLite and into the
// step_metrics connector, whose metrics the prometheus exporter serves.
const metricsConfig = `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: %[1]q}
processors:
  step:
    wait: 1s
  batch:
    timeout: 200ms
exporters:
  step:
    sqlite: {path: %[2]q}
  prometheus:
    endpoint: %[3]q
connectors:
  step_metrics:
    metrics_flush_interval: 1s
extensions:
  health_check: {endpoint: %[4]q}
service:
  extensions: [health_check]
  telemetry:
    metrics: {level: none}
  pipelines:
    traces:
      receivers: [otlp]
      processors: [step, batch]
      exporters: [step, step_metrics]
    metrics/steps:
      receivers: [step_metrics]
      exporters: [prometheus]
`

// metricQueries are the PromQL sums the test holds against SQLite, keyed
// by the name the expectation uses.
var metricQueries = map[string]string{
	"tokens":       `sum by (gen_ai_token_type) (agentsteps_step_tokens_total{gen_ai_token_type=~"input|output"})`,
	"token_usage":  `sum by (gen_ai_token_type) (gen_ai_client_token_usage_sum)`,
	"steps":        `sum by (step_status) (agentsteps_step_count_total)`,
	"cost":         `sum(agentsteps_step_cost_USD_total)`,
	"durations":    `sum(gen_ai_client_operation_duration_seconds_count)`,
	"failed_error": `sum(gen_ai_client_operation_duration_seconds_count{error_type!=""})`,
}

// TestRealPrometheusSumsEqualWhatSQLiteStored replays every fixture into the
// built collector while a real Prometheus (Debian's package, started by
// scripts/prometheus.sh) scrapes its prometheus exporter, then asks
// Prometheus's HTTP API for the sums of input and output tokens, of cost,
// and the step counts by status. They must equal what the same replay
// stored in SQLite.
func TestRealPrometheusSumsEqualWhatSQLiteStored(t *testing.T) {
	root := repoRoot(t)
	collector := builtCollector(t)
	fixtures, err := filepath.Glob(filepath.Join(root, "testdata", "*", "*.otlp.json"))
	require.NoError(t, err)
	require.NotEmpty(t, fixtures)
	dir := t.TempDir()
	fixtures = isolateFixtures(t, fixtures, t.TempDir())
	steps := buildSteps(t, root, dir)
	want := convertFixtures(t, steps, root, fixtures)
	require.NotEmpty(t, want)

	sqlitePath := filepath.Join(dir, "steps.db")
	grpcAddr, metricsAddr, healthAddr := loopback(freePort(t)), loopback(freePort(t)), loopback(freePort(t))
	configPath := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(configPath, []byte(fmt.Sprintf(metricsConfig, grpcAddr, sqlitePath, metricsAddr, healthAddr)), 0o600))
	otelcol := startProcess(t, "otelcol-steps", collector, "--config", configPath)
	waitHealthy(t, otelcol, "http://"+healthAddr+"/", 60*time.Second)

	prom := startPrometheus(t, root, metricsAddr)
	// The event to wait on before replaying: Prometheus has scraped the
	// collector once, so every later sample is a scrape of the replay.
	awaitQuery(t, prom, otelcol, "the first scrape of the collector", `up{job="otelcol-steps"}`,
		func(r promResult) bool { return r[""] == 1 })

	out := runCommand(t, root, 2*time.Minute, steps, append([]string{"replay", "--endpoint", grpcAddr}, fixtures...)...)
	t.Logf("steps replay: %s", out)

	sqlite := openSQLite(t, sqlitePath)
	deadline := time.Now().Add(60 * time.Second)
	for countRecords(t, sqlite) < len(want) {
		require.False(t, otelcol.exited(), "otelcol-steps exited:\n%s", otelcol.output())
		require.True(t, time.Now().Before(deadline), "SQLite holds %d of %d records after 60s", countRecords(t, sqlite), len(want))
		time.Sleep(200 * time.Millisecond)
	}
	stored := readRecords(t, sqlite, idsOf(want))
	require.Len(t, stored, len(want))

	expect := storedSums(stored)
	require.Positive(t, expect["tokens"]["input"], "the fixtures hold input tokens")
	require.Positive(t, expect["steps"]["failed"], "the fixtures hold failed steps")
	t.Logf("SQLite holds %d records: %v", len(stored), expect)
	for name, q := range metricQueries {
		awaitQuery(t, prom, otelcol, name, q, func(r promResult) bool { return sameSums(r, expect[name]) })
	}
	t.Logf("Prometheus answers the same sums as SQLite for %d records", len(stored))

	// The README's PromQL: each runs, and answers a series for every
	// metric there is (cost only once records carry a cost). rate() needs
	// two scrapes of a series: wait for them.
	for _, q := range readmePromQL(t, filepath.Join(root, "stepmetricsconnector", "README.md")) {
		_, err := prom.query(q)
		require.NoError(t, err, "README query %s", q)
		if expect["cost"][""] == 0 && strings.Contains(q, "cost") {
			continue
		}
		awaitQuery(t, prom, otelcol, "README query", q, func(r promResult) bool { return len(r) > 0 })
	}
}

// readmePromQL returns the ```promql blocks of a README.
func readmePromQL(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []string
	for _, part := range strings.Split(string(b), "```promql\n")[1:] {
		q, _, ok := strings.Cut(part, "```")
		require.True(t, ok, "%s: unterminated promql block", path)
		out = append(out, strings.TrimSpace(q))
	}
	require.Len(t, out, 4, "%s: the four questions' queries", path)
	return out
}

// sameSums compares two answers series by series. Counts are whole
// numbers and must be equal; a cost in USD is a float summed in another
// order on each side (the connector adds as steps arrive, the test in map
// order), so it may differ in its last bits: within 1e-9 of its size.
func sameSums(got, want promResult) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
			return false
		}
	}
	return true
}

// storedSums is what the records add up to, shaped as the queries answer.
func storedSums(records map[string]record) map[string]promResult {
	num := func(v any) float64 { f, _ := v.(float64); return f }
	tokens := promResult{}
	steps := promResult{}
	cost, finished, failed := 0.0, 0.0, 0.0
	for _, r := range records {
		if v, ok := r["prompt_tokens"]; ok {
			tokens["input"] += num(v)
		}
		if v, ok := r["completion_tokens"]; ok {
			tokens["output"] += num(v)
		}
		// cost_usd arrives with the cost fields; until then no record has
		// one and the connector emits no cost series: both sides are 0.
		cost += num(r["cost_usd"])
		if st, _ := r["status"].(string); st == "success" || st == "failed" || st == "cancelled" {
			steps[st]++
			_, hasStart := r["start_time"]
			_, hasEnd := r["end_time"]
			if hasStart && hasEnd {
				finished++
				if st == "failed" {
					failed++
				}
			}
		}
	}
	out := map[string]promResult{
		"tokens":      tokens,
		"token_usage": maps.Clone(tokens),
		"steps":       steps,
		"durations":   {"": finished},
	}
	// An absent series answers an empty vector; a sum of 0 is the same.
	out["cost"] = promResult{}
	if cost > 0 {
		out["cost"] = promResult{"": cost}
	}
	out["failed_error"] = promResult{}
	if failed > 0 {
		out["failed_error"] = promResult{"": failed}
	}
	return out
}

type prometheus struct{ base string }

// startPrometheus runs scripts/prometheus.sh start (Debian's package,
// installed if missing) on a free loopback port, scraping target every
// second, and stops it (removing its temp dir) when the test ends.
func startPrometheus(t *testing.T, root, target string) prometheus {
	t.Helper()
	port := freePort(t)
	env := append(os.Environ(), "AGENTSTEPS_PROM_PORT="+strconv.Itoa(port), "AGENTSTEPS_PROM_TARGET="+target)
	script := filepath.Join(root, "scripts", "prometheus.sh")
	cmd := exec.Command("bash", script, "start")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	t.Cleanup(func() {
		stop := exec.Command("bash", script, "stop")
		stop.Env = env
		if out, err := stop.CombinedOutput(); err != nil {
			t.Errorf("prometheus.sh stop: %v\n%s", err, out)
		}
	})
	if err != nil {
		prerequisite(t, fmt.Sprintf("scripts/prometheus.sh start: %v\n%s", err, out))
	}
	return prometheus{base: "http://" + loopback(port)}
}

// promResult maps the label value a query groups by ("" for none) to the
// sample value.
type promResult map[string]float64

// query runs an instant query through Prometheus's HTTP API.
func (p prometheus) query(q string) (promResult, error) {
	resp, err := http.Get(p.base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", q, err, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s", q, r.Error)
	}
	out := promResult{}
	for _, s := range r.Data.Result {
		label := ""
		for k, v := range s.Metric {
			if k != "__name__" && k != "job" && k != "instance" {
				label = v
			}
		}
		str, _ := s.Value[1].(string)
		f, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: value %v: %w", q, s.Value[1], err)
		}
		out[label] = f
	}
	return out, nil
}

// awaitQuery polls q until done holds: the scrape that carries the
// replay's last flush has been ingested. The bound is generous; the
// scrape interval is one second.
func awaitQuery(t *testing.T, p prometheus, otelcol *process, what, q string, done func(promResult) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var last promResult
	var lastErr error
	for {
		last, lastErr = p.query(q)
		if lastErr == nil && done(last) {
			return
		}
		require.False(t, otelcol.exited(), "otelcol-steps exited while %s was awaited:\n%s", what, otelcol.output())
		select {
		case <-ctx.Done():
			t.Fatalf("%s: Prometheus answered %v (error %v) to %s after 90s", what, last, lastErr, q)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
