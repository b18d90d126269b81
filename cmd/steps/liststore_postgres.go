package main

import (
	"context"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/stepexporter/pgstore"
	"github.com/agentsteps/collector/stepexporter/store"
)

// openPostgresReader opens the table of the exporter's postgres block. It
// never creates anything: listing a mistyped table must fail, not make one.
func openPostgresReader(ctx context.Context, o listOptions) (store.Reader, func(), error) {
	cfg := pgstore.NewDefaultConfig()
	cfg.DSN = configopaque.String(o.postgresDSN)
	cfg.Table = o.pgTable
	if o.pgSchema != "" {
		cfg.Schema = o.pgSchema
	}
	cfg.CreateSchema = false
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	s, err := pgstore.New(ctx, cfg, zap.NewNop())
	if err != nil {
		return nil, nil, err
	}
	return s, func() { _ = s.Close(context.Background()) }, nil
}
