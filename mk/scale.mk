# Scaling out (issue 14): the front-tier distribution, built by ocb from
# builder-frontend.yaml, and the two-tier scale test: one front collector
# (deploy/scale/front.yaml) routing by trace id to three step collectors
# (deploy/scale/step.yaml) that write to one PostgreSQL, on loopback.
#
#   scripts/pg.sh start; export AGENTSTEPS_PG_DSN=$(scripts/pg.sh dsn)
#   make scale-test
#
# Part of `make test` (issue 14 asks for it where the CI budget allows):
# about ten minutes warm on two cores (the front tier's 60s retry window is
# waited out once), and a cold build-front took nearly fifteen minutes on
# the shared machine. `make test` starts PostgreSQL and sets the DSN.
#
# loadbalancingexporter v0.161.0 is the newest the module proxy serves, and
# it does not resolve together with our v0.165.0 modules, so the front tier
# is its own binary, built by its own ocb (see builder-frontend.yaml).

FRONT_OCB_VERSION := v0.161.0
FRONT_OCB := $(TOOLS_DIR)/ocb-$(FRONT_OCB_VERSION)/builder
FRONT_BUILD_DIR := $(BUILD_DIR)/front
FRONT_COLLECTOR := $(FRONT_BUILD_DIR)/otelcol-steps-front

SCALE_TAGS := e2e reliability scale

TEST_TARGETS += scale-test

.PHONY: build-front scale-test

build-front: $(FRONT_COLLECTOR)

$(FRONT_OCB):
	@echo ">> installing ocb $(FRONT_OCB_VERSION) into $(dir $@)"
	GOBIN=$(dir $@) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(FRONT_OCB_VERSION)

$(FRONT_COLLECTOR): $(FRONT_OCB) builder-frontend.yaml
	mkdir -p $(FRONT_BUILD_DIR)
	nice $(FRONT_OCB) --config builder-frontend.yaml
	@touch $@

scale-test: build build-front
	AGENTSTEPS_REQUIRE_E2E=1 $(GO) test -count=1 -v -timeout 20m -tags '$(SCALE_TAGS)' -run '^TestScaleOut' ./e2e/
