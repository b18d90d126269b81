package main

import (
	"fmt"
	"io"
	"strings"
)

func processorTable(w io.Writer, r *result) {
	const b = "BenchmarkProcessor/"
	fmt.Fprintf(w, "## Processor, per span\n\n"+
		"A mixed batch of at least 10,000 spans: every fixture of every convention,\n"+
		"copied with fresh trace ids, decoded from protobuf per round (untimed). (a)\n"+
		"reads every attribute of every span once; (b) is (a) plus the step.* writes\n"+
		"the processor makes on the anchor spans. Buffered runs every round through\n"+
		"the trace buffer and releases it, with new trace ids per round.\n\n")
	command(w, r)
	fmt.Fprintf(w, "| row | ns/span | B/span | allocs/span | × (b) |\n|---|---|---|---|---|\n")
	floor, okFloor := r.median(b+"floor_read_write", "ns/span")
	ratios := map[string]float64{}
	for _, row := range []struct{ name, label string }{
		{"floor_read", "(a) floor: read every attribute"},
		{"floor_read_write", "(b) floor with the step.* writes"},
		{"stateless", "step processor, stateless (`wait: 0`)"},
		{"buffered", "step processor, buffered"},
	} {
		ns, ok := r.median(b+row.name, "ns/span")
		by, _ := r.median(b+row.name, "B/span")
		al, _ := r.median(b+row.name, "allocs/span")
		ratio := "n/a"
		if ok && okFloor {
			ratios[row.name] = ns / floor
			ratio = fmt.Sprintf("%.2f", ns/floor)
		}
		fmt.Fprintf(w, "| %s | %s | %.0f | %.2f | %s |\n", row.label, num(ns, ok, "%.0f"), by, al, ratio)
	}
	fmt.Fprintf(w, "\nTargets: stateless ≤ 1.5 × (b): %.2f, %s; buffered ≤ 2 × (b): %.2f, %s.\n\n",
		ratios["stateless"], verdict(ratios["stateless"], 1.5, true),
		ratios["buffered"], verdict(ratios["buffered"], 2, true))

	const m = "BenchmarkBufferMemory"
	dec, _ := r.median(m, "decoded-B/span")
	held, _ := r.median(m, "held-B/span")
	out, _ := r.median(m, "outline-B/span")
	fmt.Fprintf(w, "Memory per buffered span (live heap, same command): the decoded span takes\n"+
		"%.0f B; held in the trace buffer it takes %.0f B (%.0f B more for the buffer);\n"+
		"after release its trace's outline keeps %.0f B per span.\n\n", dec, held, held-dec, out)
}

func ottlTable(w io.Writer, r *result) {
	const b = "BenchmarkOTTL/"
	fmt.Fprintf(w, "## Processor against OTTL (transformprocessor's engine)\n\n"+
		"The same batch, in the `bench/` module: OTTL v1.4.0 statements copying the\n"+
		"GenAI, OpenInference and OpenLLMetry model, provider, token, conversation\n"+
		"and finish-reason keys onto step.* keys (bench/ottl/statements.go), as a\n"+
		"`set ... where` chain in priority order and as one `Coalesce` per key.\n"+
		"OTTL does no assembly, merging or correct counting; it only renames.\n\n")
	command(w, r)
	fmt.Fprintf(w, "| row | ns/span | B/span | allocs/span | × stateless |\n|---|---|---|---|---|\n")
	ours, okOurs := r.median(b+"stateless", "ns/span")
	best := 0.0
	for _, row := range []struct{ name, label string }{
		{"floor_read", "(a) floor: read every attribute"},
		{"floor_read_write", "(b) floor with the step.* writes"},
		{"stateless", "step processor, stateless"},
		{"ottl_where_chain", "OTTL, where-chain"},
		{"ottl_coalesce", "OTTL, Coalesce"},
	} {
		ns, ok := r.median(b+row.name, "ns/span")
		by, _ := r.median(b+row.name, "B/span")
		al, _ := r.median(b+row.name, "allocs/span")
		ratio := "n/a"
		if ok && okOurs {
			ratio = fmt.Sprintf("%.2f", ns/ours)
		}
		if ok && strings.HasPrefix(row.name, "ottl_") && (best == 0 || ns < best) {
			best = ns
		}
		fmt.Fprintf(w, "| %s | %s | %.0f | %.2f | %s |\n", row.label, num(ns, ok, "%.0f"), by, al, ratio)
	}
	floor, _ := r.median(b+"floor_read_write", "ns/span")
	fmt.Fprintf(w, "\nTarget: at least 3 × faster than the faster OTTL variant: %.2f ×, %s.\n"+
		"For scale, (b) alone is %.2f × faster than that variant.\n\n",
		best/ours, verdict(best/ours, 3, false), best/floor)
}

func storeTable(w io.Writer, title, bench string, r *result) {
	fmt.Fprintf(w, "## Exporter, %s\n\n", title)
	if r == nil {
		fmt.Fprintf(w, "Not measured in this run (no PostgreSQL).\n\n")
		return
	}
	fmt.Fprintf(w, "Records per second, full records. raw is the driver's floor; insert is\n"+
		"Upsert of new ids; merge is Upsert of ids already present (every row takes\n"+
		"the merge path).\n\n")
	command(w, r)
	fmt.Fprintf(w, "| batch | raw rec/s | insert rec/s | merge rec/s | insert / raw | merge / raw |\n|---|---|---|---|---|---|\n")
	worst := 0.0
	for _, n := range []string{"100", "1000", "10000"} {
		raw, ok1 := r.median(bench+"/raw/"+n, "records/s")
		ins, ok2 := r.median(bench+"/insert/"+n, "records/s")
		mrg, ok3 := r.median(bench+"/merge/"+n, "records/s")
		ri, rm := "n/a", "n/a"
		if ok1 && ok2 {
			ri = fmt.Sprintf("%.2f", ins/raw)
			if worst == 0 || ins/raw < worst {
				worst = ins / raw
			}
		}
		if ok1 && ok3 {
			rm = fmt.Sprintf("%.2f", mrg/raw)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", n,
			num(raw, ok1, "%.0f"), num(ins, ok2, "%.0f"), num(mrg, ok3, "%.0f"), ri, rm)
	}
	fmt.Fprintf(w, "\nTarget: insert at least half the raw rate at every batch size: worst %.2f, %s.\n\n",
		worst, verdict(worst, 0.5, false))
}

func e2eTable(w io.Writer, r *result) {
	fmt.Fprintf(w, "## End to end\n\n"+
		"`otelcol-steps` (make build) under `steps replay --repeat` of every fixture\n"+
		"over OTLP gRPC on loopback; the collector's CPU time from /proc/<pid>/stat\n"+
		"(utime+stime), from the end of a warm-up to 2.5 s after the last request\n"+
		"(the step pipeline holds traces 1 s, batch waits up to 1 s). nop: receiver,\n"+
		"batch, nop exporter. step: receiver, step processor with its buffer, batch,\n"+
		"step exporter to SQLite. Pipelines alternate, rounds are medians.\n\n")
	command(w, r)
	cpu := map[string][]float64{}
	rate := map[string][]float64{}
	for _, line := range r.lines {
		var p string
		var spans int
		var c, s float64
		if _, err := fmt.Sscanf(line, "e2e %s spans=%d cpu_s=%f replay_s=%f", &p, &spans, &c, &s); err != nil || spans == 0 {
			continue
		}
		cpu[p] = append(cpu[p], c/float64(spans)*1e6)
		rate[p] = append(rate[p], float64(spans)/s)
	}
	fmt.Fprintf(w, "| pipeline | CPU s per million spans | sustained spans/s | rounds |\n|---|---|---|---|\n")
	for _, p := range []string{"nop", "step"} {
		c, ok := median(cpu[p])
		s, _ := median(rate[p])
		fmt.Fprintf(w, "| %s | %s | %.0f | %d |\n", p, num(c, ok, "%.2f"), s, len(cpu[p]))
	}
	n, ok1 := median(cpu["nop"])
	s, ok2 := median(cpu["step"])
	if ok1 && ok2 {
		extra := s/n - 1
		fmt.Fprintf(w, "\nTarget: our components add at most 15%% CPU per span: %+.0f%%, %s.\n",
			100*extra, verdict(extra, 0.15, true))
	}
}

func stepMetricsTable(w io.Writer, r *result) {
	const b = "BenchmarkStepMetrics/"
	fmt.Fprintf(w, "## Step metrics connector against spanmetrics\n\n"+
		"The same annotated batch (every fixture after the step processor), in the\n"+
		"`bench/` module: ConsumeTraces of contrib's spanmetricsconnector v0.165.1\n"+
		"and of step_metrics, both with their default config. cold: a new\n"+
		"connector per iteration (every series and step new); warm: one connector\n"+
		"fed the batch again (series exist; step_metrics remembers every step).\n"+
		"cpu-ns/span is the process's CPU time while the body ran, less disturbed\n"+
		"than wall time on a loaded machine. spanmetrics counts spans and\n"+
		"durations; step_metrics emits five metrics per step.\n\n")
	command(w, r)
	fmt.Fprintf(w, "| row | ns/span | cpu-ns/span | B/span | allocs/span | cpu × spanmetrics |\n|---|---|---|---|---|---|\n")
	for _, row := range []struct{ name, base string }{
		{"floor_read", ""},
		{"spanmetrics/cold", ""},
		{"step_metrics/cold", "spanmetrics/cold"},
		{"spanmetrics/warm", ""},
		{"step_metrics/warm", "spanmetrics/warm"},
	} {
		ns, ok := r.median(b+row.name, "ns/span")
		cpu, okc := r.median(b+row.name, "cpu-ns/span")
		by, _ := r.median(b+row.name, "B/span")
		al, _ := r.median(b+row.name, "allocs/span")
		ratio := ""
		if row.base != "" {
			base, okb := r.median(b+row.base, "cpu-ns/span")
			if okb && okc {
				ratio = fmt.Sprintf("%.2f (%s)", cpu/base, verdict(cpu/base, 1, true))
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.0f | %.2f | %s |\n", row.name, num(ns, ok, "%.0f"), num(cpu, okc, "%.0f"), by, al, ratio)
	}
	fmt.Fprintf(w, "\nTarget: step_metrics costs at most what spanmetrics costs per span.\n\n")
}
