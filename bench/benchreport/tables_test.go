package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// interleavedRun is one line of BenchmarkInterleavedStepMetrics's output
// with the given step_metrics / spanmetrics ratios (cold and warm, the
// same for thread and process CPU) and step_metrics' cold thread CPU.
func interleavedRun(cold, warm, stepCold string) string {
	return "BenchmarkInterleavedStepMetrics-2   \t      60\t  71622830 ns/op" +
		"\t 430.0 floor_read-thread-cpu-ns/span\t 440.0 floor_read-cpu-ns/span\t 450.0 floor_read-ns/span\t 0 floor_read-B/span\t 0 floor_read-allocs/span" +
		"\t 800.0 spanmetrics/cold-thread-cpu-ns/span\t 810.0 spanmetrics/cold-cpu-ns/span\t 820.0 spanmetrics/cold-ns/span\t 190.5 spanmetrics/cold-B/span\t 3.32 spanmetrics/cold-allocs/span" +
		"\t 780.0 spanmetrics/warm-thread-cpu-ns/span\t 790.0 spanmetrics/warm-cpu-ns/span\t 800.0 spanmetrics/warm-ns/span\t 173.6 spanmetrics/warm-B/span\t 3.01 spanmetrics/warm-allocs/span" +
		"\t " + stepCold + " step_metrics/cold-thread-cpu-ns/span\t 690.0 step_metrics/cold-cpu-ns/span\t 700.0 step_metrics/cold-ns/span\t 165.5 step_metrics/cold-B/span\t 0.49 step_metrics/cold-allocs/span" +
		"\t 600.0 step_metrics/warm-thread-cpu-ns/span\t 610.0 step_metrics/warm-cpu-ns/span\t 620.0 step_metrics/warm-ns/span\t 2.9 step_metrics/warm-B/span\t 0.05 step_metrics/warm-allocs/span" +
		"\t " + cold + " step/spanmetrics-cold-thread-cpu\t " + cold + " step/spanmetrics-cold-cpu" +
		"\t " + warm + " step/spanmetrics-warm-thread-cpu\t " + warm + " step/spanmetrics-warm-cpu\n"
}

// renderReport writes the benchmark output lines under their command
// into file, as bench/run.sh does, reads it back and renders it with table.
func renderReport(t *testing.T, file, cmd string, table func(io.Writer, *result), lines ...string) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte("# command: "+cmd+"\n"+strings.Join(lines, "")), 0o600))
	r, err := readResult(dir, file)
	require.NoError(t, err)
	var b strings.Builder
	table(&b, r)
	return b.String()
}

func stepMetricsReport(t *testing.T, lines ...string) string {
	return renderReport(t, "stepmetrics.txt",
		"cd bench && go test ./stepmetrics -run '^$' -bench BenchmarkInterleavedStepMetrics -benchtime 60x -count 3",
		stepMetricsTable, lines...)
}

// TestStepMetricsTableGivesMediansOfTheInterleavedRuns: each row is the
// median over the runs, each ratio the median with every run's value, and
// the verdict is judged on the medians.
func TestStepMetricsTableGivesMediansOfTheInterleavedRuns(t *testing.T) {
	out := stepMetricsReport(t,
		interleavedRun("0.84", "0.80", "670.0"),
		interleavedRun("0.90", "0.78", "680.0"),
		interleavedRun("0.83", "0.81", "720.0"))
	require.Contains(t, out, "BenchmarkInterleavedStepMetrics -benchtime 60x -count 3")
	require.Contains(t, out, "| step_metrics/cold | 680 | 690 | 700 | 165.5 | 0.49 | 0.84 (0.84, 0.90, 0.83) | 0.84 (0.84, 0.90, 0.83) |")
	require.Contains(t, out, "| step_metrics/warm | 600 | 610 | 620 | 2.9 | 0.05 | 0.80 (0.80, 0.78, 0.81) |")
	require.Contains(t, out, "| floor_read | 430 | 440 | 450 | 0.0 | 0.00 |  |  |")
	require.Contains(t, out, "cold 0.84 × thread, 0.84 × process, met; warm 0.80 × thread, 0.80 × process, met; highest of any run: 0.90.")
}

// TestStepMetricsTableSaysMissed: a median ratio above 1 is missed.
func TestStepMetricsTableSaysMissed(t *testing.T) {
	out := stepMetricsReport(t, interleavedRun("1.02", "0.95", "820.0"))
	require.Contains(t, out, "cold 1.02 × thread, 1.02 × process, **missed**; warm 0.95 × thread, 0.95 × process, met")
}

// pricingRun is one line of BenchmarkPricingOverhead's output with the
// given thread-CPU ratio over all rounds.
func pricingRun(cpu string) string {
	return "BenchmarkPricingOverhead-2   \t     150\t 106430589 ns/op\t 1.080 cpu-priced/unpriced-median" +
		"\t " + cpu + " cpu-priced/unpriced\t 245.5 cpu-pricing-ns/span\t 3084 cpu-unpriced-ns/span" +
		"\t 3279 priced-ns/span\t 1.114 priced/unpriced\t 2944 unpriced-ns/span\n"
}

func pricingReport(t *testing.T, lines ...string) string {
	return renderReport(t, "pricing.txt",
		"go test ./stepprocessor -run '^$' -bench BenchmarkPricingOverhead -benchtime 150x -count 3",
		pricingTable, lines...)
}

// TestPricingTableJudgesTheMedianRun: the verdict on issue 11's 5 % takes
// the median of the runs' thread-CPU ratios, and every run is shown.
func TestPricingTableJudgesTheMedianRun(t *testing.T) {
	out := pricingReport(t, pricingRun("1.031"), pricingRun("1.072"), pricingRun("1.044"))
	require.Contains(t, out, "| thread CPU, all rounds | 1.044 | 1.031, 1.072, 1.044 |")
	require.Contains(t, out, "pricing adds at most 5 %, thread CPU: × 1.044, met.")

	out = pricingReport(t, pricingRun("1.061"), pricingRun("1.049"), pricingRun("1.052"))
	require.Contains(t, out, "× 1.052, **missed**.")
}

// TestTrafficCPUTableGivesEachRatioWithItsRuns: the thread-CPU rows of
// the traffic command, one line per AI share, each ratio the median of the
// runs with every run's value.
func TestTrafficCPUTableGivesEachRatioWithItsRuns(t *testing.T) {
	run := func(share, keys, statelessKeys string) string {
		return "BenchmarkTrafficCPU/ai=" + share + "-2   \t      20\t  124749641 ns/op" +
			"\t 1.333 buffered/stateless\t 1.70 stateless/floor_read\t 1.74 stateless/floor_read_write" +
			"\t " + keys + " floor_read_keys/floor_read\t " + statelessKeys + " stateless/floor_read_keys\n"
	}
	out := renderReport(t, "traffic.txt",
		"go test ./stepprocessor -run '^$' -bench BenchmarkTraffic -benchtime 20x -count 3", trafficCPUTable,
		run("10", "1.20", "3.80"), run("0", "1.29", "1.31"),
		run("10", "1.27", "4.05"), run("0", "1.24", "1.30"),
		run("10", "1.22", "3.90"), run("0", "1.26", "1.33"))
	require.Contains(t, out, "| 0 % | 1.70 (1.70, 1.70, 1.70) | 1.74 (1.74, 1.74, 1.74) | 1.33 (1.33, 1.33, 1.33) | 1.26 (1.29, 1.24, 1.26) | 1.31 (1.31, 1.30, 1.33) |")
	require.Contains(t, out, "| 10 % | 1.70 (1.70, 1.70, 1.70) | 1.74 (1.74, 1.74, 1.74) | 1.33 (1.33, 1.33, 1.33) | 1.22 (1.20, 1.27, 1.22) | 3.90 (3.80, 4.05, 3.90) |")
}

// TestOutputLengthTableComparesEachLengthWithTheFixture: per answer length,
// the processor against the read floor and against the fixture's own size.
func TestOutputLengthTableComparesEachLengthWithTheFixture(t *testing.T) {
	row := func(name, ns string) string {
		return "BenchmarkOutputLength/" + name + "-2   \t     100\t  1000 ns/op\t 100.0 B/span\t 20.76 allocs/span\t 5000 cpu-ns/span\t " + ns + " ns/span\n"
	}
	out := renderReport(t, "outputlen.txt",
		"go test ./stepprocessor -run '^$' -bench BenchmarkOutputLength -benchtime 100x -count 3", outputLengthTable,
		row("fixture/floor_read", "100"), row("fixture/stateless", "4000"),
		row("16KiB/floor_read", "100"), row("16KiB/stateless", "6000"))
	require.Contains(t, out, "| as in the fixture | 100 | 4000 | 100 | 40.00 | 1.00 |")
	require.Contains(t, out, "| 16 KiB | 100 | 6000 | 100 | 60.00 | 1.50 |")
	require.Contains(t, out, "| 4 KiB | n/a | n/a | 0 | n/a | n/a |")
}
