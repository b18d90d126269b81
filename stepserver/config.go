// Package stepserver serves the step records of a store over HTTP: Letta's
// Step API (GET /v1/steps/, GET /v1/steps/{step_id}, PATCH
// /v1/steps/{step_id}/feedback, GET /v1/steps/{step_id}/metrics, GET
// /v1/runs/{run_id}/steps), as @letta-ai/letta-client and letta-client
// speak it. It is what `steps serve` runs.
package stepserver

import (
	"fmt"
	"net"

	"go.opentelemetry.io/collector/config/configopaque"
)

// DefaultListen is Letta's server port on loopback: Letta's clients had
// http://localhost:8283 as their local base URL.
const DefaultListen = "127.0.0.1:8283"

// Config says where and to whom the server answers.
type Config struct {
	// Listen is host:port.
	Listen string `mapstructure:"listen"`
	// Token, when set, is the bearer token every request must carry
	// (Authorization: Bearer <token>, as Letta's clients send their API
	// key). It is never logged or printed.
	Token configopaque.String `mapstructure:"token"`
	// CORSOrigins are the origins a browser may call the API from; none
	// by default, so no other site's page can read the steps.
	CORSOrigins []string `mapstructure:"cors_origins"`
}

// NewDefaultConfig listens on loopback, without a token or CORS.
func NewDefaultConfig() Config { return Config{Listen: DefaultListen} }

// Validate names the key and the fix.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("listen %q: %v; give host:port, for example %s", c.Listen, err, DefaultListen)
	}
	for _, o := range c.CORSOrigins {
		if o == "" || o == "*" {
			return fmt.Errorf("cors_origins: %q is not allowed; list each origin, for example http://localhost:3000", o)
		}
	}
	return nil
}
