// Package metadata holds what mdatagen would generate from metadata.yaml:
// mdatagen is not served at our collector version, so it is written by hand
// and kept in step with metadata.yaml.
package metadata

import (
	"go.opentelemetry.io/collector/component"
)

var (
	// Type is the component type in collector configs: `exporters: step:`.
	Type = component.MustNewType("step")
	// ScopeName names the meter of the exporter's own metrics.
	ScopeName = "github.com/agentsteps/collector/stepexporter"
)

// TracesStability is the stability of the traces exporter.
const TracesStability = component.StabilityLevelAlpha
