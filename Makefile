# agentsteps: `make run` starts the collector, `make test` checks everything.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GO ?= go
OCB_VERSION := v0.165.0
# Tools live in the repository but outside every Go package (dot dirs are
# ignored by ./...), and are gitignored. One directory per version, so a
# version bump installs the new builder instead of reusing the old one.
TOOLS_DIR := $(CURDIR)/.tools
OCB := $(TOOLS_DIR)/ocb-$(OCB_VERSION)/builder

BUILD_DIR := _build
COLLECTOR := $(BUILD_DIR)/otelcol-steps
STEPS := $(BUILD_DIR)/steps

# Everything the collector binary is built from: the components' files (Go
# sources and what they embed, not tests, test data or docs), the module
# files and the builder manifest.
COMPONENT_FILES = $(shell find $(1) -type f ! -name '*_test.go' ! -name '*.md' ! -path '*/testdata/*' 2>/dev/null)
COLLECTOR_SRCS := $(call COMPONENT_FILES,step stepprocessor stepexporter stepmetricsconnector) go.mod go.sum builder-config.yaml \
	config.yaml _distribution/default_config.go
STEPS_SRCS := $(call COMPONENT_FILES,cmd/steps step stepprocessor stepexporter stepserver) go.mod go.sum

# Our Go files, not the generated distribution nor the tools.
GO_FILES = $(shell find . \( -name _build -o -name .tools -o -name .git \) -prune -o -name '*.go' -print)

# The collector started without arguments runs on the config.yaml embedded
# in it at build time (_distribution/default_config.go). Traces go to Jaeger
# only when JAEGER_ENDPOINT (host:port of its OTLP gRPC receiver) is set;
# config.jaeger.yaml is merged over config.yaml then.
RUN_CONFIG := $(if $(JAEGER_ENDPOINT),--config config.yaml --config config.jaeger.yaml)

# Further suites (Jaeger, conformance, reliability, fuzz) each live in a file
# of their own under mk/, and add their target to TEST_TARGETS, which
# `make test` runs after e2e while PostgreSQL is still up.
TEST_TARGETS :=
-include mk/*.mk

.PHONY: all build steps run test unit e2e fmt fmt-check vet clean

all: build steps

build: $(COLLECTOR)

steps: $(STEPS)

$(OCB):
	@echo ">> installing ocb $(OCB_VERSION) into $(dir $@)"
	GOBIN=$(dir $@) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)

# ocb writes main.go and leaves other files of its output directory alone:
# the default configuration goes in beside it (_distribution/).
$(COLLECTOR): $(OCB) $(COLLECTOR_SRCS)
	mkdir -p $(BUILD_DIR)
	cp config.yaml $(BUILD_DIR)/default_config.yaml
	cp _distribution/default_config.go $(BUILD_DIR)/default_config.go
	$(OCB) --config builder-config.yaml
	@# go build leaves an unchanged binary untouched; touch it so that make
	@# sees it is up to date.
	@touch $@

$(STEPS): $(STEPS_SRCS)
	$(GO) build -o $@ ./cmd/steps

# steps serve runs beside the collector on the same steps.db (touched so
# that it need not wait for the collector to create it), and ends with it.
SERVE_LISTEN ?= 127.0.0.1:8283

run: build steps
	@echo ">> $(if $(JAEGER_ENDPOINT),config.yaml with config.jaeger.yaml over it,the configuration embedded in the collector (config.yaml when it was built))"
	@echo ">> OTLP on 127.0.0.1:4317 (gRPC) and 127.0.0.1:4318 (HTTP); steps go to ./steps.db"
	@echo ">> steps: http://$(SERVE_LISTEN)/ (steps serve: Letta's API at /v1/steps/)"
	@echo ">> traces: $(if $(JAEGER_ENDPOINT),sent to Jaeger at $(JAEGER_ENDPOINT),not forwarded (set JAEGER_ENDPOINT=host:port to send them to Jaeger))"
	touch steps.db; ./$(STEPS) serve --sqlite steps.db --listen $(SERVE_LISTEN) & serve=$$!; \
	trap 'kill $$serve 2>/dev/null || true' EXIT; ./$(COLLECTOR) $(RUN_CONFIG)

# The full check: formatting, vet, unit tests against a throwaway PostgreSQL,
# then the end-to-end test against the built collector and every suite that
# adds itself to TEST_TARGETS. scripts/suites.sh runs them in turn and prints
# each one's wall time at the end (README: "What make test costs").
# PostgreSQL is stopped however the run ends.
test:
	trap 'bash scripts/pg.sh stop' EXIT; \
	bash scripts/pg.sh start; \
	export AGENTSTEPS_PG_DSN="$$(bash scripts/pg.sh dsn)" AGENTSTEPS_REQUIRE_PG=1; \
	MAKE="$(MAKE)" bash scripts/suites.sh fmt-check vet unit e2e $(TEST_TARGETS)

# Every package's tests, with each fuzz target's seed corpus and kept
# crashers (go test runs those without fuzzing). Under `make test` it has
# PostgreSQL; alone, the PostgreSQL tests skip unless AGENTSTEPS_PG_DSN is set.
# Then the bench module's report writer (BENCHMARKS.md's tables and verdicts).
unit:
	$(GO) test ./...
	cd bench && $(GO) test ./benchreport

# The end-to-end test alone; expects AGENTSTEPS_PG_DSN (see scripts/pg.sh),
# and fails rather than skips without it.
e2e: build
	AGENTSTEPS_REQUIRE_E2E=1 $(GO) test -count=1 -tags e2e ./e2e/

fmt:
	gofmt -w $(GO_FILES)

fmt-check:
	@files="$$(gofmt -l $(GO_FILES))"; \
	if [ -n "$$files" ]; then echo "gofmt needed (run make fmt):"; echo "$$files"; exit 1; fi

vet:
	$(GO) vet ./...
	$(GO) vet -tags 'e2e jaeger reliability scale metrics' ./e2e/

clean:
	rm -rf $(BUILD_DIR)
