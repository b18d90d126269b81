# Steps and traces in a real Jaeger v2: the record -> trace and span -> row
# links, end to end (e2e/jaeger_*_test.go, build tags e2e and jaeger).
#
#   make jaeger-e2e   # the test; starts PostgreSQL itself unless AGENTSTEPS_PG_DSN is set
#   make jaeger       # a local Jaeger for `JAEGER_ENDPOINT=127.0.0.1:14317 make run`
#
# scripts/jaeger.sh builds Jaeger once per machine (about ten minutes on two
# cores) into ${XDG_CACHE_HOME:-$HOME/.cache}/agentsteps/.

JAEGER_TEST_TAGS := e2e jaeger

.PHONY: jaeger-e2e jaeger

TEST_TARGETS += jaeger-e2e

# Vet first: the default vet target does not see the jaeger build tag.
# PostgreSQL is started only when no DSN is given, and then stopped however
# the test ends, unless it was already running.
jaeger-e2e: build
	$(GO) vet -tags '$(JAEGER_TEST_TAGS)' ./e2e/
	jaeger_bin="$$(bash scripts/jaeger.sh path)"; \
	if [ -z "$${AGENTSTEPS_PG_DSN:-}" ]; then \
		if ! bash scripts/pg.sh status >/dev/null 2>&1; then trap 'bash scripts/pg.sh stop' EXIT; fi; \
		bash scripts/pg.sh start; \
		export AGENTSTEPS_PG_DSN="$$(bash scripts/pg.sh dsn)"; \
	fi; \
	AGENTSTEPS_JAEGER_BIN="$$jaeger_bin" AGENTSTEPS_REQUIRE_E2E=1 \
		$(GO) test -count=1 -tags '$(JAEGER_TEST_TAGS)' -run '^TestRealJaeger' ./e2e/

jaeger:
	bash scripts/jaeger.sh run
