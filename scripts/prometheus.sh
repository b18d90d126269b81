#!/usr/bin/env bash
# prometheus.sh path|start|stop|status: a throwaway Prometheus for tests.
#
# It listens on 127.0.0.1 only, on AGENTSTEPS_PROM_PORT (default 29090),
# scrapes AGENTSTEPS_PROM_TARGET (host:port of a /metrics endpoint) every
# second, and keeps its config, data and log in /tmp/agentsteps-prom-$port
# (outside the repo), which `stop` removes. When no prometheus binary is
# found it installs Debian's `prometheus` package with apt-get, without
# letting the package start its own service.
#
#   scripts/prometheus.sh path    # install if missing, print the binary
#   AGENTSTEPS_PROM_TARGET=127.0.0.1:9464 scripts/prometheus.sh start
#   scripts/prometheus.sh stop    # stop it and remove its dir
set -euo pipefail

port="${AGENTSTEPS_PROM_PORT:-29090}"
dir="${AGENTSTEPS_PROM_DIR:-/tmp/agentsteps-prom-$port}"

die() { echo "prometheus.sh: $*" >&2; exit 1; }
say() { echo "prometheus.sh: $*" >&2; }

case "$port" in '' | *[!0-9]*) die "AGENTSTEPS_PROM_PORT must be a port number (got '$port')" ;; esac

find_bin() {
	if [ -n "${PROMETHEUS_BIN:-}" ] && [ -x "$PROMETHEUS_BIN" ]; then
		echo "$PROMETHEUS_BIN"
		return 0
	fi
	command -v prometheus 2>/dev/null || { [ -x /usr/bin/prometheus ] && echo /usr/bin/prometheus; }
}

# install installs Debian's package; policy-rc.d keeps its maintainer
# scripts from starting the distribution's service, which would outlive us.
install() {
	[ "$(id -u)" = 0 ] || die "no prometheus binary found; install Debian's prometheus package (apt-get install -y prometheus) or run this script as root"
	command -v apt-get >/dev/null 2>&1 || die "no prometheus binary and no apt-get to install it; set PROMETHEUS_BIN"
	local policy=/usr/sbin/policy-rc.d made_policy=""
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
	fi
	say "installing prometheus from Debian's packages"
	export DEBIAN_FRONTEND=noninteractive
	local ok=""
	if apt-get update -q >&2 && apt-get install -y -q --no-install-recommends prometheus >&2; then ok=1; fi
	[ -n "$made_policy" ] && rm -f "$policy"
	[ -n "$ok" ] || die "apt-get could not install prometheus; see the output above"
}

path() {
	local bin
	if ! bin="$(find_bin)"; then
		install
		bin="$(find_bin)" || die "prometheus was installed but no binary was found"
	fi
	echo "$bin"
}

pid() { [ -f "$dir/pid" ] && cat "$dir/pid"; }

running() {
	local p
	p="$(pid)" || return 1
	kill -0 "$p" 2>/dev/null
}

start() {
	local bin target="${AGENTSTEPS_PROM_TARGET:-}"
	[ -n "$target" ] || die "set AGENTSTEPS_PROM_TARGET to the host:port to scrape"
	bin="$(path)"
	if running; then
		die "already running on 127.0.0.1:$port (pid $(pid)); stop it first"
	fi
	rm -rf "$dir"
	mkdir -p "$dir/data"
	cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: otelcol-steps
    static_configs:
      - targets: ['$target']
EOF
	# setsid: our own process group, so that stop ends it and nothing else.
	setsid "$bin" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=1h \
		>"$dir/server.log" 2>&1 </dev/null &
	echo $! >"$dir/pid"
	local i
	for i in $(seq 1 120); do
		if curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
			say "started on 127.0.0.1:$port, scraping $target (dir $dir)"
			return 0
		fi
		running || { tail -n 20 "$dir/server.log" >&2; die "prometheus exited at start; log: $dir/server.log"; }
		sleep 0.5
	done
	tail -n 20 "$dir/server.log" >&2
	die "prometheus was not ready on 127.0.0.1:$port within 60s; log: $dir/server.log"
}

stop() {
	if running; then
		local p
		p="$(pid)"
		kill "$p"
		local i
		for i in $(seq 1 60); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.5
		done
		kill -0 "$p" 2>/dev/null && kill -9 "$p"
		say "stopped"
	else
		say "not running on port $port"
	fi
	rm -rf "$dir"
}

case "${1:-}" in
path) path ;;
start) start ;;
stop) stop ;;
status)
	if running; then echo running; else
		echo stopped
		exit 3
	fi
	;;
*) die "usage: scripts/prometheus.sh path|start|stop|status (port ${port}, from AGENTSTEPS_PROM_PORT)" ;;
esac
