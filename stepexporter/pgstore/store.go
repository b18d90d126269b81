// Package pgstore writes step records to PostgreSQL, into a table shaped
// like Letta's steps table, merging each record into its row in SQL.
package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

// Store is the PostgreSQL backend. It is safe for concurrent use: each
// Upsert runs on its own pooled connection.
type Store struct {
	pool   *pgxpool.Pool
	table  string // quoted schema.table
	target map[string]targetColumn
	// statusLabels are the labels of the status column's enum, which
	// List compares with.
	statusLabels []string
	plan         upsertPlan
	copyCols     []string
	redact       redactor
	logger       *zap.Logger
	pricing      *pricing.Engine // re-prices merged rows (cost.go); nil: off
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Reader = (*Store)(nil)
)

// Open is New with the logger of a component's telemetry, for the exporter
// and tools that hold TelemetrySettings.
func Open(ctx context.Context, cfg Config, set component.TelemetrySettings) (*Store, error) {
	return New(ctx, cfg, set.Logger)
}

// New connects, creates the table when create_schema is set and it is
// missing, and prepares the upsert for the table as it is. An error means
// the config or the database is wrong; it never contains the DSN.
func New(ctx context.Context, cfg Config, logger *zap.Logger) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	pc, err := poolConfig(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	s := &Store{
		table:  quote(cfg.Schema, cfg.Table),
		redact: newRedactor(string(cfg.DSN), pc.ConnConfig.Password),
		logger: logger,
	}
	for _, c := range columns {
		s.copyCols = append(s.copyCols, c.name)
	}
	incoming, err := incomingTableSQL()
	if err != nil {
		return nil, err
	}
	pc.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, incoming)
		return err
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, s.redact.wrap(fmt.Errorf("postgres: %w", err))
	}
	if err := s.prepare(ctx, &cfg); err != nil {
		s.pool.Close()
		return nil, s.redact.wrap(fmt.Errorf("postgres %s: %w", s.table, err))
	}
	if len(s.plan.missing) > 0 {
		logger.Warn("the steps table lacks some record fields; they are not stored",
			zap.String("table", s.table), zap.Strings("missing_columns", s.plan.missing))
	}
	logger.Info("postgres step store ready", zap.String("table", s.table),
		zap.String("host", pc.ConnConfig.Host), zap.Bool("tls", pc.ConnConfig.TLSConfig != nil))
	return s, nil
}

func (s *Store) prepare(ctx context.Context, cfg *Config) error {
	if cfg.CreateSchema {
		if err := createSchema(ctx, s.pool, cfg); err != nil {
			return fmt.Errorf("create_schema: %w", err)
		}
	}
	target, err := inspectTable(ctx, s.pool, cfg)
	if err != nil {
		return err
	}
	if cfg.CreateSchema {
		migrated, err := migrateTable(ctx, s.pool, cfg, target)
		if err != nil {
			return fmt.Errorf("create_schema: migrate: %w", err)
		}
		if migrated {
			if target, err = inspectTable(ctx, s.pool, cfg); err != nil {
				return err
			}
		}
		if err := ensureIndexes(ctx, s.pool, cfg, target, s.logger); err != nil {
			return fmt.Errorf("create_schema: indexes: %w", err)
		}
	}
	if c := target["status"]; c.enum {
		if s.statusLabels, err = readEnumLabels(ctx, s.pool, c.typ); err != nil {
			return err
		}
	}
	s.target = target
	s.plan = newUpsertPlan(s.table, target)
	return nil
}

// Close closes the pool.
func (s *Store) Close(context.Context) error {
	if s.pool != nil {
		s.pool.Close()
	}
	return nil
}

// Upsert merges records into their rows. A record the table cannot take
// is rejected alone with a permanent error naming it; the others are
// written. A database that cannot be reached fails the whole call with a
// retryable error.
func (s *Store) Upsert(ctx context.Context, records []step.Step) (store.Result, error) {
	recs := normalize(records)
	rows := make([][]any, 0, len(recs))
	ids := make([]string, 0, len(recs))
	var rejected []error
	for i := range recs {
		row, err := encodeRow(&recs[i], s.target)
		if err != nil {
			rejected = append(rejected, err)
			continue
		}
		rows, ids = append(rows, row), append(ids, recs[i].ID)
	}
	res, err := s.write(ctx, rows, ids)
	if err != nil && isDataError(err) && len(rows) > 1 {
		// One bad row fails the statement; write them one by one to find it.
		res, err = store.Result{}, nil
		for i := range rows {
			r, rowErr := s.write(ctx, rows[i:i+1], ids[i:i+1])
			switch {
			case rowErr == nil:
				res.Inserted, res.Merged = res.Inserted+r.Inserted, res.Merged+r.Merged
			case isDataError(rowErr):
				rejected = append(rejected, fmt.Errorf("step %s: %w", ids[i], rowErr))
			default:
				return res, s.classify(rowErr)
			}
		}
	}
	if err != nil {
		if isDataError(err) && len(ids) == 1 {
			err = fmt.Errorf("step %s: %w", ids[0], err)
		}
		return res, s.classify(err)
	}
	if len(rejected) > 0 {
		return res, consumererror.NewPermanent(s.redact.wrap(fmt.Errorf("postgres %s: %d record(s) rejected: %w",
			s.table, len(rejected), errors.Join(rejected...))))
	}
	return res, nil
}

// arraysBelow is the batch size under which rows travel as array
// parameters instead of COPY (measured: COPY's fixed cost per call is a few
// milliseconds, which halves the rate of a 100-record batch).
const arraysBelow = 500

// write runs one batch: COPY into the connection's temporary table, then
// one INSERT ... ON CONFLICT that merges, in one transaction. A small batch
// is one statement with a parameter per column instead.
func (s *Store) write(ctx context.Context, rows [][]any, ids []string) (store.Result, error) {
	var res store.Result
	if len(rows) == 0 {
		return res, nil
	}
	if len(rows) < arraysBelow && !s.canPrice() {
		return s.writeArrays(ctx, s.pool, rows) // one statement: its own transaction
	}
	// The upsert and the re-pricing of the merged rows commit together, so
	// no reader sees a row's merged tokens next to the cost of its parts.
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if len(rows) < arraysBelow {
			res, err = s.writeArrays(ctx, tx, rows)
		} else {
			res, err = s.copyUpsert(ctx, tx, rows)
		}
		if err != nil {
			return err
		}
		return s.reprice(ctx, tx, ids)
	})
	if err != nil {
		return store.Result{}, err
	}
	return res, nil
}

// copyUpsert COPYs rows into the temporary table and upserts them from it.
func (s *Store) copyUpsert(ctx context.Context, tx pgx.Tx, rows [][]any) (store.Result, error) {
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{incomingTable}, s.copyCols, pgx.CopyFromRows(rows)); err != nil {
		return store.Result{}, err
	}
	var inserted, merged int64
	if err := tx.QueryRow(ctx, s.plan.upsertSQL).Scan(&inserted, &merged); err != nil {
		return store.Result{}, err
	}
	return store.Result{Inserted: int(inserted), Merged: int(merged)}, nil
}

// querier is what writeArrays needs: the pool, or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// writeArrays upserts rows with one statement whose parameters are the
// columns, each an array of the rows' values.
func (s *Store) writeArrays(ctx context.Context, q querier, rows [][]any) (store.Result, error) {
	args := make([]any, len(columns))
	for k := range columns {
		col := make([]any, len(rows))
		for i := range rows {
			col[i] = rows[i][k]
		}
		args[k] = col
	}
	var inserted, merged int64
	if err := q.QueryRow(ctx, s.plan.upsertArraysSQL, args...).Scan(&inserted, &merged); err != nil {
		return store.Result{}, err
	}
	return store.Result{Inserted: int(inserted), Merged: int(merged)}, nil
}
