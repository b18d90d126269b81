package main

import (
	"context"
	"errors"

	"github.com/agentsteps/collector/stepexporter/store"
)

// openPostgresReader opens the PostgreSQL store of the exporter's postgres
// block. Placeholder until stepexporter/pgstore lands.
func openPostgresReader(_ context.Context, _ listOptions) (store.Reader, func(), error) {
	return nil, nil, errors.New("PostgreSQL support is not built yet")
}
