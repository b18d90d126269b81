package pgstore

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"
)

// A btree refuses an entry over about 2.7 kB (SQLSTATE 54000, "index row
// size exceeds btree version 4 maximum"), so an index on a bare text column
// rejects a step with an absurdly long model or agent id, and cannot even
// be built on a table that already holds one. The indexes below never hold
// unbounded text: they hold at most prefixChars characters of a text
// column, which List compares besides the column itself. Hash indexes take
// any length too, but an insert walks the overflow pages that the entries
// of its key fill, so a key with many rows (one agent's, or the one run and
// trace of BenchmarkPostgresUpsert) makes writes quadratic.

// prefixChars is how many characters of a text column the indexes hold: at most 1 kB in UTF-8, which leaves an id of about 1.6 kB room in
// the entry, and far longer than any real model, agent or run id, so
// values only share a key when they are absurd.
const prefixChars = 256

// prefixKey is the indexes' key for col (quoted), and the left side of
// List's comparison with it.
func prefixKey(col string) string {
	return "left(" + col + ", " + strconv.Itoa(prefixChars) + ")"
}

// orderKey is List's sort key on a table of ours: rows without a
// start_time sort first. The order indexes are on the same expression.
const orderKey = `COALESCE("start_time", to_timestamp(0))`

// tableIndex is one index a table of ours has. Its name follows Letta's
// ix_<table>_<column>.
type tableIndex struct {
	name   string   // unquoted, cut to maxIdentifier
	method string   // pg_am.amname
	keys   string   // the key list, quoted
	cols   []string // the columns it needs
	// exprFirst: its first key is an expression. It tells an order index
	// of this version (on prefixKey) from the one on the bare column that
	// earlier versions made under the same name.
	exprFirst bool
}

// prefixFilters are the page's filters on free text: their order indexes
// are on prefixKey. status is an enum and keeps its bare column.
var prefixFilters = []string{"agent_id", "run_id", "conversation_id", "model", "provider_name", "finish_reason", "feedback"}

// tableIndexes lists the indexes of a table of ours, once per name. List
// (steps serve) reads the whole table, or the steps of one value of each
// of the page's filters, in (start_time, id) order from an order index, so
// that a rare or absent value never scans the table; the trace_ids filter
// reads ix_<table>_trace_id and sorts the few steps of those traces.
func tableIndexes(table string) []tableIndex {
	var out []tableIndex
	add := func(ix tableIndex) {
		ix.name = indexName(table, ix.name)
		for _, o := range out {
			if o.name == ix.name {
				return // a long table name cut two names to one; the first wins, as CREATE INDEX IF NOT EXISTS did
			}
		}
		out = append(out, ix)
	}
	add(tableIndex{name: "trace_id", method: "btree", keys: prefixKey(quote("trace_id")), cols: []string{"trace_id"}, exprFirst: true})
	add(tableIndex{name: "start_time", method: "btree", keys: quote("start_time"), cols: []string{"start_time"}})
	add(tableIndex{name: "order", method: "btree", keys: orderKey + `, "id"`, cols: []string{"start_time"}, exprFirst: true})
	for _, col := range prefixFilters {
		name := col + "_order"
		if col == "run_id" {
			name = "run_id" // Letta's ix_steps_run_id, by name: it leads with run_id as Letta's does
		}
		add(tableIndex{name: name, method: "btree", keys: prefixKey(quote(col)) + ", " + orderKey + `, "id"`,
			cols: []string{col, "start_time"}, exprFirst: true})
	}
	add(tableIndex{name: "status_order", method: "btree", keys: `"status", ` + orderKey + `, "id"`, cols: []string{"status", "start_time"}})
	return out
}

// obsoleteIndexes are the indexes of earlier versions that table has and
// tableIndexes no longer makes: the btree on the bare agent_id, which
// refused long ids and whose lookups its order index serves, and the run
// order index of the version that named it ix_<table>_run_id_order (it is
// ix_<table>_run_id now, Letta's name; the bare-column btree of that name
// is rebuilt by ensureIndexes).
// (Letta's own table keeps its ix_steps_run_id: ensureIndexes leaves
// Letta's table alone.)
func obsoleteIndexes(have map[string]indexShape, table string) []string {
	var out []string
	for _, old := range []string{"agent_id", "run_id_order"} {
		name := indexName(table, old)
		if _, ok := have[name]; ok && !slices.ContainsFunc(tableIndexes(table), func(ix tableIndex) bool { return ix.name == name }) {
			out = append(out, name) // unless a long table name cut a current index's name to this one
		}
	}
	return out
}

// createIndexSQL is the statement that makes ix on table (quoted).
func (ix tableIndex) createIndexSQL(table string) string {
	return "CREATE INDEX IF NOT EXISTS " + quote(ix.name) + " ON " + table + " USING " + ix.method + " (" + ix.keys + ")"
}

// indexShape is what readIndexes knows of an existing index.
type indexShape struct {
	method    string
	exprFirst bool
}

// readIndexes returns the indexes on table (quoted) by name.
func readIndexes(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, table string) (map[string]indexShape, error) {
	rows, err := q.Query(ctx, `SELECT c.relname, am.amname, i.indkey[0] = 0 FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
		WHERE i.indrelid = to_regclass($1)`, table)
	if err != nil {
		return nil, err
	}
	out := map[string]indexShape{}
	var name string
	var sh indexShape
	_, err = pgx.ForEachRow(rows, []any{&name, &sh.method, &sh.exprFirst}, func() error {
		out[name] = sh
		return nil
	})
	return out, err
}

// missingIndexes are the indexes of tableIndexes that table lacks or has
// in another shape (an earlier version's btree on the bare column).
func missingIndexes(have map[string]indexShape, cfg *Config, cols map[string]targetColumn) []tableIndex {
	var out []tableIndex
next:
	for _, ix := range tableIndexes(cfg.Table) {
		for _, c := range ix.cols {
			if _, ok := cols[c]; !ok {
				continue next
			}
		}
		if h, ok := have[ix.name]; !ok || h != (indexShape{ix.method, ix.exprFirst}) {
			out = append(out, ix)
		}
	}
	return out
}

// ensureIndexes brings the indexes of a table of ours to tableIndexes: it
// drops the obsolete ones, creates the missing ones and replaces an earlier
// version's btree on a bare text column. Letta's table is never touched. A
// statement the server refuses (an index entry too long because of a row's
// id alone, or a role that does not own the table) is undone alone and
// logged: List answers the same without that index, only slower, so the
// exporter starts. Only a lost connection fails.
func ensureIndexes(ctx context.Context, pool *pgxpool.Pool, cfg *Config, cols map[string]targetColumn, logger *zap.Logger) error {
	if lettaTable(cols) {
		return nil
	}
	table := quote(cfg.Schema, cfg.Table)
	have, err := readIndexes(ctx, pool, table)
	if err != nil || (len(missingIndexes(have, cfg, cols)) == 0 && len(obsoleteIndexes(have, cfg.Table)) == 0) {
		return err // no lock and no transaction when all are there
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(schemaLock)); err != nil {
			return err
		}
		have, err := readIndexes(ctx, tx, table) // another collector may have done it meanwhile
		if err != nil {
			return err
		}
		// try runs stmts in a savepoint, so that a refusal undoes only them.
		try := func(index string, stmts ...string) error {
			err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
				for _, q := range stmts {
					if _, err := sp.Exec(ctx, q); err != nil {
						return err
					}
				}
				return nil
			})
			var pg *pgconn.PgError
			if err != nil && errors.As(err, &pg) {
				logger.Warn("create_schema: an index of the steps table could not be brought up to date; steps serve still answers, maybe more slowly. Run the statements by hand once the cause is fixed",
					zap.String("table", table), zap.String("index", index), zap.Strings("statements", stmts), zap.Error(err))
				return nil
			}
			return err
		}
		for _, name := range obsoleteIndexes(have, cfg.Table) {
			if err := try(name, "DROP INDEX "+quote(cfg.Schema, name)); err != nil {
				return err
			}
		}
		for _, ix := range missingIndexes(have, cfg, cols) {
			var stmts []string
			if _, ok := have[ix.name]; ok {
				stmts = append(stmts, "DROP INDEX "+quote(cfg.Schema, ix.name))
			}
			if err := try(ix.name, append(stmts, ix.createIndexSQL(table))...); err != nil {
				return err
			}
		}
		return nil
	})
}
