#!/usr/bin/env bash
# Makes sure Node.js and npm are there for the conformance suite. The
# project's machines ship Node 20; where they are missing, Debian's packages
# are installed (as root), as scripts/pg.sh does for PostgreSQL.
set -euo pipefail

if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	echo "node.sh: node $(node --version), npm $(npm --version)"
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "node.sh: Node.js and npm are needed for make conformance; install Node 20 or later" >&2
	exit 1
fi
echo "node.sh: installing Debian's nodejs and npm"
DEBIAN_FRONTEND=noninteractive apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
echo "node.sh: node $(node --version), npm $(npm --version)"
