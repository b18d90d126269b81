#!/usr/bin/env bash
# run.sh: every benchmark of the repository, then BENCHMARKS.md from their
# outputs. Run from the top of the repository (make bench does). PostgreSQL
# comes from scripts/pg.sh (AGENTSTEPS_PG_PORT chooses its port); without
# it the PostgreSQL rows say not measured.
set -euo pipefail

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count=${BENCH_COUNT:-5}

# run NAME DIR COMMAND...: runs COMMAND in DIR, its output to NAME.txt
# after a line naming the command.
run() {
	local name=$1 dir=$2
	shift 2
	echo ">> $name: $*" >&2
	{ echo "# command: $(if [ "$dir" != . ]; then echo "cd $dir && "; fi)$*"; (cd "$dir" && "$@"); } >"$out/$name.txt"
}

run processor . go test ./stepprocessor -run '^$' -bench 'BenchmarkProcessor|BenchmarkBufferMemory' -benchtime 20x -count "$count"
# Pricing on and off alternate round by round on one batch (issue 11).
run pricing . go test ./stepprocessor -run '^$' -bench BenchmarkPricingOverhead -benchtime 150x -count 3
run traffic . go test ./stepprocessor -run '^$' -bench BenchmarkTraffic -benchtime 20x -count "$count"
# The answer's length inside the outputs the recognisers decode.
run outputlen . go test ./stepprocessor -run '^$' -bench BenchmarkOutputLength -benchtime 100x -count 3
run ottl bench go test ./ottl -run '^$' -bench BenchmarkOTTL -benchtime 20x -count "$count"
# Interleaved rounds (the rows alternate, so load hits both connectors
# alike); 3 runs of 60 rounds, each run's rows already medians (~5 min).
run stepmetrics bench go test ./stepmetrics -run '^$' -bench BenchmarkInterleavedStepMetrics -benchtime 60x -count 3
run sqlite . go test ./stepexporter/sqlitestore -run '^$' -bench SQLiteUpsert -benchtime 5x -count "$count"
if [ -n "${AGENTSTEPS_PG_DSN:-}" ]; then
	run postgres . go test ./stepexporter/pgstore -run '^$' -bench PostgresUpsert -benchtime 5x -count "$count"
fi
run e2e . bash bench/e2e/run.sh _build/otelcol-steps _build/steps

(cd bench && go run ./benchreport "$out" "$(git rev-parse --short HEAD)") >BENCHMARKS.md.new
mv BENCHMARKS.md.new BENCHMARKS.md
echo ">> wrote BENCHMARKS.md" >&2
