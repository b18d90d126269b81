// Package stepmetrics measures the step_metrics connector against contrib's
// spanmetricsconnector (v0.165.1, default config) and the read floor, on
// the same annotated batch, in one run. It lives in the bench module so
// that collector-contrib stays out of the main module's dependencies.
package stepmetrics
