package filestore

import (
	"errors"
	"fmt"
)

// Config is the exporter's file block.
type Config struct {
	// Path is the JSON Lines file. It and its directory are created when
	// missing, readable by the collector's user only.
	Path string `mapstructure:"path"`
	// MaxBytes rotates the file before a write would take it past this
	// size. 0 never rotates.
	MaxBytes int64 `mapstructure:"max_bytes"`
	// MaxBackups is how many rotated files (path.1 is the newest) are kept.
	MaxBackups int `mapstructure:"max_backups"`
	_          struct{}
}

// NewDefaultConfig writes ./steps.jsonl and keeps three 100 MiB backups.
func NewDefaultConfig() Config {
	return Config{Path: "steps.jsonl", MaxBytes: 100 << 20, MaxBackups: 3}
}

// Validate reports a missing path and negative limits.
func (c *Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("path must be set (for example path: ./steps.jsonl)"))
	}
	if c.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("max_bytes must be >= 0, 0 to never rotate (got %d)", c.MaxBytes))
	}
	if c.MaxBackups < 0 {
		errs = append(errs, fmt.Errorf("max_backups must be >= 0 (got %d)", c.MaxBackups))
	}
	return errors.Join(errs...)
}
