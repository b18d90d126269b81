#!/usr/bin/env bash
# suites.sh TARGET...: runs each make target in turn, as `make test` does,
# and prints each one's wall time at the end, whether the run passed or not.
# It stops at the first target that fails (as make would), and exits with
# that target's status. The times go to stdout as a table and, when
# AGENTSTEPS_SUITE_TIMES names a file, are appended to it as "target seconds".
# Each target's output is also kept in $AGENTSTEPS_SUITE_LOGS (default
# ${TMPDIR:-/tmp}/agentsteps-suites, outside the clone, so it outlives a CI
# checkout), and a failed target's test failures (testify's Error blocks,
# --- FAIL lines, panics, the scale test's SCALE lines) are printed again
# after the table: a CI that shows only the end of the output still shows
# why, above the collectors' logs that a failed e2e test prints.
#
#   bash scripts/suites.sh unit e2e conformance
set -uo pipefail

make_cmd="${MAKE:-make}"
logs="${AGENTSTEPS_SUITE_LOGS:-${TMPDIR:-/tmp}/agentsteps-suites}"
mkdir -p "$logs"
names=()
secs=()
status=0
failed=""

report() {
	local total=0 i
	echo
	echo "make test: wall time per suite"
	printf '  %-20s %8s\n' suite seconds
	for i in "${!names[@]}"; do
		printf '  %-20s %8s\n' "${names[$i]}" "${secs[$i]}"
		total=$((total + secs[i]))
		if [ -n "${AGENTSTEPS_SUITE_TIMES:-}" ]; then
			echo "${names[$i]} ${secs[$i]}" >>"$AGENTSTEPS_SUITE_TIMES"
		fi
	done
	printf '  %-20s %8s\n' total "$total"
	if [ -n "$failed" ]; then
		echo "make test: what failed in $failed (the whole output: $logs/$failed.log)"
		grep -E -e '--- FAIL|^FAIL|Error Trace:|Error:|Messages:|Test:|panic:|SCALE' "$logs/$failed.log" |
			head -n 80 | cut -c1-1200
		echo "make test: FAILED in $failed"
	fi
}
trap report EXIT

for target in "$@"; do
	echo ">> make $target"
	start=$(date +%s)
	"$make_cmd" --no-print-directory "$target" 2>&1 | tee "$logs/$target.log"
	status=${PIPESTATUS[0]}
	names+=("$target")
	secs+=($(($(date +%s) - start)))
	if [ "$status" -ne 0 ]; then
		failed="$target"
		exit "$status"
	fi
done
exit 0
