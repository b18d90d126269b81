// Package e2e runs the built otelcol-steps collector over real OTLP and
// checks the records it stores against `steps convert`. The tests carry build
// tags because they need `make build` and PostgreSQL first:
//
//	e2e                  the pipeline to SQLite and PostgreSQL (make e2e)
//	e2e jaeger           steps and their traces in a real Jaeger (make jaeger-e2e)
//	e2e reliability      outage, crash and memory burst (make reliability)
//	e2e metrics          step metrics in a real Prometheus (make metrics-e2e)
//	e2e reliability scale  a front tier and three step collectors (make scale-test;
//	                     not part of make test)
//
// `make test` runs all of them but the scale suite, PostgreSQL, Jaeger and
// Prometheus included.
package e2e
