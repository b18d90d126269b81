// Package stepmetricsconnector is a connector (traces in, metrics out) that
// turns the steps on anchor spans (the step.* contract that stepprocessor
// writes) into the OpenTelemetry GenAI client metrics plus step counts,
// token counts and cost, counting each step once. It reads only the step.*
// contract through the step package and knows no instrumentation
// convention. See README.md for every metric it emits.
package stepmetricsconnector
