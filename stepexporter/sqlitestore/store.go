// Package sqlitestore keeps step records in an SQLite file, through the pure
// Go driver modernc.org/sqlite (collector builds have CGO disabled). Each
// Upsert is one transaction of INSERT ... ON CONFLICT DO UPDATE statements
// that apply the merge rule in SQL.
package sqlitestore

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/agentsteps/collector/pricing"
	"github.com/agentsteps/collector/step"
	"github.com/agentsteps/collector/stepexporter/store"
)

//go:embed schema.sql
var schemaSQL string

// Store is an open steps database.
type Store struct {
	db      *sql.DB
	upsert  *sql.Stmt
	pricing *pricing.Engine // re-prices merged rows (cost.go); nil: off
}

var (
	_ store.Store  = (*Store)(nil)
	_ store.Reader = (*Store)(nil)
)

// Open creates the file (0600) and its directory (0700) when missing, turns
// on WAL so that readers never block the exporter, and creates the schema.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create the directory of %s: %w", cfg.Path, err)
	}
	// SQLite gives the -wal and -shm files the mode of the database file, so
	// creating it 0600 here keeps all three private.
	f, err := os.OpenFile(cfg.Path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	_ = f.Close()

	db, err := sql.Open("sqlite", dsn(cfg))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	s := &Store{db: db}
	if err := s.init(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", cfg.Path, err)
	}
	return s, nil
}

// dsn asks for WAL, a busy timeout, and BEGIN IMMEDIATE, so that concurrent
// batches queue for the write lock instead of failing on a lock upgrade.
// synchronous=NORMAL is durable across a process crash in WAL mode. The page
// cache is sized by page_cache_mib.
func dsn(cfg Config) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(cfg.BusyTimeout.Milliseconds()))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	if cfg.PageCacheMiB > 0 {
		q.Set("_pragma", fmt.Sprintf("cache_size(-%d)", cfg.PageCacheMiB*1024)) // negative: KiB
	}
	return "file:" + (&url.URL{Path: cfg.Path}).EscapedPath() + "?" + q.Encode()
}

func (s *Store) init(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, schemaSQL); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	if err := addColumns(ctx, s.db); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	stmt, err := s.db.PrepareContext(ctx, upsertSQL)
	if err != nil {
		return fmt.Errorf("prepare upsert: %w", err)
	}
	s.upsert = stmt
	return nil
}

// migrate brings a table made by an earlier version up to date: it adds
// the stages column (its rows hold unstaged values) and turns NULL tags
// into [], and adds feedback_set_at, each in one transaction.
func (s *Store) migrate(ctx context.Context) error {
	if err := s.addColumn(ctx, "stages", `ALTER TABLE steps ADD COLUMN stages TEXT`,
		`UPDATE steps SET tags = '[]' WHERE tags IS NULL`); err != nil {
		return err
	}
	return s.addColumn(ctx, "feedback_set_at", `ALTER TABLE steps ADD COLUMN feedback_set_at TEXT`)
}

// addColumn runs the statements when the table lacks the column.
func (s *Store) addColumn(ctx context.Context, name string, stmts ...string) error {
	const hasColumn = `SELECT count(*) > 0 FROM pragma_table_info('steps') WHERE name = ?`
	var has bool
	if err := s.db.QueryRowContext(ctx, hasColumn, name).Scan(&has); err != nil || has {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one migrating collector at a time
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := tx.QueryRowContext(ctx, hasColumn, name).Scan(&has); err != nil || has {
		return err
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Upsert writes the batch in one transaction. A record SQLite refuses as
// data is skipped and reported as a permanent error after the others are
// committed; any other failure rolls the batch back and may be retried.
func (s *Store) Upsert(ctx context.Context, records []step.Step) (store.Result, error) {
	if len(records) == 0 {
		return store.Result{}, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return store.Result{}, classify(err)
	}
	defer func() { _ = tx.Rollback() }()

	ids := make([]string, len(records))
	for i := range records {
		ids[i] = records[i].ID
	}
	idsJSON, _ := json.Marshal(ids)
	existing, err := existingIDs(ctx, tx, string(idsJSON))
	if err != nil {
		return store.Result{}, classify(err)
	}

	stmt := tx.StmtContext(ctx, s.upsert)
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	args := make([]any, 0, len(columns)+2)
	var rejected []error
	// merged are the ids whose row holds more than the record: only those
	// need pricing after the upsert. A new row is the record itself, so
	// the record is priced before it is written.
	var merged []string
	seen := make(map[string]bool, len(records))
	for i := range records {
		r := records[i]
		if r.ID == "" {
			rejected = append(rejected, step.ErrNoID)
			continue
		}
		r.Finalize()
		r.Tags = sortedSet(r.Tags)
		if existing[r.ID] || seen[r.ID] {
			merged = append(merged, r.ID)
		} else if s.pricing != nil {
			r.PriceCost(s.pricing)
		}
		seen[r.ID] = true
		args = args[:0]
		for _, c := range columns {
			if c.merge != derived {
				args = append(args, c.arg(&r))
			}
		}
		args = append(args, now, now)
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			if isDataError(err) {
				rejected = append(rejected, fmt.Errorf("step %s: %w", r.ID, err))
				continue
			}
			return store.Result{}, classify(err)
		}
	}
	if err := s.reprice(ctx, tx, merged); err != nil {
		return store.Result{}, classify(err)
	}
	if err := tx.Commit(); err != nil {
		return store.Result{}, classify(err)
	}
	written := len(records) - len(rejected)
	res := store.Result{Merged: min(len(existing), written)}
	res.Inserted = written - res.Merged
	if len(rejected) > 0 {
		return res, consumererror.NewPermanent(errors.Join(rejected...))
	}
	return res, nil
}

// existingIDs returns which of the ids (a JSON array) already have a row.
func existingIDs(ctx context.Context, tx *sql.Tx, idsJSON string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, existingSQL, idsJSON)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// isDataError reports the errors that say the record itself cannot be
// stored, so that retrying it cannot help.
func isDataError(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_RANGE:
		return true
	}
	return false
}

// classify wraps what SQLite says about one record as permanent and leaves
// everything else (a locked, full or unreadable database) retryable.
func classify(err error) error {
	if isDataError(err) {
		return consumererror.NewPermanent(err)
	}
	return err
}

// Close finishes the WAL and closes the database.
func (s *Store) Close(context.Context) error {
	if s.upsert != nil {
		_ = s.upsert.Close()
	}
	return s.db.Close()
}

// sortedSet returns tags sorted and distinct, as step.Merge leaves them,
// copying only when they are not.
func sortedSet(tags []string) []string {
	for i := 1; i < len(tags); i++ {
		if tags[i-1] >= tags[i] {
			return slices.Compact(slices.Sorted(slices.Values(tags)))
		}
	}
	return tags
}
