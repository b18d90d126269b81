package stepprocessor

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/agentsteps/collector/stepprocessor/internal/metadata"
	"github.com/agentsteps/collector/stepprocessor/internal/traffic"
)

// decodedOutputKeys are the attributes whose whole JSON a recogniser
// decodes to find a model call's usage and finish reason, answer included:
// Genkit's action output and ADK's LlmResponse.
var decodedOutputKeys = []string{genkitKeys.output, "gcp.vertex.agent.llm_response"}

// BenchmarkOutputLength measures the processor on the Genkit and ADK
// fixtures with every "text" in those attributes set to an answer of the
// given length. The fixtures' answers are a few bytes ("..."); real ones
// run to kilobytes, and the recogniser decodes them all. Rows per length,
// per span of the batch: the read floor (a) and the processor stateless.
// Run: go test ./stepprocessor -run '^$' -bench BenchmarkOutputLength -benchtime 100x -count 3
func BenchmarkOutputLength(b *testing.B) {
	var tpl []ptrace.Traces
	for _, dir := range []string{"genkit", "adk"} {
		paths, err := filepath.Glob(filepath.Join("..", "testdata", dir, "*.otlp.json"))
		require.NoError(b, err)
		for _, p := range paths {
			tpl = append(tpl, readFixture(b, p)...)
		}
	}
	for _, n := range []int{0, 1 << 10, 4 << 10, 16 << 10} {
		payload, spans := outputLengthBatch(b, tpl, n)
		name := "fixture"
		if n > 0 {
			name = fmt.Sprintf("%dKiB", n>>10)
		}
		b.Run(name+"/floor_read", func(b *testing.B) { perSpan(b, payload, spans, false, readAll) })
		b.Run(name+"/stateless", func(b *testing.B) {
			cfg := createDefaultConfig()
			cfg.Wait = 0
			p, err := newStepProcessor(processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
			require.NoError(b, err)
			perSpan(b, payload, spans, true, func(td ptrace.Traces) { _ = p.ConsumeTraces(b.Context(), td) })
		})
	}
}

// outputLengthBatch is copies of tpl, with fresh trace ids, up to 2,000
// spans, every "text" in the decoded outputs n bytes long (n = 0: as is).
func outputLengthBatch(tb testing.TB, tpl []ptrace.Traces, n int) (payload []byte, spans int) {
	text := strings.Repeat("The weather in Lisbon is sunny. ", n/32+1)[:n]
	all := ptrace.NewTraces()
	for copyN := uint64(0); all.SpanCount() < 2000; copyN++ {
		for _, t := range tpl {
			c := ptrace.NewTraces()
			t.CopyTo(c)
			traffic.FreshTraceIDs(c, copyN)
			if n > 0 {
				eachSpan(c, func(sp ptrace.Span) { setOutputText(tb, sp.Attributes(), text) })
			}
			c.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
		}
	}
	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(all)
	require.NoError(tb, err)
	return b, all.SpanCount()
}

// setOutputText rewrites every "text" member in the decoded outputs of
// attrs to text.
func setOutputText(tb testing.TB, attrs pcommon.Map, text string) {
	for _, k := range decodedOutputKeys {
		v, ok := attrs.Get(k)
		if !ok || v.Type() != pcommon.ValueTypeStr {
			continue
		}
		var doc any
		if json.Unmarshal([]byte(v.Str()), &doc) != nil {
			continue
		}
		setTexts(doc, text)
		out, err := json.Marshal(doc)
		require.NoError(tb, err)
		v.SetStr(string(out))
	}
}

func setTexts(doc any, text string) {
	switch d := doc.(type) {
	case map[string]any:
		for k, x := range d {
			if _, ok := x.(string); ok && k == "text" {
				d[k] = text
			} else {
				setTexts(x, text)
			}
		}
	case []any:
		for _, x := range d {
			setTexts(x, text)
		}
	}
}
