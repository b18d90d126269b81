package sqlitestore

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/agentsteps/collector/step"
)

// upsertSQL inserts one record, or merges it into the row already there with
// the rule of step.Merge followed by Finalize. It is built once from
// columns, so the table, the insert and the merge cannot drift apart.
var upsertSQL = buildUpsert()

// existingSQL lists which ids of a batch already have a row, so that Upsert
// can report inserted and merged records, and re-price only merged rows.
const existingSQL = `SELECT id FROM steps WHERE id IN (SELECT value FROM json_each(?))`

func buildUpsert() string {
	var cols, marks, sets []string
	for _, c := range columns {
		if c.merge == derived {
			continue
		}
		cols, marks = append(cols, c.name), append(marks, "?")
		if c.name != "id" {
			e := mergeExpr(c)
			if c.name == "feedback" {
				// Feedback given through the API wins over spans.
				e = "CASE WHEN steps.feedback_set_at IS NOT NULL THEN steps.feedback ELSE " + e + " END"
			}
			sets = append(sets, c.name+" = "+e)
		}
	}
	cols, marks = append(cols, "created_at", "updated_at"), append(marks, "?", "?")
	sets = append(sets, "updated_at = excluded.updated_at")
	return fmt.Sprintf("INSERT INTO steps (%s) VALUES (%s)\nON CONFLICT (id) DO UPDATE SET\n  %s",
		strings.Join(cols, ", "), strings.Join(marks, ", "), strings.Join(sets, ",\n  "))
}

func mergeExpr(c column) string {
	old, inc := "steps."+c.name, "excluded."+c.name
	switch c.merge {
	case mergeLarger:
		return largerText(old, inc)
	case mergeStaged:
		stage := func(side string) string {
			return fmt.Sprintf("coalesce(json_extract(%s.stages, '$.%s'), 0)", side, c.name)
		}
		// Equal values, and rows without stages (most sources), skip the
		// JSON lookups: SQLite parses the stages text on each.
		return fmt.Sprintf("CASE WHEN %[2]s IS NULL OR %[1]s = %[2]s THEN %[1]s WHEN %[1]s IS NULL THEN %[2]s\n"+
			"    WHEN steps.stages IS NULL AND excluded.stages IS NULL THEN max(%[1]s, %[2]s)\n"+
			"    WHEN %[4]s > %[3]s THEN %[2]s WHEN %[4]s < %[3]s THEN %[1]s ELSE max(%[1]s, %[2]s) END",
			old, inc, stage("steps"), stage("excluded"))
	case mergeStages:
		// A stage is stored only beside a value, and a value never goes
		// back to NULL, so the winner's stage is the larger of the two.
		return fmt.Sprintf("CASE WHEN %[2]s IS NULL OR %[1]s = %[2]s THEN %[1]s WHEN %[1]s IS NULL THEN %[2]s\n"+
			"    ELSE (SELECT json_group_object(k, st) FROM (SELECT key AS k, max(value) AS st FROM\n"+
			"    (SELECT key, value FROM json_each(%[1]s) UNION ALL SELECT key, value FROM json_each(%[2]s)) GROUP BY key)) END",
			old, inc)
	case mergeMax:
		return maxCount(c.name)
	case mergeMin:
		return fmt.Sprintf("coalesce(min(%[1]s, %[2]s), %[1]s, %[2]s)", old, inc)
	case mergeTotal:
		// Finalize: the total is at least prompt + completion once both are known.
		p, q, t := maxCount("prompt_tokens"), maxCount("completion_tokens"), maxCount("total_tokens")
		return fmt.Sprintf("CASE WHEN (%[1]s) IS NULL OR (%[2]s) IS NULL THEN %[3]s\n    ELSE max(coalesce(%[3]s, 0), (%[1]s) + (%[2]s)) END", p, q, t)
	case mergeStatusRank:
		return forward(old, inc, rankCase(statuses()))
	case mergeProgression:
		return forward(old, inc, rankCase(progressions()))
	case mergeTags:
		// Incoming tags are sorted and distinct (Upsert sees to it), so the
		// union query only runs when both sides have tags.
		return fmt.Sprintf("CASE WHEN %[1]s IS NULL THEN %[2]s WHEN %[2]s IS NULL OR %[1]s = %[2]s OR %[2]s = '[]' THEN %[1]s\n"+
			"    ELSE (SELECT json_group_array(value ORDER BY value) FROM\n"+
			"    (SELECT value FROM json_each(%[1]s) UNION SELECT value FROM json_each(%[2]s))) END", old, inc)
	case mergeErrorData:
		part := func(k string) string {
			return fmt.Sprintf("'%[1]s', %[2]s", k, largerText(
				fmt.Sprintf("json_extract(%s, '$.%s')", old, k),
				fmt.Sprintf("json_extract(%s, '$.%s')", inc, k)))
		}
		return fmt.Sprintf("CASE WHEN %[1]s IS NULL THEN %[2]s WHEN %[2]s IS NULL THEN %[1]s\n"+
			"    ELSE json_patch('{}', json_object(%[3]s, %[4]s, %[5]s)) END",
			old, inc, part("message"), part("traceback"), part("details"))
	case mergeCost:
		// As step.Merge: the side whose cost_source ranks higher gives
		// every cost column; equal sources take the larger value.
		same := fmt.Sprintf("coalesce(max(%[1]s, %[2]s), %[1]s, %[2]s)", old, inc)
		if c.name == "cost_source" {
			same = largerText(old, inc)
		}
		re, ro := costRank("excluded.cost_source"), costRank("steps.cost_source")
		return fmt.Sprintf("CASE WHEN %[1]s > %[2]s THEN %[3]s WHEN %[1]s < %[2]s THEN %[4]s ELSE %[5]s END", re, ro, inc, old, same)
	}
	panic("sqlitestore: no merge for column " + c.name)
}

// largerText is maxStr: a set value beats an unset one, else the larger.
// SQLite compares TEXT bytewise, as Go compares strings.
func largerText(a, b string) string {
	return fmt.Sprintf("nullif(max(coalesce(%s, ''), coalesce(%s, '')), '')", a, b)
}

func maxCount(name string) string {
	return fmt.Sprintf("coalesce(max(steps.%[1]s, excluded.%[1]s), steps.%[1]s, excluded.%[1]s)", name)
}

// costRank is step.CostSourceRank in SQL.
func costRank(col string) string {
	return fmt.Sprintf("(CASE WHEN %[1]s IS NULL THEN 0 WHEN %[1]s = '%[2]s' THEN %[3]d WHEN %[1]s = '%[4]s' THEN %[5]d ELSE %[6]d END)",
		col, step.CostSourceConfig, step.CostSourceRank(step.CostSourceConfig), step.CostSourceSpan,
		step.CostSourceRank(step.CostSourceSpan), step.CostSourceRank(step.CostSourceCataloguePrefix))
}

func forward(old, inc string, rank func(string) string) string {
	return fmt.Sprintf("CASE WHEN %s > %s THEN %s ELSE %s END", rank(inc), rank(old), inc, old)
}

// rankCase renders a vocabulary's forward order, taken from package step, as
// a CASE expression.
func rankCase(ranks map[string]int) func(string) string {
	var b strings.Builder
	for _, v := range slices.Sorted(maps.Keys(ranks)) {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", v, ranks[v])
	}
	whens := b.String()
	return func(col string) string { return "(CASE " + col + whens + " ELSE 0 END)" }
}

func statuses() map[string]int {
	out := map[string]int{}
	for _, s := range []step.Status{step.StatusPending, step.StatusSuccess, step.StatusFailed, step.StatusCancelled} {
		out[string(s)] = step.StatusRank(s)
	}
	return out
}

func progressions() map[string]int {
	out := map[string]int{}
	for _, p := range []step.Progression{step.ProgressionStart, step.ProgressionStreamReceived,
		step.ProgressionResponseReceived, step.ProgressionStepLogged, step.ProgressionLoggedTrace,
		step.ProgressionFinished} {
		out[string(p)] = step.ProgressionRank(p)
	}
	return out
}
