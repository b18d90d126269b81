package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/agentsteps/collector/step"
)

const listUsage = `Usage: steps list (--sqlite PATH | --postgres DSN) [--json] [--limit N]

Prints the latest Step records of a store written by the step exporter,
newest first: an aligned table, or with --json one record per line with the
record's snake_case keys (the same shape as steps convert).

The PostgreSQL DSN is a URL or key=value string as libpq takes it; its
password is never printed.
`

type listOptions struct {
	sqlitePath  string
	postgresDSN string
	pgTable     string
	pgSchema    string
	asJSON      bool
	limit       int
}

func runList(args []string, stdout, stderr io.Writer) int {
	var o listOptions
	fs := newFlagSet("list", listUsage, stderr)
	fs.StringVar(&o.sqlitePath, "sqlite", "", "read the SQLite file at `PATH` (as in the exporter's sqlite::path)")
	fs.StringVar(&o.postgresDSN, "postgres", "", "read PostgreSQL at `DSN` (as in the exporter's postgres::dsn)")
	fs.StringVar(&o.pgTable, "table", "steps", "PostgreSQL table (as in postgres::table)")
	fs.StringVar(&o.pgSchema, "schema", "public", "PostgreSQL schema (as in postgres::schema)")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON Lines instead of a table")
	fs.IntVar(&o.limit, "limit", 20, "print at most `N` records")
	if ok, code := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if err := o.validate(fs.NArg()); err != nil {
		fmt.Fprintf(stderr, "steps list: %v\n", err)
		return 2
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reader, closeReader, err := openReader(ctx, o)
	if err != nil {
		fmt.Fprintf(stderr, "steps list: %v\n", err)
		return 1
	}
	defer closeReader()
	records, err := reader.Recent(ctx, o.limit)
	if err != nil {
		fmt.Fprintf(stderr, "steps list: %s: %v\n", o.source(), o.redact(err))
		return 1
	}
	if o.asJSON {
		err = writeJSONLines(stdout, records)
	} else {
		err = writeTable(stdout, records)
	}
	if err != nil {
		fmt.Fprintf(stderr, "steps list: %v\n", err)
		return 1
	}
	return 0
}

func (o *listOptions) validate(nargs int) error {
	switch {
	case nargs > 0:
		return errors.New("unexpected arguments; give the store with --sqlite PATH or --postgres DSN")
	case (o.sqlitePath == "") == (o.postgresDSN == ""):
		return errors.New("give exactly one of --sqlite PATH or --postgres DSN")
	case o.limit < 1:
		return fmt.Errorf("--limit must be >= 1 (got %d)", o.limit)
	}
	return nil
}

func writeJSONLines(w io.Writer, records []step.Step) error {
	enc := json.NewEncoder(w)
	for i := range records {
		if err := enc.Encode(&records[i]); err != nil {
			return err
		}
	}
	return nil
}

func writeTable(w io.Writer, records []step.Step) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTART (UTC)\tAGENT\tMODEL\tPROVIDER\tTOKENS IN\tTOKENS OUT\tCOST\tSTATUS\tFINISH")
	for _, r := range records {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.ID, startText(r.StartTime), orDash(r.AgentID), orDash(r.Model), orDash(r.ProviderName),
			countText(r.PromptTokens), countText(r.CompletionTokens), costText(r.CostUSD), orDash(string(r.Status)), orDash(r.FinishReason))
	}
	return tw.Flush()
}

func startText(t step.Time) string {
	if t == 0 {
		return "-"
	}
	return time.Unix(0, int64(t)).UTC().Format("2006-01-02 15:04:05.000")
}

func countText(n *int64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatInt(*n, 10)
}

// costText is a cost in USD to the millionth of a dollar, "-" when unknown.
func costText(usd *float64) string {
	if usd == nil {
		return "-"
	}
	return "$" + strconv.FormatFloat(*usd, 'f', 6, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
