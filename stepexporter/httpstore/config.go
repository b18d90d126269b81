package httpstore

import (
	"errors"
	"fmt"
	"net/url"

	"go.opentelemetry.io/collector/config/confighttp"
)

// Config is the exporter's http block: the collector's HTTP client settings
// (endpoint, tls, headers, auth, compression, timeout, proxy_url, ...).
type Config struct {
	confighttp.ClientConfig `mapstructure:",squash"`
	_                       struct{}
}

// NewDefaultConfig is confighttp's default client with no endpoint.
func NewDefaultConfig() Config {
	return Config{ClientConfig: confighttp.NewDefaultClientConfig()}
}

// Validate requires an http or https endpoint. The client settings
// validate themselves.
func (c *Config) Validate() error {
	if c.Endpoint == "" {
		return errors.New("endpoint must be set (for example endpoint: https://collector.example/steps)")
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("endpoint must be an http:// or https:// URL (got %q)", redact(c.Endpoint))
	}
	return nil
}

// redact drops what may hold a credential, user info and the query, so that
// an endpoint can be logged.
func redact(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "<unparsable URL>"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
