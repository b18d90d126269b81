package main

import (
	"encoding/json"
	"fmt"
	"io"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepprocessor"
)

const convertUsage = `Usage: steps convert FILE...

Reads OTLP/JSON trace files (one ExportTraceServiceRequest per line, as the
collector's file exporter writes them, or one pretty-printed request) and
writes one merged Step record per line as JSON to stdout, ordered by start
time. Keys are the record's snake_case names; fields with no value are left
out. The whole input is one window: a parent span in a later line or file
still gives its context. It runs the same code as the step processor, and
prices each merged record as the exporter does (the embedded genai-prices
catalogue; cost_usd, input_cost_usd, output_cost_usd, cost_source).

A file or line that is not OTLP/JSON is reported on stderr with its name and
line number, and the rest is still converted (exit status 1).
`

// runConvert implements `steps convert FILE...`.
func runConvert(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("convert", convertUsage, stderr)
	noCost := fs.Bool("no-cost", false, "leave the cost fields out: no pricing at all")
	pricesFile := fs.String("prices", "", "price by this genai-prices v2 data.json instead of the embedded catalogue")
	if ok, code := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, "steps convert: give at least one FILE\n\n"+convertUsage)
		return 2
	}
	status := 0
	window := ptrace.NewTraces()
	// Where each batch's resource spans sit in the window, in order.
	type origin struct {
		file          string
		line          int
		resourceSpans int
	}
	var origins []origin
	for _, path := range fs.Args() {
		batches, errs := readTraceBatches(path)
		for _, err := range errs {
			fmt.Fprintf(stderr, "steps convert: %v\n", err)
			status = 1
		}
		for _, b := range batches {
			origins = append(origins, origin{b.file, b.line, b.traces.ResourceSpans().Len()})
			b.traces.ResourceSpans().MoveAndAppendTo(window.ResourceSpans())
		}
	}
	cfg := stepprocessor.NewDefaultConfig()
	cfg.Pricing.Enabled, cfg.Pricing.File = !*noCost, *pricesFile
	prices, err := cfg.Pricing.Engine("pricing")
	if err != nil {
		fmt.Fprintf(stderr, "steps convert: %v\n", err)
		return 1
	}
	for _, err := range stepprocessor.Annotate(cfg, window) {
		fmt.Fprintf(stderr, "steps convert: warning: %v\n", err)
	}
	// Read the step.* attributes back batch by batch, so that a bad one
	// (an input that already carried step.* keys) names its file and line.
	records := map[string]*step.Step{}
	next := 0
	for _, o := range origins {
		batch := ptrace.NewTraces()
		for range o.resourceSpans {
			window.ResourceSpans().At(next).MoveTo(batch.ResourceSpans().AppendEmpty())
			next++
		}
		for _, err := range step.Collect(batch, records) {
			fmt.Fprintf(stderr, "steps convert: %s:%d: %v\n", o.file, o.line, err)
			status = 1
		}
	}
	enc := json.NewEncoder(stdout)
	for _, r := range step.Sorted(records) {
		r.PriceCost(prices) // the merged record, as the exporter prices it; the processor filled the window
		if err := enc.Encode(&r); err != nil {
			fmt.Fprintf(stderr, "steps convert: %v\n", err)
			return 1
		}
	}
	return status
}
