package pgstore

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
)

// Config is the exporter's postgres block.
type Config struct {
	// DSN is a libpq connection string or URL, for example
	// postgres://steps@db:5432/letta. It is never logged.
	DSN configopaque.String `mapstructure:"dsn"`
	// Schema and Table name the steps table. They must be plain
	// identifiers: letters, digits, _ and $, at most 63 bytes.
	Schema string `mapstructure:"schema"`
	Table  string `mapstructure:"table"`
	// CreateSchema creates the schema, the stepstatus enum, the table and
	// its indexes when the table is missing, and adds the stages column to
	// a table an earlier version of this store made. Any other existing
	// table (Letta's) is never altered.
	CreateSchema bool `mapstructure:"create_schema"`
	// TLS, when any of its keys is set, replaces the DSN's sslmode:
	// insecure: true connects without TLS, anything else requires TLS with
	// these certificates. Left empty, the DSN's sslmode decides.
	TLS configtls.ClientConfig `mapstructure:"tls"`
	_   struct{}
}

// NewDefaultConfig writes to public.steps and creates it when missing.
func NewDefaultConfig() Config {
	return Config{Schema: "public", Table: "steps", CreateSchema: true, TLS: configtls.NewDefaultClientConfig()}
}

// Validate reports a missing or unparsable dsn and unsafe identifiers. Its
// errors never contain the dsn.
func (c *Config) Validate() error {
	var errs []error
	if c.DSN == "" {
		errs = append(errs, errors.New("dsn must be set (for example dsn: postgres://user@127.0.0.1:5432/steps)"))
	} else if _, err := pgconn.ParseConfig(string(c.DSN)); err != nil {
		errs = append(errs, fmt.Errorf("dsn cannot be parsed (%s); write a postgres:// URL or key=value pairs",
			newRedactor(string(c.DSN), "").redact(err.Error())))
	}
	if err := validIdentifier(c.Schema); err != nil {
		errs = append(errs, fmt.Errorf("schema %w", err))
	}
	if err := validIdentifier(c.Table); err != nil {
		errs = append(errs, fmt.Errorf("table %w", err))
	}
	if c.tlsSet() {
		if err := c.TLS.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("tls: %w", err))
		}
	}
	return errors.Join(errs...)
}

// tlsSet reports whether the user wrote any tls key; an empty block leaves
// the choice to the DSN's sslmode.
func (c *Config) tlsSet() bool {
	return !reflect.DeepEqual(c.TLS, configtls.NewDefaultClientConfig())
}
