# Pricing (issue 11): the genai-prices catalogue and its oracle.
#
#   make prices          # re-dump pricing/data from the pinned npm package
#   make pricing-oracle  # hold pricing/ to calcPrice of that package
#
# The version is pinned exactly in pricing/oracle/package.json and its
# lock; to move to a newer catalogue, change it there, run `make prices`,
# and commit pricing/data, pricing/testdata/oracle_cases.json and
# stepprocessor/testdata/golden_costs.json (the fixtures priced by calcPrice)
# together.
# pricing-oracle regenerates the cases with the machine's Node and runs the
# Go oracle tests against them, so calcPrice itself answers in make test.

.PHONY: prices pricing-oracle

PRICING_NPM := bash scripts/npm-ci.sh pricing/oracle

prices:
	bash scripts/node.sh
	$(PRICING_NPM)
	node pricing/oracle/dump.mjs
	node pricing/oracle/cases.mjs > pricing/testdata/oracle_cases.json
	node pricing/oracle/golden.mjs > stepprocessor/testdata/golden_costs.json

pricing-oracle:
	bash scripts/node.sh
	$(PRICING_NPM)
	cases="$$(mktemp)"; trap 'rm -f "$$cases"' EXIT; \
	node pricing/oracle/cases.mjs > "$$cases"; \
	AGENTSTEPS_PRICING_CASES="$$cases" $(GO) test -count=1 -run 'TestOracle' -v ./pricing/ | grep -E '^(---|ok|FAIL|PASS)|oracle_test'

TEST_TARGETS += pricing-oracle
