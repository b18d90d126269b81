// Command gentraffic writes a mixed-traffic workload (package traffic) as
// OTLP/JSON lines, one export request per line, for `steps replay`.
//
//	go run ./stepprocessor/internal/traffic/gentraffic -ai 10 -spans 20000 -o traffic.otlp.jsonl testdata/*/*.otlp.json
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/stepprocessor/internal/traffic"
)

func main() {
	ai := flag.Int("ai", 10, "share of spans, in percent, from the AI fixture requests")
	spans := flag.Int("spans", 20000, "least number of spans")
	out := flag.String("o", "", "output file (OTLP/JSON lines)")
	flag.Parse()
	if err := run(*ai, *spans, *out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "gentraffic:", err)
		os.Exit(1)
	}
}

func run(ai, spans int, out string, fixtures []string) error {
	if out == "" {
		return fmt.Errorf("-o is required")
	}
	var tpl []ptrace.Traces
	var u ptrace.JSONUnmarshaler
	for _, p := range fixtures {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// A fixture is one pretty-printed request or one request a line.
		trimmed := bytes.TrimSpace(data)
		lines := [][]byte{trimmed}
		if !json.Valid(trimmed) {
			lines = bytes.Split(trimmed, []byte("\n"))
		}
		for i, l := range lines {
			if len(bytes.TrimSpace(l)) == 0 {
				continue
			}
			td, err := u.UnmarshalTraces(l)
			if err != nil {
				return fmt.Errorf("%s:%d: %w", p, i+1, err)
			}
			tpl = append(tpl, td)
		}
	}
	reqs, err := traffic.Generate(traffic.Options{AIPercent: ai, Spans: spans, Fixtures: tpl, Seed: 1})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	var m ptrace.JSONMarshaler
	for _, td := range reqs {
		b, err := m.MarshalTraces(td)
		if err != nil {
			return err
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
