# Reliability suite (issue 5): a PostgreSQL outage, a SIGKILLed collector
# with a persistent queue, and a burst against max_traces, each against the
# built collector over real OTLP. The outage test stops and starts a
# PostgreSQL of its own (AGENTSTEPS_PG_OUTAGE_PORT, default 25453); the
# others use AGENTSTEPS_PG_DSN. About two minutes on two cores.
#
#   scripts/pg.sh start; export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)
#   make reliability

RELIABILITY_TAGS := e2e reliability

TEST_TARGETS += reliability

.PHONY: reliability reliability-vet

reliability: build
	AGENTSTEPS_REQUIRE_E2E=1 $(GO) test -count=1 -v -timeout 45m -tags '$(RELIABILITY_TAGS)' \
		-run '^(TestPostgresOutage|TestCollectorKilled|TestBurst|TestTraceThatNeverEnds)' ./e2e/

reliability-vet:
	$(GO) vet -tags '$(RELIABILITY_TAGS)' ./e2e/
