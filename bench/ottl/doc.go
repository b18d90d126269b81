// Package ottl measures the OTTL engine that transformprocessor runs, on
// the same mixed batch as stepprocessor's BenchmarkProcessor, as the
// baseline a user would otherwise deploy. It lives in its own module so
// that collector-contrib stays out of the main module's dependencies.
package ottl
