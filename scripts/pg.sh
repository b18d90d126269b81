#!/usr/bin/env bash
# pg.sh start|stop|destroy|dsn|status: a throwaway PostgreSQL for tests.
#
# It listens on 127.0.0.1 only, on AGENTSTEPS_PG_PORT (default 25432: below
# Linux's ephemeral range, 32768-60999, so that no client connection of a
# busy test run can hold the port when the server starts), keeps
# its data and unix socket in /tmp/agentsteps-pg-$port (outside the repo),
# trusts loopback connections, and has a database named agentsteps. When no
# server binaries are found it installs Debian's postgresql-15 (or
# postgresql) with apt-get. As root the server runs as the postgres user.
#
#   scripts/pg.sh start      # idempotent: a running server is left alone
#   export AGENTSTEPS_PG_DSN="$(scripts/pg.sh dsn)"
#   scripts/pg.sh stop       # stop it, keep the data dir
#   scripts/pg.sh destroy    # stop it and remove the data dir
set -euo pipefail

port="${AGENTSTEPS_PG_PORT:-25432}"
db="${AGENTSTEPS_PG_DATABASE:-agentsteps}"
dir="${AGENTSTEPS_PG_DIR:-/tmp/agentsteps-pg-$port}"
data="$dir/data"
log="$dir/server.log"

die() { echo "pg.sh: $*" >&2; exit 1; }
say() { echo "pg.sh: $*" >&2; }

case "$port" in '' | *[!0-9]*) die "AGENTSTEPS_PG_PORT must be a port number (got '$port')" ;; esac
case "$db" in '' | *[!a-z0-9_]*) die "AGENTSTEPS_PG_DATABASE must be lowercase letters, digits and _ (got '$db')" ;; esac

# find_bindir prints the directory holding initdb and pg_ctl, newest
# version first; Debian keeps them off PATH under /usr/lib/postgresql.
find_bindir() {
	if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then
		echo "$PG_BINDIR"
		return 0
	fi
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
			echo "$d"
			return 0
		fi
	done
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(readlink -f "$(command -v initdb)")"
		return 0
	fi
	return 1
}

# install_server installs Debian's server package without letting its
# maintainer scripts start the distribution's default cluster: that server
# would outlive the tests.
install_server() {
	[ "$(id -u)" = 0 ] || die "no PostgreSQL server binaries found; install postgresql-15 (apt-get install -y postgresql-15) or run this script as root"
	command -v apt-get >/dev/null 2>&1 || die "no PostgreSQL server binaries found and no apt-get to install them; set PG_BINDIR to a directory holding initdb and pg_ctl"
	local policy=/usr/sbin/policy-rc.d made_policy=""
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
	fi
	say "installing PostgreSQL from Debian's packages"
	export DEBIAN_FRONTEND=noninteractive
	local ok=""
	if apt-get update -q >&2; then
		if apt-get install -y -q postgresql-15 >&2 || apt-get install -y -q postgresql >&2; then
			ok=1
		fi
	fi
	[ -n "$made_policy" ] && rm -f "$policy"
	[ -n "$ok" ] || die "apt-get could not install postgresql-15 or postgresql; see the output above"
}

# as_owner runs a command as the user that owns the cluster: postgres when
# we are root (initdb and postgres refuse to run as root), else ourselves.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		if command -v runuser >/dev/null 2>&1; then
			runuser -u postgres -- "$@"
		else
			su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
		fi
	else
		"$@"
	fi
}

dsn() {
	echo "postgres://postgres@127.0.0.1:$port/$db?sslmode=disable"
}

running() {
	[ -f "$data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

init_cluster() {
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "user postgres does not exist; install Debian's postgresql package, which creates it"
	fi
	# A data dir without PG_VERSION is a half-done initdb: start over.
	if [ -d "$data" ] && [ ! -f "$data/PG_VERSION" ]; then
		rm -rf "$data"
	fi
	mkdir -p "$dir"
	chmod 700 "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	if [ ! -f "$data/PG_VERSION" ]; then
		say "initdb into $data"
		as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
			die "initdb failed; see $dir/initdb.log"
		# Loopback only, socket in our own dir, and small enough for a
		# shared 2-core machine. fsync off: this data is thrown away.
		cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 100
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
	fi
}

start() {
	if ! bindir="$(find_bindir)"; then
		install_server
		bindir="$(find_bindir)" || die "PostgreSQL was installed but no initdb/pg_ctl were found under /usr/lib/postgresql/*/bin"
	fi
	init_cluster
	if running; then
		say "already running on 127.0.0.1:$port"
	else
		rm -f "$data/postmaster.pid"
		# 9>&-: the server must not inherit the lock, or it holds it forever.
		if ! as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null 9>&-; then
			tail -n 20 "$log" >&2 || true
			die "the server did not start on 127.0.0.1:$port (is the port taken? set AGENTSTEPS_PG_PORT); log: $log"
		fi
		say "started on 127.0.0.1:$port (data $data)"
	fi
	local exists
	exists="$(as_owner "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ||
		die "cannot query the server on 127.0.0.1:$port; log: $log"
	if [ "$exists" != 1 ]; then
		as_owner "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -qc "CREATE DATABASE $db" >&2 ||
			die "cannot create database $db"
	fi
}

stop() {
	if ! bindir="$(find_bindir)"; then
		say "no PostgreSQL binaries; nothing to stop"
		return 0
	fi
	if [ ! -f "$data/postmaster.pid" ]; then
		say "not running on port $port"
		return 0
	fi
	if running; then
		as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || die "pg_ctl stop failed; log: $log"
		say "stopped"
	else
		rm -f "$data/postmaster.pid"
		say "not running on port $port (removed a stale pid file)"
	fi
}

# lock serialises concurrent starts and stops of the same port.
lock() {
	exec 9>"/tmp/agentsteps-pg-$port.lock"
	if command -v flock >/dev/null 2>&1; then
		flock -w 120 9 || die "another pg.sh has held /tmp/agentsteps-pg-$port.lock for 120s"
	fi
}

case "${1:-}" in
start)
	lock
	start
	;;
stop)
	lock
	stop
	;;
destroy)
	lock
	stop
	rm -rf "$dir"
	;;
dsn) dsn ;;
status)
	bindir="$(find_bindir)" || die "no PostgreSQL binaries found"
	if running; then echo running; else
		echo stopped
		exit 3
	fi
	;;
*) die "usage: scripts/pg.sh start|stop|destroy|dsn|status (port ${port}, from AGENTSTEPS_PG_PORT)" ;;
esac
