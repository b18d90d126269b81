package stepexporter

import (
	"context"

	"go.opentelemetry.io/collector/component"

	"github.com/agentsteps/collector/stepexporter/filestore"
	"github.com/agentsteps/collector/stepexporter/httpstore"
	"github.com/agentsteps/collector/stepexporter/pgstore"
	"github.com/agentsteps/collector/stepexporter/sqlitestore"
	"github.com/agentsteps/collector/stepexporter/store"
)

// openStore opens the one backend the config sets. Backends that need the
// host (auth extensions for http) get it here, at Start.
func openStore(ctx context.Context, cfg *Config, host component.Host, set component.TelemetrySettings) (store.Store, error) {
	switch {
	case cfg.SQLite.HasValue():
		return sqlitestore.Open(ctx, *cfg.SQLite.Get())
	case cfg.Postgres.HasValue():
		return pgstore.Open(ctx, *cfg.Postgres.Get(), set)
	case cfg.File.HasValue():
		return filestore.Open(*cfg.File.Get())
	case cfg.HTTP.HasValue():
		return httpstore.New(ctx, *cfg.HTTP.Get(), host, set)
	}
	return nil, errNoBackend
}
