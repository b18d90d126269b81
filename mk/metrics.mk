# Step metrics in a real Prometheus: the step_metrics connector's sums,
# scraped from the collector's prometheus exporter while the fixtures are
# replayed, against what the same replay stored in SQLite
# (e2e/metrics_prometheus_test.go, build tags e2e and metrics).
#
#   make metrics-e2e
#
# scripts/prometheus.sh installs Debian's prometheus package if it is
# missing and runs it on loopback from a temp dir, stopped after the test.

METRICS_TEST_TAGS := e2e metrics

.PHONY: metrics-e2e

TEST_TARGETS += metrics-e2e

# Vet first: the default vet target does not see the metrics build tag.
metrics-e2e: build
	$(GO) vet -tags '$(METRICS_TEST_TAGS)' ./e2e/
	bash scripts/prometheus.sh path >/dev/null
	AGENTSTEPS_REQUIRE_E2E=1 $(GO) test -count=1 -tags '$(METRICS_TEST_TAGS)' -run '^TestRealPrometheus' ./e2e/
