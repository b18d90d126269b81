package stepprocessor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
)

// TestGolden runs every hand-written fixture under ../testdata through the
// processor in each way a trace can reach it, and holds the records read
// back from the step.* attributes against the expected ones.
func TestGolden(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("..", "testdata", "*", "*.otlp.json"))
	require.NoError(t, err)
	require.NotEmpty(t, cases, "no fixtures found")
	for _, path := range cases {
		name := strings.TrimSuffix(strings.TrimPrefix(path, filepath.Join("..", "testdata")+string(filepath.Separator)), ".otlp.json")
		t.Run(name, func(t *testing.T) {
			want := readExpected(t, strings.TrimSuffix(path, ".otlp.json")+".steps.jsonl")
			t.Run("whole window", func(t *testing.T) {
				td := ptrace.NewTraces()
				for _, b := range readFixture(t, path) {
					b.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
				}
				Annotate(unpriced(), td)
				require.Equal(t, want, recordsOf(t, td))
			})
			t.Run("redelivered whole in one window", func(t *testing.T) {
				// An exact redelivery (a retry of an acknowledged request
				// after a lost answer, a front tier's retry) may land in the
				// same window as the original: every span twice.
				td := ptrace.NewTraces()
				for range 2 {
					for _, b := range readFixture(t, path) {
						b.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
					}
				}
				Annotate(unpriced(), td)
				require.Equal(t, want, recordsOf(t, td))
			})
			t.Run("redelivered whole after its release", func(t *testing.T) {
				// A front tier's retry of a whole request (its queue
				// retries every trace of a request when one backend
				// failed) reaches the healthy step collectors after they
				// released the trace: its spans come again as late parts.
				cfg := unpriced()
				cfg.Wait = time.Hour
				batches := append(readFixture(t, path), readFixture(t, path)...)
				require.Equal(t, want, runBatches(t, cfg, batches, true))
			})
			t.Run("buffered", func(t *testing.T) {
				require.Equal(t, want, runProcessor(t, path, time.Hour, false))
			})
			t.Run("each batch released before the next", func(t *testing.T) {
				require.Equal(t, want, runProcessor(t, path, time.Hour, true))
			})
			if len(readFixture(t, path)) == 1 {
				t.Run("stateless", func(t *testing.T) {
					require.Equal(t, want, runProcessor(t, path, 0, false))
				})
			}
		})
	}
}

// runProcessor feeds the fixture's batches to a real processor and returns
// the records its output spans carry. With releaseEach, every batch is
// released before the next arrives, so later batches are late spans of a
// released trace.
func runProcessor(t *testing.T, path string, wait time.Duration, releaseEach bool) []map[string]any {
	t.Helper()
	cfg := unpriced()
	cfg.Wait = wait
	return runProcessorWith(t, cfg, path, releaseEach)
}

func runProcessorWith(t *testing.T, cfg *Config, path string, releaseEach bool) []map[string]any {
	t.Helper()
	return runBatches(t, cfg, readFixture(t, path), releaseEach)
}

// runBatches is runProcessorWith on batches in memory.
func runBatches(t *testing.T, cfg *Config, batches []ptrace.Traces, releaseEach bool) []map[string]any {
	t.Helper()
	sink := &consumertest.TracesSink{}
	p, err := newStepProcessor(processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	ctx := context.Background()
	for _, b := range batches {
		require.NoError(t, p.ConsumeTraces(ctx, b))
		if releaseEach {
			p.release(ctx, p.buf.takeAll(), false)
		}
	}
	require.NoError(t, p.Shutdown(ctx))
	all := ptrace.NewTraces()
	for _, td := range sink.AllTraces() {
		td.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	return recordsOf(t, all)
}

// unpriced is the default config without pricing: the golden records are
// what the conventions say; TestGoldenCosts prices the same fixtures
// against calcPrice.
func unpriced() *Config {
	cfg := createDefaultConfig()
	cfg.Pricing.Enabled = false
	return cfg
}

// recordsOf reads the records back the way the exporter does.
func recordsOf(t *testing.T, td ptrace.Traces) []map[string]any {
	t.Helper()
	records := map[string]*step.Step{}
	require.Empty(t, step.Collect(td, records))
	out := []map[string]any{}
	for _, r := range step.Sorted(records) {
		b, err := json.Marshal(&r)
		require.NoError(t, err)
		out = append(out, asMap(t, b))
	}
	return out
}

func readFixture(t testing.TB, path string) []ptrace.Traces {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var u ptrace.JSONUnmarshaler
	trimmed := bytes.TrimSpace(data)
	if json.Valid(trimmed) { // one pretty-printed request, or a single line
		td, err := u.UnmarshalTraces(trimmed)
		require.NoError(t, err, path)
		return []ptrace.Traces{td}
	}
	var out []ptrace.Traces
	for i, line := range bytes.Split(trimmed, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		td, err := u.UnmarshalTraces(line)
		require.NoError(t, err, "%s:%d", path, i+1)
		out = append(out, td)
	}
	return out
}

func readExpected(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err, "every fixture needs its expected records")
	defer f.Close()
	out := []map[string]any{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			out = append(out, asMap(t, sc.Bytes()))
		}
	}
	require.NoError(t, sc.Err())
	return out
}

func asMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	require.NoError(t, d.Decode(&m), string(b))
	return unsetLeftOut(m)
}

// unsetLeftOut drops the keys of unset fields: the record writes Letta's
// fields as null and tags as [] (step/json.go), the fixtures leave them out
// (testdata/README.md). Both mean the same.
func unsetLeftOut(m map[string]any) map[string]any {
	for k, v := range m {
		if l, ok := v.([]any); v == nil || ok && len(l) == 0 && k == "tags" {
			delete(m, k)
		}
		if sub, ok := v.(map[string]any); ok && k == "error_data" {
			unsetLeftOut(sub)
		}
	}
	return m
}
