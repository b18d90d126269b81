// Command benchreport turns the outputs that bench/run.sh collects into
// BENCHMARKS.md: medians of every -count run, ratios between rows of the
// same run, the targets of each table, the machine and the commands.
//
// Usage: go run ./benchreport DIR COMMIT > ../BENCHMARKS.md
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchreport DIR COMMIT")
		os.Exit(2)
	}
	if err := report(os.Stdout, os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func report(w io.Writer, dir, commit string) error {
	files := map[string]*result{}
	for _, name := range []string{"processor", "pricing", "traffic", "outputlen", "ottl", "stepmetrics", "sqlite", "postgres", "e2e"} {
		r, err := readResult(dir, name+".txt")
		if err != nil {
			if (name == "postgres" || name == "outputlen") && os.IsNotExist(err) {
				continue // reported as not measured
			}
			return err
		}
		files[name] = r
	}
	fmt.Fprintf(w, "# Benchmarks\n\n")
	fmt.Fprintf(w, "Written by `make bench` (bench/run.sh); do not edit by hand. Every figure is\n"+
		"the median of the runs of one command, and every ratio compares rows of\n"+
		"the same command, run minutes apart on the same machine. Absolute times\n"+
		"on a shared machine are noisy; the ratios are what to read.\n\n")
	fmt.Fprintf(w, "- date: %s\n- machine: %d cores, %s\n- %s, commit %s\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), cpuModel(), runtime.Version(), commit)
	processorTable(w, files["processor"])
	pricingTable(w, files["pricing"])
	trafficTable(w, files["traffic"])
	outputLengthTable(w, files["outputlen"])
	ottlTable(w, files["ottl"])
	stepMetricsTable(w, files["stepmetrics"])
	storeTable(w, "SQLite", "BenchmarkSQLiteUpsert", files["sqlite"])
	storeTable(w, "PostgreSQL", "BenchmarkPostgresUpsert", files["postgres"])
	e2eTable(w, files["e2e"])
	return nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func command(w io.Writer, r *result) {
	fmt.Fprintf(w, "Command:\n\n```\n%s\n```\n\n", r.command)
}

// verdict says whether got meets a target of at most (or at least) limit.
func verdict(got, limit float64, atMost bool) string {
	if (atMost && got <= limit) || (!atMost && got >= limit) {
		return "met"
	}
	return "**missed**"
}

func num(v float64, ok bool, format string) string {
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf(format, v)
}
