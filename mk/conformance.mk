# Conformance against real instrumentation libraries (conformance/README.md):
# npm ci installs the pinned libraries, then the runner drives each one
# against a fake model server and checks the steps the built collector stores.

.PHONY: conformance

conformance: build steps
	bash scripts/node.sh
	cd conformance && npm ci --no-audit --no-fund --loglevel=error
	@# Libraries whose dependencies conflict with the main tree have their own.
	for d in conformance/isolated/*/; do (cd $$d && npm ci --no-audit --no-fund --loglevel=error) || exit 1; done
	node conformance/run.mjs

TEST_TARGETS += conformance
