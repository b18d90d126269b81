//go:build e2e && reliability && scale && unix

package e2e

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// scaleSetup is the scale run, written and converted once, and, for each
// case, a cluster writing to a table of its own. The ids are the same in
// every case; the tables are not.
type scaleSetup struct {
	root, dir, dsn, table, steps string
	run                          scaleRun
	want                         map[string]record
	c                            *scaleCluster
}

func prepareScaleRun(t *testing.T) *scaleSetup {
	t.Helper()
	s := &scaleSetup{root: repoRoot(t), dir: t.TempDir()}
	builtCollector(t)
	builtFront(t)
	s.dsn = requireDSN(t)
	s.steps = buildSteps(t, s.root, s.dir)
	s.run = writeScaleRun(t, s.root, s.dir)
	require.GreaterOrEqual(t, s.run.traces, 20_000, "the scale run must hold at least 20,000 traces")
	s.want = convertFixtures(t, s.steps, s.root, []string{s.run.once})
	t.Logf("scale run: %d requests, %d traces, %d spans, %d records from steps convert", s.run.requests, s.run.traces, s.run.spans, len(s.want))
	return s
}

// withCluster is s with a new table and a new cluster of three step
// collectors writing to it, for one case.
func (s *scaleSetup) withCluster(t *testing.T, name string) *scaleSetup {
	t.Helper()
	c := *s
	c.dir = t.TempDir()
	c.table = fmt.Sprintf("scale_%s_%d_%08x", name, time.Now().Unix(), rand.Uint32())
	dropTableAtEnd(t, c.dsn, c.table)
	c.c = startScaleCluster(t, c.dir, c.dsn, c.table, 3)
	return &c
}

// TestScaleOut runs the two-tier deployment of deploy/scale on loopback
// with the scale run: first undisturbed, then with a step collector
// killed and restarted, one that never comes back, and a re-shard. Each
// case prints its figures on a line that starts with SCALE.
func TestScaleOut(t *testing.T) {
	s := prepareScaleRun(t)
	t.Run("StoresWhatConvertGives", func(t *testing.T) { scaleStoresWhatConvertGives(t, s.withCluster(t, "base")) })
	t.Run("StepCollectorKilledAndRestarted", func(t *testing.T) {
		scaleStepCollectorKilledAndRestarted(t, s.withCluster(t, "kill"), false)
	})
	t.Run("StatelessStepCollectorKilledAndRestarted", func(t *testing.T) {
		t.Setenv("STEP_WAIT", "0s")
		t.Setenv("STEP_HELD_STORAGE", "null") // nothing held, nothing to keep
		scaleStepCollectorKilledAndRestarted(t, s.withCluster(t, "kill0"), true)
	})
	t.Run("StepCollectorThatNeverComesBack", func(t *testing.T) { scaleStepCollectorThatNeverComesBack(t, s.withCluster(t, "lost")) })
	t.Run("Reshard", func(t *testing.T) { scaleReshard(t, s.withCluster(t, "reshard")) })
}

// replay sends the run to the front tier, paced so that the parts of a
// split trace arrive apart by more than the step collectors' wait.
func (s *scaleSetup) replay(t *testing.T, file string) *process {
	return startProcess(t, "steps replay", s.steps, "replay", "--endpoint", s.c.front.grpcAddr,
		"--rate", fmt.Sprint(scaleRunRate), file)
}

// waitFront polls a metric of the front tier until it reaches min.
func (s *scaleSetup) waitFront(t *testing.T, name string, min float64, timeout time.Duration, labels ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v := s.c.frontMetric(t, name, labels...)
		if v >= min {
			return
		}
		if s.c.front.exited() {
			t.Fatalf("the front collector exited while waiting for %s >= %g:\n%s", name, min, s.c.front.output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("front %s%v stayed at %g < %g for %s", name, labels, v, min, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// scaleStoresWhatConvertGives replays the scale run through the
// front tier into three step collectors and checks that PostgreSQL holds
// exactly the records steps convert gives for it: split Letta steps, late
// ancestors and redeliveries included, every trace held by the one step
// collector its trace id routes to.
func scaleStoresWhatConvertGives(t *testing.T, s *scaleSetup) {
	start := time.Now()
	replay := s.replay(t, s.run.path)
	require.Equal(t, 0, waitExit(t, replay, 5*time.Minute), "every request must be acknowledged:\n%s", replay.output())
	s.c.waitSettled(t, 3*time.Minute)
	o := measure(t, s.dsn, s.table, s.want)
	t.Logf("SCALE baseline: %s", o)
	requireStoredExactly(t, s.c.front, s.dsn, s.table, s.want, time.Minute)

	for _, st := range s.c.steps {
		require.Positive(t, scrapeFiltered(t, st.metricsAddr, "otelcol_receiver_accepted_spans"), "%s got no span: the front tier did not spread the traces", st.name)
	}
	patches := s.c.stepMetric(t, "otelcol_processor_step_patches")
	require.Positive(t, patches, "no part arrived after its trace was released, so late parts were not put to the test")
	require.Zero(t, s.c.frontMetric(t, "otelcol_exporter_send_failed_spans", lbExporter), "the front tier dropped spans")
	// CPU per million spans, start-up included, on a shared machine: a
	// rough figure for the README's arithmetic, not an assertion.
	frontCPU, stepCPU := cpuSeconds(t, s.c.front.process), 0.0
	for _, st := range s.c.steps {
		stepCPU += cpuSeconds(t, st.process)
	}
	million := float64(s.run.spans) / 1e6
	t.Logf("SCALE baseline: %d traces (%d spans) through 1 front and 3 step collectors: all %d records as steps convert gives them; %.0f late parts written as patches; CPU per million spans: front %.1f s, step collectors %.1f s; %s in all",
		s.run.traces, s.run.spans, len(s.want), patches, frontCPU/million, stepCPU/million, time.Since(start).Round(time.Second))
}

// scaleStepCollectorKilledAndRestarted SIGKILLs a step collector in the
// middle of the run and restarts it on its queue directory. The front tier
// keeps the requests it could not deliver in its persistent queue and
// retries them; the step collector's persistent queue keeps what it had
// released but not written.
//
// With wait > 0 (stateless false, deploy/scale/step.yaml as it is) what the
// killed collector held, the traces of its last wait, already acknowledged
// to the front tier, is kept in its file_storage by the step processor's
// `storage` and sent on when it starts again, and so are the outlines of
// the traces it released, which its late ancestors need: nothing is lost
// and every record is as steps convert gives it. With wait: 0 (stateless)
// it holds nothing, so nothing is lost, but a step takes no context from
// an ancestor that comes in a later request.
func scaleStepCollectorKilledAndRestarted(t *testing.T, s *scaleSetup, stateless bool) {
	start := time.Now()
	label := "(a) step collector SIGKILLed and restarted, wait: 1s"
	if stateless {
		label = "(a') step collector SIGKILLed and restarted, wait: 0s"
	}
	replay := s.replay(t, s.run.path)
	s.waitFront(t, "otelcol_receiver_accepted_spans", float64(s.run.spans)/2, 3*time.Minute)
	victim := s.c.steps[1]
	held := s.c.whenHolding(t, victim, stateless)
	victim.kill(t)
	// The front tier sees the step collector gone before it comes back.
	s.waitFront(t, "otelcol_loadbalancer_backend_outcome", 1, time.Minute, `success="false"`)
	s.c.startStep(t, victim)
	require.Equal(t, 0, waitExit(t, replay, 5*time.Minute), "the front tier must acknowledge every request:\n%s", replay.output())
	settled := s.c.waitSettled(t, 5*time.Minute)

	o := s.measureUntil(t, func(o outcome) bool {
		return o.lost == 0 && o.extra == 0 && o.duplicated == 0 && (stateless || o.differing == 0)
	})
	dropped := s.c.frontMetric(t, "otelcol_exporter_send_failed_spans", lbExporter)
	failures := s.c.frontMetric(t, "otelcol_loadbalancer_backend_outcome", `success="false"`)
	t.Logf("SCALE %s: %s; it held %.0f traces in memory at the kill; front tier: %.0f failed sends retried, %.0f spans dropped; settled %s after the replay; %s in all",
		label, o, held, failures, dropped, settled.Round(time.Second), time.Since(start).Round(time.Second))
	require.Zero(t, o.duplicated, "an id is stored twice")
	require.Zero(t, dropped, "the front tier dropped spans although the step collector came back within its retry window")
	if stateless {
		require.Zero(t, held, "a stateless step collector holds no trace")
		require.Zero(t, o.lost, "a stateless step collector with a persistent queue loses no step")
		require.Zero(t, o.extra, "records that steps convert does not give")
		return
	}
	requireNoExtra(t, o)
	require.Positive(t, held, "the collector held nothing at the kill, so the storage was not put to the test")
	require.Zero(t, o.lost, "steps lost although the step processor keeps what it holds in storage")
	require.Zero(t, o.differing, "records differ although the step processor keeps its outlines in storage")
}

// measureUntil measures the table until done says the outcome is what the
// case expects, for at most settleGrace, and returns the last outcome.
// waitSettled sees queues and row counts, not a batch that is being
// written (taken from the exporter's queue, inside a PostgreSQL
// transaction) nor a patch, which changes no row count: on a loaded
// machine such a write can outlast its polls. What is still wrong after
// the grace is what the case reports and fails on.
func (s *scaleSetup) measureUntil(t *testing.T, done func(outcome) bool) outcome {
	t.Helper()
	start := time.Now()
	deadline := start.Add(settleGrace)
	for polls := 1; ; polls++ {
		o := measure(t, s.dsn, s.table, s.want)
		if done(o) || time.Now().After(deadline) {
			if polls > 1 {
				t.Logf("SCALE: the table took %s after the collectors settled to reach its outcome (%d reads)", time.Since(start).Round(time.Second), polls)
			}
			return o
		}
		time.Sleep(2 * time.Second)
	}
}

const settleGrace = time.Minute

// requireNoExtra: no record that steps convert does not give. A front
// tier that retries a whole request delivers its spans to the healthy step
// collectors a second time, often within their wait; a span delivered twice
// in one window is still one span (the golden tests' "redelivered whole in
// one window" mode).
func requireNoExtra(t *testing.T, o outcome) {
	t.Helper()
	require.Zero(t, o.extra, "records that steps convert does not give: %v", o.extraBy)
}

// scaleStepCollectorThatNeverComesBack SIGKILLs a step collector
// for good, three quarters into the run. The front tier's static resolver
// keeps routing its share of trace ids to it: the front retries each
// request for retry_on_failure::max_elapsed_time (deploy/scale/front.yaml),
// then drops it. The test measures what is lost and checks that the front
// tier's own metrics show the drops.
func scaleStepCollectorThatNeverComesBack(t *testing.T, s *scaleSetup) {
	start := time.Now()
	replay := s.replay(t, s.run.path)
	s.waitFront(t, "otelcol_receiver_accepted_spans", float64(s.run.spans)*3/4, 3*time.Minute)
	victim := s.c.steps[2]
	held := scrapeFiltered(t, victim.metricsAddr, "otelcol_processor_step_traces_held")
	victim.kill(t)
	killed := time.Now()
	require.Equal(t, 0, waitExit(t, replay, 5*time.Minute), "the front tier must acknowledge every request:\n%s", replay.output())
	s.c.waitSettled(t, 6*time.Minute)
	drained := time.Since(killed)

	o := measure(t, s.dsn, s.table, s.want)
	dropped := s.c.frontMetric(t, "otelcol_exporter_send_failed_spans", lbExporter)
	failures := s.c.frontMetric(t, "otelcol_loadbalancer_backend_outcome", `success="false"`)
	t.Logf("SCALE (b) step collector that never comes back: %s; it held %.0f traces in memory at the kill; front tier: otelcol_exporter_send_failed_spans{exporter=load_balancing} = %.0f, otelcol_loadbalancer_backend_outcome{success=false} = %.0f; the front's queue was empty %s after the kill; %s in all",
		o, held, dropped, failures, drained.Round(time.Second), time.Since(start).Round(time.Second))
	require.Zero(t, o.duplicated, "an id is stored twice")
	requireNoExtra(t, o)
	require.Positive(t, o.lost, "nothing was lost although a step collector never came back")
	require.Positive(t, dropped, "steps were lost but the front tier's metrics do not show a drop")
	require.Positive(t, failures, "the front tier's metrics do not show the failed backend")
}

// scaleReshard removes a step collector from the front tier's
// resolver list in the middle of the run: the front tier is stopped and
// started again with two backends, on the same queue directory, and the
// requests the client saw fail are sent again. The removed collector
// stays up and writes what it holds. Traces routed to it move to the two
// others: a trace whose parts straddle the change is held by two
// collectors, and a part that reaches the one that never saw the rest of
// its trace has no outline to take context from or give it to.
func scaleReshard(t *testing.T, s *scaleSetup) {
	start := time.Now()
	replay := s.replay(t, s.run.path)
	s.waitFront(t, "otelcol_receiver_accepted_spans", float64(s.run.spans)/2, 3*time.Minute)
	s.c.front.stop(t) // SIGTERM: the queue stays on disk
	s.c.startFront(t, s.c.backends(s.c.steps[:2]...))
	code := waitExit(t, replay, 5*time.Minute)
	resent := 0
	if code != 0 {
		gaveUp := strings.Contains(replay.output(), "giving up after")
		lines := unacknowledged(t, replay.output(), s.run.path, s.run.requests, gaveUp)
		resent = len(lines)
		again := s.replay(t, writeLines(t, s.run.path, s.dir, lines))
		require.Equal(t, 0, waitExit(t, again, 5*time.Minute), "resending to the restarted front tier:\n%s", again.output())
	}
	require.Equal(t, float64(2), s.c.frontMetric(t, "otelcol_loadbalancer_num_backends"), "the restarted front tier routes to two step collectors")
	s.c.waitSettled(t, 5*time.Minute)

	o := s.measureUntil(t, func(o outcome) bool { return o.lost == 0 && o.extra == 0 && o.duplicated == 0 })
	t.Logf("SCALE (c) a backend removed from the resolver list mid-run: %s; %d requests sent again after the front tier's restart; %s in all",
		o, resent, time.Since(start).Round(time.Second))
	require.Zero(t, o.lost, "a re-shard must not lose a step")
	require.Zero(t, o.duplicated, "an id is stored twice")
	// A request in flight when the front tier stopped is sent again after
	// its restart, whole.
	requireNoExtra(t, o)
}
