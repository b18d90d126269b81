# Conformance against real instrumentation libraries (conformance/README.md).
#
#   make conformance          # both suites below
#   make conformance-js       # npm: the pinned libraries, each driven against
#                             # a fake model server; the steps the built
#                             # collector stores are held to its log
#   make conformance-python   # PyPI: the same, each group of libraries in its
#                             # virtualenv under $XDG_CACHE_HOME/agentsteps
#                             # (conformance/python/venv.sh), built once per
#                             # set of pins
#
# make test runs the two as separate suites, so that each one's time shows.

.PHONY: conformance conformance-js conformance-python

conformance: conformance-js conformance-python

conformance-js: build steps
	bash scripts/node.sh
	@# npm ci, skipped while node_modules was installed from the same pins;
	@# libraries whose dependencies conflict with the main tree have their own.
	bash scripts/npm-ci.sh conformance conformance/isolated/*/
	node conformance/run.mjs

conformance-python: build steps
	bash scripts/node.sh
	bash conformance/python/venv.sh install
	node conformance/run.mjs --python

TEST_TARGETS += conformance-js conformance-python
