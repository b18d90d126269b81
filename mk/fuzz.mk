# Fuzzing (issue 5): each target runs on its own for a set time, as
# `go test -fuzz` allows one target per run.
#
#   make fuzz                  # each target for FUZZTIME (default 60s)
#   make fuzz FUZZTIME=10m     # longer
#   make fuzz-short            # each target for FUZZ_SHORT_EXECS executions (default 2000x)
#
# Neither is part of make test: a random search has no place in the gate
# that decides whether work lands, and Go's fuzzing engine fails a short
# -fuzztime with "context deadline exceeded" when a loaded machine cannot
# finish the baseline run of the corpus in time. The gate runs every seed
# corpus and kept crasher through plain `go test` (make unit), which is
# deterministic.
#
# A crasher is written under the package's testdata/fuzz/<target>/ and is
# replayed by every plain `go test` from then on: commit it with a named
# regression test next to the target. The seed corpora are the fixtures
# under testdata/, so `go test` alone already runs every seed.

FUZZTIME ?= 60s
# A count, not a duration: it ends on executions, however busy the machine.
FUZZ_SHORT_EXECS ?= 2000x
# Minimising a new input can take the default full minute, during which no
# new input is tried; keep it short so the time goes to fuzzing.
FUZZ_MINIMIZE_TIME ?= 5s
# Extra flags for go test, for example FUZZFLAGS=-parallel=1 on a shared box.
FUZZFLAGS ?=

# package:target, one per fuzz target.
FUZZ_TARGETS := \
	./step:FuzzValueCoercion \
	./step:FuzzMergeIsCommutativeAndIdempotent \
	./stepprocessor:FuzzPyRepr \
	./stepprocessor:FuzzFinishReasonAndProvider \
	./stepprocessor:FuzzSpanRecognition \
	./stepprocessor:FuzzJSONObject \
	./cmd/steps:FuzzConvert


.PHONY: fuzz fuzz-short

# Every target runs even when one fails, so that one run collects every
# crasher. A passing target shows its last progress line (the executions
# run); a failing one shows the failure and the crasher's file.
define run-fuzz
	failed=""; log="$$(mktemp)"; trap 'rm -f "$$log"' EXIT; \
	for t in $(FUZZ_TARGETS); do \
		pkg="$${t%%:*}"; name="$${t##*:}"; \
		echo ">> $$name ($$pkg) for $(1)"; \
		if $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(1) \
			-fuzzminimizetime $(FUZZ_MINIMIZE_TIME) $(FUZZFLAGS) "$$pkg" >"$$log" 2>&1; then \
			grep '^fuzz: elapsed' "$$log" | tail -n 1 || true; \
		else \
			grep -v '^fuzz: elapsed' "$$log" | tail -n 40; \
			failed="$$failed $$name"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed (crashers under testdata/fuzz/)"; exit 1; fi
endef

fuzz:
	@$(call run-fuzz,$(FUZZTIME))

fuzz-short:
	@$(call run-fuzz,$(FUZZ_SHORT_EXECS))
