# make bench: every benchmark (processor against its floors, OTTL, the
# exporter stores against their raw drivers, the collector end to end),
# written to BENCHMARKS.md. Not part of make test: it takes minutes and its
# figures depend on the machine. PostgreSQL comes from scripts/pg.sh and is
# stopped afterwards; BENCH_COUNT sets -count (default 5).
.PHONY: bench

bench: build steps
	trap 'bash scripts/pg.sh stop' EXIT; \
	bash scripts/pg.sh start; \
	export AGENTSTEPS_PG_DSN="$$(bash scripts/pg.sh dsn)"; \
	bash bench/run.sh
