// Package metadata holds the step metrics connector's component type and
// stability (what mdatagen would generate from metadata.yaml; mdatagen is
// not served at our collector version, so it is written by hand).
package metadata

import "go.opentelemetry.io/collector/component"

var (
	// Type is the component type: `step_metrics` in a collector config.
	Type = component.MustNewType("step_metrics")
	// ScopeName is the instrumentation scope of the metrics it emits.
	ScopeName = "github.com/agentsteps/collector/stepmetricsconnector"
)

// TracesToMetricsStability is the stability of the traces -> metrics
// connection.
const TracesToMetricsStability = component.StabilityLevelDevelopment
