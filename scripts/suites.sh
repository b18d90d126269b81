#!/usr/bin/env bash
# suites.sh TARGET...: runs each make target in turn, as `make test` does,
# and prints each one's wall time at the end, whether the run passed or not.
# It stops at the first target that fails (as make would), and exits with
# that target's status. The times go to stdout as a table and, when
# AGENTSTEPS_SUITE_TIMES names a file, are appended to it as "target seconds".
#
#   bash scripts/suites.sh unit e2e conformance
set -uo pipefail

make_cmd="${MAKE:-make}"
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
		echo "make test: FAILED in $failed"
	fi
}
trap report EXIT

for target in "$@"; do
	echo ">> make $target"
	start=$(date +%s)
	"$make_cmd" --no-print-directory "$target"
	status=$?
	names+=("$target")
	secs+=($(($(date +%s) - start)))
	if [ "$status" -ne 0 ]; then
		failed="$target"
		exit "$status"
	fi
done
exit 0
