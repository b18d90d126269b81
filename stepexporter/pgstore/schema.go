package pgstore

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"slices"
	"strings"
	"text/template"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

var templates = template.Must(template.ParseFS(sqlFiles, "sql/*.sql"))

// incomingTable is the per-connection temporary table that COPY fills.
const incomingTable = "agentsteps_incoming"

// ddlColumn is what the SQL templates see of a column: its name is
// already quoted.
type ddlColumn struct{ Name, Type string }

func render(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return b.String(), nil
}

// indexName follows Letta's ix_<table>_<column>, cut to the server's
// identifier length.
func indexName(table, col string) string {
	n := "ix_" + table + "_" + col
	if len(n) > maxIdentifier {
		n = n[:maxIdentifier]
	}
	return n
}

// createTableSQL renders the DDL for cfg's table.
func createTableSQL(cfg *Config) (string, error) {
	enum := quote(cfg.Schema, "stepstatus")
	data := struct {
		Schema, Enum, Table, PrimaryKey string
		Columns                         []ddlColumn
		Indexes                         []string // CREATE INDEX statements
	}{Schema: quote(cfg.Schema), Enum: enum, Table: quote(cfg.Schema, cfg.Table), PrimaryKey: quote(indexName(cfg.Table, "pkey"))}
	if cfg.Table == "steps" {
		data.PrimaryKey = quote("pk_steps_id") // Letta's name
	}
	for _, c := range columns {
		typ := c.ddl
		if c.kind == kindStatus {
			typ = enum
		}
		data.Columns = append(data.Columns, ddlColumn{Name: quote(c.name), Type: typ})
	}
	for _, ix := range tableIndexes(cfg.Table) {
		data.Indexes = append(data.Indexes, ix.createIndexSQL(data.Table))
	}
	return render("create_table.sql", data)
}

func incomingTableSQL() (string, error) {
	data := struct {
		Incoming string
		Columns  []ddlColumn
	}{Incoming: quote(incomingTable)}
	for _, c := range columns {
		data.Columns = append(data.Columns, ddlColumn{Name: quote(c.name), Type: c.incomingType()})
	}
	return render("incoming.sql", data)
}

// schemaLock serialises create_schema between collectors that start at the
// same time: CREATE ... IF NOT EXISTS can still race on the catalog.
const schemaLock = 0x61676e7473746570 // "agntstep"

// createSchema creates what is missing, in one transaction.
func createSchema(ctx context.Context, pool *pgxpool.Pool, cfg *Config) error {
	ddl, err := createTableSQL(cfg)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(schemaLock)); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", quote(cfg.Schema, cfg.Table)).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return addNewColumns(ctx, tx, cfg) // never alter a table someone else owns (Letta's migrations)
		}
		_, err := tx.Exec(ctx, ddl)
		return err
	})
}

// ownMarker is a column only tables this store created have (Letta's has
// no nanoseconds).
const ownMarker = "start_time_ns"

// addNewColumns migrates a table this store created before some columns
// existed (the cost columns, for one): it adds what is missing. A table
// without ownMarker belongs to someone else and is left as it is.
func addNewColumns(ctx context.Context, tx pgx.Tx, cfg *Config) error {
	rows, err := tx.Query(ctx, `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1)
		AND attnum > 0 AND NOT attisdropped`, quote(cfg.Schema, cfg.Table))
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || !slices.Contains(names, ownMarker) {
		return err
	}
	var adds []string
	for _, c := range columns {
		if !slices.Contains(names, c.name) && c.kind != kindStatus {
			adds = append(adds, "ADD COLUMN "+quote(c.name)+" "+c.ddl)
		}
	}
	if len(adds) == 0 {
		return nil // no lock taken when nothing is missing
	}
	if _, err = tx.Exec(ctx, "ALTER TABLE "+quote(cfg.Schema, cfg.Table)+" "+strings.Join(adds, ", ")); err != nil {
		return err
	}
	if !slices.Contains(names, "stages") {
		// A table from before the stages column wrote empty tags as NULL,
		// which Letta's Step refuses; migrateTable then sees the column
		// and would skip this.
		_, err = tx.Exec(ctx, "UPDATE "+quote(cfg.Schema, cfg.Table)+` SET "tags" = '[]' WHERE "tags" IS NULL`)
	}
	return err
}

// targetColumn is a column of the existing table, as the server types it.
type targetColumn struct {
	typ     string // format_type, usable in a cast
	notNull bool
	enum    bool // typ is an enum (Letta's stepstatus)
	ref     *foreignKey
}

// foreignKey is the referenced side of a single-column foreign key, both
// names quoted.
type foreignKey struct{ table, column string }

// inspectTable reads the columns of the target table and checks that id
// has a unique index, which ON CONFLICT (id) needs.
func inspectTable(ctx context.Context, pool *pgxpool.Pool, cfg *Config) (map[string]targetColumn, error) {
	name := quote(cfg.Schema, cfg.Table)
	rows, err := pool.Query(ctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, t.typtype = 'e'
		FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`, name)
	if err != nil {
		return nil, err
	}
	cols := map[string]targetColumn{}
	for rows.Next() {
		var n string
		var c targetColumn
		if err := rows.Scan(&n, &c.typ, &c.notNull, &c.enum); err != nil {
			return nil, err
		}
		cols[n] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s does not exist; create it or set create_schema: true", name)
	}
	if err := readForeignKeys(ctx, pool, name, cols); err != nil {
		return nil, err
	}
	if _, ok := cols["id"]; !ok {
		return nil, fmt.Errorf("table %s has no id column; point table at a steps table", name)
	}
	var unique bool
	err = pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
		WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indnkeyatts = 1
		AND i.indpred IS NULL AND a.attname = 'id')`, name).Scan(&unique)
	if err != nil {
		return nil, err
	}
	if !unique {
		return nil, fmt.Errorf("table %s has no primary key or unique index on id, which merging by id needs; add one", name)
	}
	return cols, nil
}

// readForeignKeys notes, for each column under a single-column foreign key
// (Letta's organization_id, provider_id and run_id), the table and column
// it references.
func readForeignKeys(ctx context.Context, pool *pgxpool.Pool, name string, cols map[string]targetColumn) error {
	rows, err := pool.Query(ctx, `SELECT a.attname, quote_ident(n.nspname) || '.' || quote_ident(r.relname), quote_ident(ra.attname)
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_class r ON r.oid = c.confrelid
		JOIN pg_namespace n ON n.oid = r.relnamespace
		JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
		WHERE c.conrelid = to_regclass($1) AND c.contype = 'f' AND cardinality(c.conkey) = 1`, name)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var col string
		var fk foreignKey
		if err := rows.Scan(&col, &fk.table, &fk.column); err != nil {
			return err
		}
		if c, ok := cols[col]; ok {
			c.ref = &fk
			cols[col] = c
		}
	}
	return rows.Err()
}

// migrateTable brings a table this store made in an earlier version up to
// date: it adds the stages column and turns NULL tags into [], and adds
// feedback_set_at (ensureIndexes adds the indexes steps serve lists by).
// Letta's table is never altered.
func migrateTable(ctx context.Context, pool *pgxpool.Pool, cfg *Config, cols map[string]targetColumn) (bool, error) {
	_, hasStages := cols["stages"]
	_, hasFeedbackSetAt := cols["feedback_set_at"]
	if (hasStages && hasFeedbackSetAt) || lettaTable(cols) {
		return false, nil
	}
	table := quote(cfg.Schema, cfg.Table)
	return true, pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(schemaLock)); err != nil {
			return err
		}
		stmts := []string{"ALTER TABLE " + table + ` ADD COLUMN IF NOT EXISTS "stages" JSON`,
			"ALTER TABLE " + table + ` ADD COLUMN IF NOT EXISTS "feedback_set_at" TIMESTAMPTZ`}
		if _, ok := cols["tags"]; ok && !hasStages {
			stmts = append(stmts, "UPDATE "+table+` SET "tags" = '[]' WHERE "tags" IS NULL`)
		}
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}
