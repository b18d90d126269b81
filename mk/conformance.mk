# Conformance against real instrumentation libraries (conformance/README.md):
# npm ci installs the pinned libraries, then the runner drives each one
# against a fake model server and checks the steps the built collector stores.

.PHONY: conformance

conformance: build steps
	bash scripts/node.sh
	cd conformance && npm ci --no-audit --no-fund --loglevel=error
	node conformance/run.mjs

TEST_TARGETS += conformance
