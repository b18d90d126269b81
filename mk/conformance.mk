# Conformance against real instrumentation libraries (conformance/README.md):
# npm ci installs the pinned libraries, then the runner drives each one
# against a fake model server and checks the steps the built collector stores.
# conformance-python does the same for the PyPI libraries, each group in its
# virtualenv under $XDG_CACHE_HOME/agentsteps (conformance/python/venv.sh),
# built once per set of pins.

.PHONY: conformance conformance-python

conformance: build steps
	bash scripts/node.sh
	@# npm ci, skipped while node_modules was installed from the same pins;
	@# libraries whose dependencies conflict with the main tree have their own.
	bash scripts/npm-ci.sh conformance conformance/isolated/*/
	node conformance/run.mjs

conformance-python: build steps
	bash scripts/node.sh
	bash conformance/python/venv.sh install
	node conformance/run.mjs --python

TEST_TARGETS += conformance
TEST_TARGETS += conformance-python
