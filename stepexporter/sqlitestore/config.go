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
	// PageCacheMiB bounds SQLite's page cache, per connection, in MiB. The
	// upsert touches a page of every index for each record, so a cache
	// smaller than the indexes' working set re-reads pages from the file on
	// every batch (SQLite's own default is 2 MiB). 0 keeps SQLite's default.
	PageCacheMiB int `mapstructure:"page_cache_mib"`
	_            struct{}
}

// NewDefaultConfig writes to ./steps.db with a 32 MiB page cache.
func NewDefaultConfig() Config {
	return Config{Path: "steps.db", BusyTimeout: 5 * time.Second, PageCacheMiB: 32}
}

// Validate reports a missing path, a negative timeout or cache size.
func (c *Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("path must be set (for example path: ./steps.db)"))
	}
	if c.BusyTimeout < 0 {
		errs = append(errs, fmt.Errorf("busy_timeout must be >= 0 (got %s)", c.BusyTimeout))
	}
	if c.PageCacheMiB < 0 {
		errs = append(errs, fmt.Errorf("page_cache_mib must be >= 0 (got %d)", c.PageCacheMiB))
	}
	return errors.Join(errs...)
}
