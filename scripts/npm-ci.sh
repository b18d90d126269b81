#!/usr/bin/env bash
# npm-ci.sh DIR...: `npm ci` in each DIR, unless its node_modules was
# installed by this script from the same package.json, package-lock.json
# and Node.js version. npm ci always deletes and reinstalls node_modules,
# which took most of a warm `make conformance` (about seven minutes for the
# three trees here); the stamp makes a warm run skip it, and any change to
# the pins or to Node reinstalls from scratch as npm ci would.
set -euo pipefail

for dir in "$@"; do
	[ -f "$dir/package-lock.json" ] || { echo "npm-ci.sh: $dir has no package-lock.json" >&2; exit 1; }
	stamp="$dir/node_modules/.agentsteps-npm-ci"
	want="$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1) $(node --version)"
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		echo "npm-ci.sh: $dir/node_modules is current"
		continue
	fi
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	echo "$want" >"$stamp"
done
