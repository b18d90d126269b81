#!/usr/bin/env bash
# Makes sure Debian's chromium is there for the steps page's browser test,
# installing it (as root) when missing, as scripts/pg.sh does for
# PostgreSQL. Prints the binary's path last.
set -euo pipefail

for bin in chromium chromium-browser; do
	if command -v "$bin" >/dev/null 2>&1; then
		echo "chromium.sh: $("$bin" --version 2>/dev/null || echo "$bin")" >&2
		command -v "$bin"
		exit 0
	fi
done
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "chromium.sh: the browser test needs Debian's chromium; install it (apt-get install chromium)" >&2
	exit 1
fi
echo "chromium.sh: installing Debian's chromium" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
echo "chromium.sh: $(chromium --version)" >&2
command -v chromium
