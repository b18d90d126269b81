package pgstore

import (
	"fmt"
	"strings"

	"github.com/agentsteps/collector/step"
)

// The SQL below applies step.Merge followed by Finalize to a stored row (t)
// and an incoming one (EXCLUDED), column by column:
//   - a set value beats NULL: GREATEST and LEAST ignore NULLs;
//   - strings take the larger, compared bytewise as Go does (COLLATE "C");
//   - counts and end_time take the larger, start_time the smaller;
//   - status and progression take the higher rank;
//   - tags are the sorted union;
//   - total_tokens is at least prompt + completion, and the detail objects
//     are re-derived from the merged cache and reasoning counts;
//   - a staged string takes the value of the later stage first, by the
//     stages column (step.Stages); the row's stages take the later of each.
//
// A table Letta's migrations made (it has none of our columns: lettaTable)
// is Letta's record of its own writes, which always overwrite. There a
// stored string, error_data or detail object is never replaced, only filled
// when NULL, so no merge reverts a value Letta wrote. A foreign-key column
// only receives a value its referenced table holds (insertValue), so no row
// is refused for a run or organisation Letta does not know.

// upsertPlan is the SQL for one target table, built once at New.
type upsertPlan struct {
	cols      []column // ours that the table has, in our order
	upsertSQL string   // reads the batch from the connection's incoming table
	// upsertArraysSQL reads the batch from one array parameter per column
	// (unnest), for small batches: it saves the COPY round trip and the
	// incoming table's truncate at commit, which dominate below a few
	// hundred rows.
	upsertArraysSQL string
	selectSQL       string // the columns Reader scans, in cols order
	missing         []string
}

func newUpsertPlan(table string, target map[string]targetColumn) upsertPlan {
	var p upsertPlan
	for _, c := range columns {
		if _, ok := target[c.name]; ok {
			p.cols = append(p.cols, c)
		} else {
			p.missing = append(p.missing, c.name)
		}
	}
	m := merger{target: target, letta: lettaTable(target)}
	var names, values, sets, reads []string
	for _, c := range p.cols {
		q := quote(c.name)
		names = append(names, q)
		values = append(values, m.insertValue(c))
		reads = append(reads, readExpr(c))
		if c.name != "id" {
			e := m.merged(c)
			if c.name == "feedback" && m.has("feedback_set_at") {
				// Feedback given through the API wins over spans.
				e = `CASE WHEN t."feedback_set_at" IS NOT NULL THEN t."feedback" ELSE ` + e + " END"
			}
			sets = append(sets, q+" = "+e)
		}
	}
	if _, ok := target["updated_at"]; ok {
		sets = append(sets, `"updated_at" = now()`)
	}
	upsert := func(source string) string {
		return fmt.Sprintf(`WITH up AS (
INSERT INTO %s AS t (%s)
SELECT %s FROM %s ORDER BY i."id"
ON CONFLICT ("id") DO UPDATE SET
%s
RETURNING (t.xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`,
			table, strings.Join(names, ", "), strings.Join(values, ", "), source, strings.Join(sets, ",\n"))
	}
	p.upsertSQL = upsert(quote(incomingTable) + " i")
	p.upsertArraysSQL = upsert(arraysSource())
	p.selectSQL = "SELECT " + strings.Join(reads, ", ") + " FROM " + table
	return p
}

// arraysSource is the incoming batch as one array parameter per column,
// in columns order, with the incoming table's column names and types.
func arraysSource() string {
	params := make([]string, len(columns))
	names := make([]string, len(columns))
	for k, c := range columns {
		params[k] = fmt.Sprintf("$%d::%s[]", k+1, c.incomingType())
		names[k] = quote(c.name)
	}
	return "unnest(" + strings.Join(params, ", ") + ") AS i(" + strings.Join(names, ", ") + ")"
}

type merger struct {
	target map[string]targetColumn
	letta  bool
}

// lettaTable tells Letta's own steps table from one this store made: ours
// has the exporter's columns (progression is one), Letta's has none.
func lettaTable(target map[string]targetColumn) bool {
	_, ours := target["progression"]
	return !ours
}

func (m merger) has(name string) bool   { _, ok := m.target[name]; return ok }
func (m merger) typ(name string) string { return m.target[name].typ }

// insertValue casts an incoming value to the target's type. A NOT NULL
// count column (Letta declares its token counts with default 0) gets 0 for
// an unset count, which the max rule treats the same.
func (m merger) insertValue(c column) string {
	v := "i." + quote(c.name)
	if (c.kind == kindCount || c.kind == kindTotal) && m.target[c.name].notNull {
		v = "COALESCE(" + v + ", 0)"
	}
	v += "::" + m.typ(c.name)
	if ref := m.target[c.name].ref; ref != nil {
		// A value the referenced table lacks (a run id derived for
		// another framework, a run Letta set to NULL) is left out, checked
		// in the same statement, rather than failing the row for ever.
		v = fmt.Sprintf("(SELECT r.%s FROM %s r WHERE r.%s = %s LIMIT 1)", ref.column, ref.table, ref.column, v)
	}
	return v
}

func sides(name string) (t, e string) { q := quote(name); return "t." + q, "EXCLUDED." + q }

func (m merger) merged(c column) string {
	t, e := sides(c.name)
	typ := m.typ(c.name)
	if m.letta {
		switch c.kind {
		case kindString, kindErrorData, kindPromptDetails, kindCompletionDetails:
			return fmt.Sprintf("COALESCE(%s, %s)", t, m.derivedOr(c, e))
		}
	}
	switch c.kind {
	case kindCount, kindEnd:
		return fmt.Sprintf("GREATEST(%s, %s)", t, e)
	case kindStart:
		return fmt.Sprintf("LEAST(%s, %s)", t, e)
	case kindStartNanos:
		return m.mergedNanos("start_time", t, e, "<", "LEAST")
	case kindEndNanos:
		return m.mergedNanos("end_time", t, e, ">", "GREATEST")
	case kindTotal:
		sum := "NULL"
		if m.has("prompt_tokens") && m.has("completion_tokens") {
			sum = fmt.Sprintf("(%s::bigint + %s::bigint)", m.mergedCount("prompt_tokens", "", ""), m.mergedCount("completion_tokens", "", ""))
		}
		return fmt.Sprintf("GREATEST(%s::bigint, %s::bigint, %s)::%s", t, e, sum, typ)
	case kindStatus:
		return byRank(t, e, statusRank)
	case kindProgression:
		return byRank(t, e, progressionRank)
	case kindTags:
		return fmt.Sprintf(`CASE WHEN json_typeof(%[2]s::json) IS DISTINCT FROM 'array' THEN %[1]s
WHEN json_typeof(%[1]s::json) IS DISTINCT FROM 'array' OR %[1]s::text = %[2]s::text THEN %[2]s
ELSE (SELECT json_agg(u.v ORDER BY u.v COLLATE "C") FROM (SELECT json_array_elements_text(%[1]s::json) UNION SELECT json_array_elements_text(%[2]s::json)) u(v))::%[3]s END`, t, e, typ)
	case kindErrorData:
		return mergedErrorData(t, e, typ)
	case kindUSD, kindCostSource:
		return m.mergedCost(c, t, e, typ)
	case kindPromptDetails:
		cached := m.mergedCount("cached_input_tokens", c.name, "cached_tokens")
		write := m.mergedCount("cache_write_tokens", c.name, "cache_creation_tokens")
		return fmt.Sprintf(`CASE WHEN %[1]s IS NULL AND %[2]s IS NULL THEN NULL
ELSE json_strip_nulls(json_build_object('cached_tokens', %[1]s, 'cache_read_tokens', %[1]s, 'cache_creation_tokens', %[2]s))::%[3]s END`, cached, write, typ)
	case kindCompletionDetails:
		reasoning := m.mergedCount("reasoning_tokens", c.name, "reasoning_tokens")
		return fmt.Sprintf(`CASE WHEN %[1]s IS NULL THEN NULL
ELSE json_build_object('reasoning_tokens', %[1]s)::%[2]s END`, reasoning, typ)
	case kindStages:
		// A stage is stored only beside a value, and a value never goes
		// back to NULL, so the winner's stage is the later of the two.
		return fmt.Sprintf(`CASE WHEN %[2]s IS NULL OR %[1]s::text = %[2]s::text THEN %[1]s WHEN %[1]s IS NULL THEN %[2]s
ELSE (SELECT json_object_agg(k, GREATEST(COALESCE((%[1]s::jsonb->>k)::int, 0), COALESCE((%[2]s::jsonb->>k)::int, 0)) ORDER BY k)
  FROM jsonb_object_keys(%[1]s::jsonb || %[2]s::jsonb) AS k)::%[3]s END`, t, e, typ)
	}
	if c.staged() && m.has("stages") {
		ts, es := m.stage(c.name, "t"), m.stage(c.name, "EXCLUDED")
		return fmt.Sprintf(`CASE WHEN %[2]s IS NULL OR %[1]s = %[2]s THEN %[1]s WHEN %[1]s IS NULL THEN %[2]s
WHEN %[4]s > %[3]s THEN %[2]s WHEN %[4]s < %[3]s THEN %[1]s
ELSE GREATEST(%[1]s::text COLLATE "C", %[2]s::text COLLATE "C")::%[5]s END`, t, e, ts, es, typ)
	}
	return fmt.Sprintf(`GREATEST(%s::text COLLATE "C", %s::text COLLATE "C")::%s`, t, e, typ)
}

// stage is the stage of column name's value on one side of the merge.
func (m merger) stage(name, side string) string {
	return fmt.Sprintf(`COALESCE((%s."stages"::jsonb->>'%s')::int, 0)`, side, name)
}

// derivedOr is what fills a NULL column of Letta's table: the incoming
// value, or for a detail object the one derived from the merged counts.
func (m merger) derivedOr(c column, e string) string {
	switch c.kind {
	case kindPromptDetails, kindCompletionDetails:
		m.letta = false
		return m.merged(c)
	}
	return e
}

// mergedNanos follows the time it belongs to: the side whose time wins
// gives its nanoseconds, and equal times take the better of the two.
func (m merger) mergedNanos(timeCol, t, e, wins, pick string) string {
	if !m.has(timeCol) {
		return fmt.Sprintf("%s(%s, %s)", pick, t, e)
	}
	tt, et := sides(timeCol)
	return fmt.Sprintf(`CASE WHEN %[3]s IS NULL THEN %[1]s WHEN %[4]s IS NULL THEN %[2]s
WHEN %[3]s %[5]s %[4]s THEN %[2]s WHEN %[4]s %[5]s %[3]s THEN %[1]s ELSE %[6]s(%[1]s, %[2]s) END`, t, e, et, tt, wins, pick)
}

// mergedCount is the merged value of a count column. A table without the
// column (Letta before 2026-02) still has the count inside its details
// object, which Letta and this store both write.
func (m merger) mergedCount(name, details, key string) string {
	if m.has(name) {
		t, e := sides(name)
		return fmt.Sprintf("GREATEST(%s::bigint, %s::bigint)", t, e)
	}
	if details == "" || !m.has(details) {
		return "NULL::bigint"
	}
	t, e := sides(details)
	return fmt.Sprintf("GREATEST((%s::json->>'%s')::bigint, (%s::json->>'%s')::bigint)", t, key, e, key)
}

// mergedErrorData merges Letta's {"message","traceback","details"} part by
// part. details is compared as the record holds it (the text of an object,
// or the string itself) and the winner's JSON is kept as it was written.
func mergedErrorData(t, e, typ string) string {
	part := func(key string) string {
		return fmt.Sprintf(`GREATEST(%s::json->>'%s' COLLATE "C", %s::json->>'%s' COLLATE "C")`, t, key, e, key)
	}
	details := func(side string) string {
		return fmt.Sprintf(`(CASE json_typeof(%[1]s::json->'details') WHEN 'string' THEN %[1]s::json->>'details' WHEN 'null' THEN NULL ELSE (%[1]s::json->'details')::text END)`, side)
	}
	return fmt.Sprintf(`CASE WHEN %[2]s IS NULL THEN %[1]s WHEN %[1]s IS NULL OR %[1]s::text = %[2]s::text THEN %[2]s
ELSE json_build_object('message', %[3]s, 'traceback', %[4]s, 'details',
  CASE WHEN %[6]s IS NULL OR %[5]s COLLATE "C" > %[6]s COLLATE "C" THEN %[2]s::json->'details' ELSE %[1]s::json->'details' END)::%[7]s END`,
		t, e, part("message"), part("traceback"), details(e), details(t), typ)
}

// mergedCost moves the cost columns as one group, as step.Merge does: the
// side whose cost_source ranks higher gives every cost column; equal
// sources take the larger amount (and the larger source text).
func (m merger) mergedCost(c column, t, e, typ string) string {
	same := fmt.Sprintf("GREATEST(%s, %s)", t, e)
	if c.kind == kindCostSource {
		same = fmt.Sprintf(`GREATEST(%s::text COLLATE "C", %s::text COLLATE "C")::%s`, t, e, typ)
	}
	if !m.has("cost_source") {
		return same
	}
	st, se := sides("cost_source")
	return fmt.Sprintf("CASE WHEN %[1]s > %[2]s THEN %[3]s WHEN %[1]s < %[2]s THEN %[4]s ELSE %[5]s END",
		costRank(se), costRank(st), e, t, same)
}

// costRank is step.CostSourceRank in SQL.
func costRank(side string) string {
	return fmt.Sprintf("(CASE WHEN %[1]s IS NULL THEN 0 WHEN %[1]s::text = '%[2]s' THEN %[3]d WHEN %[1]s::text = '%[4]s' THEN %[5]d ELSE %[6]d END)",
		side, step.CostSourceConfig, step.CostSourceRank(step.CostSourceConfig), step.CostSourceSpan, step.CostSourceRank(step.CostSourceSpan),
		step.CostSourceRank(step.CostSourceCataloguePrefix))
}

func byRank(t, e string, rank func(side string) string) string {
	return fmt.Sprintf("CASE WHEN %s > %s THEN %s ELSE %s END", rank(e), rank(t), e, t)
}

// statusRank is step.StatusRank in SQL, over Letta's enum names.
func statusRank(side string) string {
	var b strings.Builder
	b.WriteString("(CASE upper(" + side + "::text)")
	for _, s := range []step.Status{step.StatusPending, step.StatusSuccess, step.StatusCancelled, step.StatusFailed} {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", strings.ToUpper(string(s)), step.StatusRank(s))
	}
	b.WriteString(" ELSE 0 END)")
	return b.String()
}

// progressionRank is step.ProgressionRank in SQL.
func progressionRank(side string) string {
	var b strings.Builder
	b.WriteString("(CASE lower(" + side + "::text)")
	for _, p := range []step.Progression{step.ProgressionStart, step.ProgressionStreamReceived, step.ProgressionResponseReceived,
		step.ProgressionStepLogged, step.ProgressionLoggedTrace, step.ProgressionFinished} {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", p, step.ProgressionRank(p))
	}
	b.WriteString(" ELSE 0 END)")
	return b.String()
}

// readExpr casts a stored column to what Reader scans.
func readExpr(c column) string {
	q := quote(c.name)
	switch c.kind {
	case kindCount, kindTotal, kindStartNanos, kindEndNanos:
		return q + "::bigint"
	case kindStart, kindEnd:
		return q + "::timestamptz"
	}
	return q + "::text"
}
