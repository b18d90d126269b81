#!/usr/bin/env bash
# run.sh COLLECTOR STEPS: end-to-end cost of our components. For each
# workload and pipeline (nop: receiver, batch, nop exporter; step: receiver,
# step processor with its buffer, batch, step exporter to SQLite; stepnop:
# step's processor and batch with the nop exporter) it starts
# the collector, replays the workload over OTLP gRPC on loopback with
# `steps replay --repeat`, waits until the held traces are out, and reads
# the collector's CPU time (utime+stime) from /proc/<pid>/stat.
# Workloads: fixtures (every fixture, all AI) and ai10 (mixed traffic with
# 10 % of spans from AI fixture requests, from
# stepprocessor/internal/traffic: HTTP, database and messaging spans under
# eight services with 26 resource attributes each).
# Prints one line per workload and pipeline:
#   e2e <pipeline>[@ai10] spans=<n> cpu_s=<s> replay_s=<s>
set -euo pipefail

collector=$1 steps=$2
here=$(cd "$(dirname "$0")" && pwd)
repeat=${BENCH_E2E_REPEAT:-1000}
# ai10 replays 20,000 spans per copy.
traffic_repeat=${BENCH_E2E_TRAFFIC_REPEAT:-10}
rounds=${BENCH_E2E_ROUNDS:-3}
export BENCH_OTLP_PORT=${BENCH_OTLP_PORT:-14317}
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

fixtures=$(ls "$here"/../../testdata/*/*.otlp.json)
(cd "$here/../.." && go run ./stepprocessor/internal/traffic/gentraffic -ai 10 -spans 20000 \
	-o "$tmp/ai10.otlp.jsonl" testdata/*/*.otlp.json)
ticks=$(getconf CLK_TCK)

# cpu_ticks prints utime+stime of a process, in clock ticks. The command
# name in field 2 may hold spaces, so fields are counted after its ')'.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$BENCH_OTLP_PORT") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "run.sh: the collector did not listen on $BENCH_OTLP_PORT" >&2
	return 1
}

for round in $(seq "$rounds"); do
	for run in nop step stepnop nop@ai10 step@ai10 stepnop@ai10; do
		pipeline=${run%@*}
		files=$fixtures n=$repeat warm=5
		if [ "$run" != "$pipeline" ]; then files=$tmp/ai10.otlp.jsonl n=$traffic_repeat warm=1; fi
		export BENCH_SQLITE_PATH="$tmp/steps-$round-${run#*@}.db"
		"$collector" --config "$here/$pipeline.yaml" >"$tmp/$pipeline.log" 2>&1 &
		pid=$!
		wait_port
		# Warm up (connections, the first allocations), then measure.
		"$steps" replay --endpoint "127.0.0.1:$BENCH_OTLP_PORT" --repeat "$warm" $files >/dev/null
		sleep 2.5
		t0=$(cpu_ticks "$pid") w0=$(date +%s.%N)
		out=$("$steps" replay --endpoint "127.0.0.1:$BENCH_OTLP_PORT" --repeat "$n" $files)
		w1=$(date +%s.%N)
		# The step pipeline holds a trace for wait (1s), then batch (1s):
		# give both pipelines the same time to drain.
		sleep 2.5
		t1=$(cpu_ticks "$pid")
		kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
		spans=$(sed -n 's/.*requests (\([0-9]*\) spans).*/\1/p' <<<"$out")
		awk -v p="$run" -v n="$spans" -v c="$((t1 - t0))" -v hz="$ticks" -v w0="$w0" -v w1="$w1" \
			'BEGIN { printf "e2e %s spans=%d cpu_s=%.2f replay_s=%.2f\n", p, n, c / hz, w1 - w0 }'
	done
done
