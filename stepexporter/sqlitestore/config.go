package sqlitestore

import (
	"errors"
	"fmt"
	"time"
)

// Config is the exporter's sqlite block.
type Config struct {
	// Path is the database file. It and its directory are created when
	// missing, readable by the collector's user only.
	Path string `mapstructure:"path"`
	// BusyTimeout is how long a write waits for another writer (a second
	// collector, or `steps list`) to release the database.
	BusyTimeout time.Duration `mapstructure:"busy_timeout"`
	_           struct{}
}

// NewDefaultConfig writes to ./steps.db.
func NewDefaultConfig() Config {
	return Config{Path: "steps.db", BusyTimeout: 5 * time.Second}
}

// Validate reports a missing path or a negative timeout.
func (c *Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("path must be set (for example path: ./steps.db)"))
	}
	if c.BusyTimeout < 0 {
		errs = append(errs, fmt.Errorf("busy_timeout must be >= 0 (got %s)", c.BusyTimeout))
	}
	return errors.Join(errs...)
}
