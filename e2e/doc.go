// Package e2e runs the built otelcol-steps collector over real OTLP and
// checks the records it stores against `steps convert`. The tests carry the
// build tag e2e because they need `make build` and PostgreSQL first:
//
//	make test              # all of it, PostgreSQL included
//	make e2e               # this package alone; needs AGENTSTEPS_PG_DSN
package e2e
