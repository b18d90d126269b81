// Package metadata holds the step processor's component type and stability
// (what mdatagen would generate; mdatagen is not served at our version).
package metadata

import "go.opentelemetry.io/collector/component"

var (
	// Type is the component type: `step` in a collector config.
	Type = component.MustNewType("step")
	// ScopeName names the processor's own telemetry.
	ScopeName = "github.com/agentsteps/collector/stepprocessor"
)

// TracesStability is the stability of the traces pipeline support.
const TracesStability = component.StabilityLevelDevelopment
