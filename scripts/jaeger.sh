#!/usr/bin/env bash
# jaeger.sh path|build|run: a local Jaeger v2 for the tests and for `make run`.
#
# Jaeger is built once per machine from the Go module proxy and cached
# outside the repository, in ${XDG_CACHE_HOME:-$HOME/.cache}/agentsteps/.
# `go install github.com/jaegertracing/jaeger/cmd/jaeger@...` is refused
# because Jaeger's go.mod has a replace directive, so the module is
# downloaded and built in place. The first build takes about ten minutes on
# two cores.
#
#   scripts/jaeger.sh path   # print the binary's path, building it if missing
#   scripts/jaeger.sh build  # the same, without printing
#   scripts/jaeger.sh run    # start Jaeger in the foreground with scripts/jaeger.yaml
#
# `run` listens on 127.0.0.1 only, keeps traces in memory, and takes its
# ports from JAEGER_ENDPOINT (OTLP gRPC in, default 127.0.0.1:14317, the
# value `make run` sends to), JAEGER_QUERY_ENDPOINT (UI and HTTP API,
# default 127.0.0.1:16686, where config.yaml's trace_url points),
# JAEGER_QUERY_GRPC_ENDPOINT (default 127.0.0.1:16685) and
# JAEGER_HEALTH_ENDPOINT (default 127.0.0.1:14133).
set -euo pipefail

version="v1.76.0"
module="github.com/jaegertracing/jaeger"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/agentsteps"
bin="$cache/jaeger-$version"
here="$(cd "$(dirname "$0")" && pwd)"

die() { echo "jaeger.sh: $*" >&2; exit 1; }
say() { echo "jaeger.sh: $*" >&2; }

# build compiles Jaeger into a temporary name and renames it, so that an
# interrupted build never leaves a binary that looks finished. A lock keeps
# two test runs from building it twice at once.
build() {
	[ -x "$bin" ] && return 0
	command -v go >/dev/null 2>&1 || die "go is not on PATH; Jaeger is built from source with it"
	mkdir -p "$cache"
	exec 8>"$cache/jaeger-$version.lock"
	if command -v flock >/dev/null 2>&1; then
		flock -w 1800 8 || die "another build has held $cache/jaeger-$version.lock for 30 minutes"
	fi
	[ -x "$bin" ] && return 0
	say "building Jaeger $version into $bin (once per machine; about ten minutes on two cores)"
	local src tmp start
	start=$SECONDS
	# From the cache dir, outside any module, so that no go.sum is touched.
	(cd "$cache" && GOFLAGS= go mod download "$module@$version") || die "go mod download $module@$version failed"
	src="$(go env GOMODCACHE)/$module@$version"
	[ -d "$src/cmd/jaeger" ] || die "$src/cmd/jaeger is missing after go mod download"
	tmp="$(mktemp "$cache/.jaeger-$version.XXXXXX")"
	trap 'rm -f "$tmp"' EXIT
	# The module cache is read-only; go build writes only to -o and GOCACHE.
	(cd "$src" && GOFLAGS=-buildvcs=false go build -trimpath -o "$tmp" ./cmd/jaeger) || die "go build ./cmd/jaeger in $src failed"
	chmod 755 "$tmp"
	mv -f "$tmp" "$bin"
	trap - EXIT
	say "built $bin in $((SECONDS - start))s"
}

case "${1:-}" in
path)
	build
	echo "$bin"
	;;
build) build ;;
run)
	build
	say "OTLP gRPC in on ${JAEGER_ENDPOINT:-127.0.0.1:14317}, UI on http://${JAEGER_QUERY_ENDPOINT:-127.0.0.1:16686}"
	exec "$bin" --config "$here/jaeger.yaml"
	;;
*) die "usage: scripts/jaeger.sh path|build|run (Jaeger $version, cached in $cache)" ;;
esac
