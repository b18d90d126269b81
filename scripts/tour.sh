#!/usr/bin/env bash
# tour.sh: runs the README's "Quick tour" as a newcomer would, and checks
# that the steps show up within the processor's wait plus a few seconds.
#
# The commands are read from the README itself (the ```sh blocks under
# "## Quick tour"), so the test and the text cannot drift apart: the first
# block starts the collector, each line of the second runs in turn. They run
# in a copy of the work tree with the built binaries, so the tour's
# ./steps.db never mixes with one of your own. The tour's fixed ports
# (4317, 4318, 13133, 8888, 9464, and 8283 for steps serve) must be free.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# The processor's wait in config.yaml plus the batch timeout, and then the
# "few seconds" a person gives a command; generous for a loaded machine.
appear_within="${TOUR_APPEAR_WITHIN:-30}"

die() { echo "tour: $*" >&2; exit 1; }

for port in 4317 4318 13133 8888 9464 8283; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		die "port $port is in use; the quick tour's collector needs it (is a 'make run' still running?)"
	fi
done

blocks="$(awk '
	/^## Quick tour/ { in_tour = 1; next }
	/^## / { in_tour = 0 }
	in_tour && /^```sh/ { n++; in_block = 1; next }
	in_tour && /^```/ { in_block = 0; next }
	in_tour && in_block && n <= 2 { print n "\t" $0 }
' "$root/README.md")"
start_cmd="$(awk -F'\t' '$1 == 1 { print $2 }' <<<"$blocks")"
mapfile -t tour_cmds < <(awk -F'\t' '$1 == 2 { sub(/[[:space:]]+#.*$/, "", $2); print $2 }' <<<"$blocks")
[ -n "$start_cmd" ] && [ "${#tour_cmds[@]}" -gt 0 ] || die "README.md has no Quick tour with two sh blocks"

work="$(mktemp -d)"
collector_pid=""
cleanup() {
	if [ -n "$collector_pid" ]; then
		kill -TERM -- "-$collector_pid" 2>/dev/null || true
		wait "$collector_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# The tracked files, then the build, touched so that make sees it current.
(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$work")
[ -x "$root/_build/otelcol-steps" ] && [ -x "$root/_build/steps" ] || die "run make build steps first"
mkdir -p "$work/_build"
cp -p "$root/_build/otelcol-steps" "$root/_build/steps" "$work/_build/"
cp -a "$root/.tools" "$work/.tools"
find "$work/.tools" -type f -exec touch {} +
touch "$work/_build/otelcol-steps" "$work/_build/steps"
cd "$work"

echo "tour: $start_cmd"
setsid bash -c "$start_cmd" >"$work/run.log" 2>&1 &
collector_pid=$!
for _ in $(seq 1 600); do
	curl -fsS http://127.0.0.1:13133/ >/dev/null 2>&1 && break
	kill -0 "$collector_pid" 2>/dev/null || { cat "$work/run.log"; die "'$start_cmd' exited"; }
	sleep 0.2
done
curl -fsS http://127.0.0.1:13133/ >/dev/null || { cat "$work/run.log"; die "the collector was not healthy within 120s"; }

want="$(_build/steps convert testdata/*/*.otlp.json | wc -l)"
replayed_ms=""
for cmd in "${tour_cmds[@]}"; do
	[ -n "$cmd" ] || continue
	echo "tour: $cmd"
	case "$cmd" in
	*" replay "*)
		bash -c "$cmd"
		replayed_ms=$(($(date +%s%N) / 1000000))
		;;
	*" list "*--follow*)
		out="$(timeout 10 bash -c "$cmd" 2>/dev/null || true)"
		rows=$(($(grep -c '^step-' <<<"$out" || true)))
		[ "$rows" -ge 1 ] || die "'$cmd' printed no step in 10s:\n$out"
		echo "tour: --follow printed $rows steps"
		;;
	*" list "*)
		[ -n "$replayed_ms" ] || die "the tour lists before it replays"
		deadline=$(($(date +%s) + appear_within))
		while :; do
			out="$(bash -c "$cmd" 2>&1)"
			if grep -q -e '^step-' -e '"id":"step-' <<<"$out"; then break; fi
			[ "$(date +%s)" -lt "$deadline" ] || die "'$cmd' showed no step within ${appear_within}s of the replay:\n$out"
			sleep 0.2
		done
		after_ms=$(($(date +%s%N) / 1000000 - replayed_ms))
		echo "tour: steps appeared $((after_ms / 1000)).$(printf '%03d' $((after_ms % 1000)))s after the replay"
		;;
	*)
		bash -c "$cmd"
		;;
	esac
done

# Every replayed step is stored, however many the tour's list printed.
deadline=$(($(date +%s) + appear_within))
while :; do
	got="$(_build/steps list --sqlite steps.db --json --limit 100000 2>/dev/null | wc -l)"
	[ "$got" -ge "$want" ] && break
	[ "$(date +%s)" -lt "$deadline" ] || die "$got of $want steps stored within ${appear_within}s"
	sleep 0.5
done
[ "$got" -eq "$want" ] || die "$got steps stored, but steps convert gives $want"
echo "tour: all $want steps of the quick tour are stored, as steps convert gives them"

# make run serves the same store: Letta's API answers with every step.
served="$(curl -fsS "http://127.0.0.1:8283/v1/steps/?limit=1000" | grep -o '"id":"' | wc -l)"
[ "$served" -eq "$want" ] || die "steps serve at 127.0.0.1:8283 answered $served steps, the store holds $want"
echo "tour: steps serve at http://127.0.0.1:8283/ answers with all $want steps"
