//go:build e2e && reliability && scale && unix

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// scaleCluster is the two-tier deployment of deploy/scale on loopback: a
// front collector (front.yaml, the otelcol-steps-front distribution)
// routing by trace id to step collectors (step.yaml, otelcol-steps) that
// write to one PostgreSQL table. The configs are run as they are; only the
// environment variables they read differ.
type scaleCluster struct {
	dir, dsn, table string
	front           *collectorUnderTest
	frontAddrs      collectorAddrs
	steps           []*stepCollector
}

// stepCollector is one step collector; a restart reuses its addresses and
// queue directory.
type stepCollector struct {
	*collectorUnderTest
	name  string
	addrs collectorAddrs
	queue string
}

// builtFront is the front-tier distribution of `make build-front`.
func builtFront(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(repoRoot(t), "_build", "front", "otelcol-steps-front")
	if _, err := os.Stat(bin); err != nil {
		prerequisite(t, fmt.Sprintf("%s is missing (%v); build it with `make build-front`", bin, err))
	}
	return bin
}

// startScaleCluster starts n step collectors, one after the other (the
// first creates the table), then the front tier routing to all of them.
func startScaleCluster(t *testing.T, dir, dsn, table string, n int) *scaleCluster {
	t.Helper()
	builtFront(t)
	c := &scaleCluster{dir: dir, dsn: dsn, table: table, frontAddrs: newCollectorAddrs(t)}
	for i := range n {
		s := &stepCollector{name: fmt.Sprintf("step collector %d", i+1), addrs: newCollectorAddrs(t),
			queue: filepath.Join(dir, fmt.Sprintf("step%d-queue", i+1))}
		c.steps = append(c.steps, s)
		c.startStep(t, s)
	}
	c.startFront(t, c.backends(c.steps...))
	return c
}

// startStep starts (or restarts) a step collector on its queue directory.
func (c *scaleCluster) startStep(t *testing.T, s *stepCollector) {
	t.Helper()
	name := s.name
	if s.collectorUnderTest != nil {
		name += " (restarted)"
	}
	t.Setenv("AGENTSTEPS_PG_DSN", c.dsn)
	t.Setenv("STEP_OTLP_ENDPOINT", s.addrs.grpc)
	t.Setenv("STEP_HEALTH_ENDPOINT", s.addrs.health)
	t.Setenv("STEP_METRICS_PORT", strconv.Itoa(s.addrs.metricsPort))
	t.Setenv("STEP_QUEUE_DIR", s.queue)
	t.Setenv("STEP_TABLE", c.table)
	p := startProcess(t, name, builtCollector(t), "--config", filepath.Join(repoRoot(t), "deploy", "scale", "step.yaml"))
	waitHealthy(t, p, "http://"+s.addrs.health+"/", 60*time.Second)
	s.collectorUnderTest = &collectorUnderTest{process: p, grpcAddr: s.addrs.grpc, healthAddr: s.addrs.health,
		metricsAddr: loopback(s.addrs.metricsPort)}
}

// startFront starts (or restarts) the front tier with this resolver list,
// always on the same addresses and queue directory.
func (c *scaleCluster) startFront(t *testing.T, backends []string) {
	t.Helper()
	name := "front collector"
	if c.front != nil {
		name += " (restarted)"
	}
	t.Setenv("FRONT_OTLP_ENDPOINT", c.frontAddrs.grpc)
	t.Setenv("FRONT_HEALTH_ENDPOINT", c.frontAddrs.health)
	t.Setenv("FRONT_METRICS_PORT", strconv.Itoa(c.frontAddrs.metricsPort))
	t.Setenv("FRONT_QUEUE_DIR", filepath.Join(c.dir, "front-queue"))
	t.Setenv("FRONT_STEP_COLLECTORS", "["+strings.Join(backends, ", ")+"]")
	p := startProcess(t, name, builtFront(t), "--config", filepath.Join(repoRoot(t), "deploy", "scale", "front.yaml"))
	waitHealthy(t, p, "http://"+c.frontAddrs.health+"/", 60*time.Second)
	c.front = &collectorUnderTest{process: p, grpcAddr: c.frontAddrs.grpc, healthAddr: c.frontAddrs.health,
		metricsAddr: loopback(c.frontAddrs.metricsPort)}
}

func (c *scaleCluster) backends(steps ...*stepCollector) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.addrs.grpc)
	}
	return out
}

// frontMetric sums the series of a metric of the front tier whose labels
// contain every one of labels (as `key="value"`), counters with or
// without their _total suffix. The per-backend OTLP exporters report under
// the same metric names as the load-balancing exporter, so the exporter
// label tells them apart.
func (c *scaleCluster) frontMetric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	return scrapeFiltered(t, c.front.metricsAddr, name, labels...)
}

func scrapeFiltered(t *testing.T, addr, name string, labels ...string) float64 {
	t.Helper()
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/metrics")
	require.NoError(t, err, "scrape %s", addr)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		metric, _, _ := strings.Cut(line, "{")
		metric, _, _ = strings.Cut(metric, " ")
		if metric != name && metric != name+"_total" {
			continue
		}
		if !allIn(line, labels) {
			continue
		}
		rest := line[len(metric):]
		if i := strings.LastIndexByte(rest, '}'); i >= 0 {
			rest = rest[i+1:]
		}
		fields := strings.Fields(rest)
		require.NotEmpty(t, fields, "metrics line without a value: %q", line)
		v, err := strconv.ParseFloat(fields[0], 64)
		require.NoError(t, err, "metrics line %q", line)
		sum += v
	}
	require.NoError(t, sc.Err())
	return sum
}

func allIn(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// stepMetric sums a metric over the step collectors that are running.
func (c *scaleCluster) stepMetric(t *testing.T, name string) float64 {
	t.Helper()
	var sum float64
	for _, s := range c.steps {
		if !s.exited() {
			sum += scrapeFiltered(t, s.metricsAddr, name)
		}
	}
	return sum
}

const lbExporter = `exporter="load_balancing"`

// whenHolding returns the traces s holds, as soon as it holds some, so
// that a kill puts its storage to the test; a stateless collector never
// holds any and is taken as it is. Under load a poll can fall between two
// requests after every trace was released: it waits for the next one.
func (c *scaleCluster) whenHolding(t *testing.T, s *stepCollector, stateless bool) float64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		held := scrapeFiltered(t, s.metricsAddr, "otelcol_processor_step_traces_held")
		if held > 0 || stateless || time.Now().After(deadline) {
			return held
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitSettled waits until nothing is in flight any more: the front tier's
// queue is empty (delivered, or dropped after its retries), every running
// step collector holds no trace and has an empty queue, and the table's
// row count has not moved across two polls of at least the step
// collectors' wait. It returns how long that took.
func (c *scaleCluster) waitSettled(t *testing.T, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	lastRows, stable := -1, 0
	for {
		if c.front.exited() {
			t.Fatalf("the front collector exited:\n%s", c.front.output())
		}
		idle := c.frontMetric(t, "otelcol_exporter_queue_size", lbExporter) == 0 &&
			c.stepMetric(t, "otelcol_processor_step_traces_held") == 0 &&
			c.stepMetric(t, "otelcol_exporter_queue_size") == 0
		rows, _ := tableRows(t, c.dsn, c.table)
		if idle && rows == lastRows {
			stable++
		} else {
			stable = 0
		}
		lastRows = rows
		if stable >= 2 {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("still busy after %s: front queue %g, traces held %g, step queues %g, %d rows", timeout,
				c.frontMetric(t, "otelcol_exporter_queue_size", lbExporter),
				c.stepMetric(t, "otelcol_processor_step_traces_held"),
				c.stepMetric(t, "otelcol_exporter_queue_size"), rows)
		}
		time.Sleep(1500 * time.Millisecond)
	}
}

// outcome compares the table with what `steps convert` gives for the run.
type outcome struct {
	want       int            // records steps convert gives
	lost       int            // of those, not stored
	duplicated int            // rows beyond one per id
	differing  int            // stored, but not as steps convert gives them
	extra      int            // stored ids steps convert does not give
	fields     map[string]int // differing records per field
	example    string         // the first differing id, with what differs
	lostBy     map[string]int // lost records per source
	extraBy    map[string]int // extra records per source and model
}

func (o outcome) String() string {
	s := fmt.Sprintf("%d records expected: %d lost, %d duplicated, %d differing, %d extra", o.want, o.lost, o.duplicated, o.differing, o.extra)
	if o.differing > 0 {
		s += fmt.Sprintf("; fields that differ (records): %v; first: %s", o.fields, o.example)
	}
	if o.lost > 0 {
		s += fmt.Sprintf("; lost per source: %v", o.lostBy)
	}
	if o.extra > 0 {
		s += fmt.Sprintf("; extra per source/model: %v", o.extraBy)
	}
	return s
}

func measure(t *testing.T, dsn, table string, want map[string]record) outcome {
	t.Helper()
	pg := openPostgres(t, dsn, table)
	ids := idsOf(want)
	got := withoutStoreFields(readRecordsChunked(t, pg, ids))
	rows, distinct := tableRows(t, dsn, table)
	o := outcome{want: len(want), lost: len(want) - len(got), duplicated: rows - distinct, extra: distinct - len(got), fields: map[string]int{}, lostBy: map[string]int{}}
	if o.extra > 0 {
		o.extraBy = map[string]int{}
		for _, r := range readRecordsChunked(t, pg, extraIDs(t, dsn, table, want)) {
			o.extraBy[fmt.Sprintf("%v/%v", r["source"], r["model"])]++
		}
	}
	for _, id := range ids {
		g, ok := got[id]
		if !ok {
			o.lostBy[fmt.Sprint(want[id]["source"])]++
		}
		if !ok || recordsEqual(map[string]record{id: want[id]}, map[string]record{id: g}) {
			continue
		}
		o.differing++
		var keys []string
		for _, k := range slices.Sorted(maps.Keys(unionKeys(want[id], g))) {
			if fmt.Sprint(want[id][k]) != fmt.Sprint(g[k]) {
				keys = append(keys, k)
				o.fields[k]++
			}
		}
		if o.example == "" {
			o.example = fmt.Sprintf("%s (%v):", id, want[id]["source"])
			for _, k := range keys {
				o.example += fmt.Sprintf(" %s want %v got %v;", k, want[id][k], g[k])
			}
		}
	}
	return o
}

// extraIDs lists the ids in the table that want does not hold.
func extraIDs(t *testing.T, dsn, table string, want map[string]record) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT id FROM "+pgx.Identifier{"public", table}.Sanitize())
	require.NoError(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	var out []string
	for _, id := range ids {
		if _, ok := want[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

func unionKeys(a, b record) map[string]struct{} {
	out := map[string]struct{}{}
	for k := range a {
		out[k] = struct{}{}
	}
	for k := range b {
		out[k] = struct{}{}
	}
	return out
}

// cpuSeconds is the CPU time (user + system) a running process has used,
// from /proc/<pid>/stat, in seconds (clock ticks of 1/100 s on Linux).
func cpuSeconds(t *testing.T, p *process) float64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	require.NoError(t, err)
	// The command name, field 2, is in parentheses and may hold spaces.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, err := strconv.ParseFloat(fields[11], 64)
	require.NoError(t, err)
	stime, err := strconv.ParseFloat(fields[12], 64)
	require.NoError(t, err)
	return (utime + stime) / 100
}
