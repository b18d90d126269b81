package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/agentsteps/collector/step"
)

const listUsage = `Usage: steps list (--sqlite PATH | --postgres DSN) [--json] [--limit N] [--follow [--interval D]]

Prints the latest Step records of a store written by the step exporter,
newest first: an aligned table, or with --json one record per line with the
record's snake_case keys (the same shape as steps convert).

With --follow it prints the latest N oldest first and then, like tail -f,
every step as it is stored or updated, until interrupted. It reads the
latest 10,000 steps by start time on each poll.

A collector writes a step some seconds after its trace's last span: the
step processor holds each trace for its wait (2s in config.yaml) first.

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
	follow      bool
	interval    time.Duration
}

func runList(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runListContext(ctx, args, stdout, stderr)
}

// runListContext is runList until ctx ends; --follow returns then, with 0.
func runListContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o listOptions
	fs := newFlagSet("list", listUsage, stderr)
	fs.StringVar(&o.sqlitePath, "sqlite", "", "read the SQLite file at `PATH` (as in the exporter's sqlite::path)")
	fs.StringVar(&o.postgresDSN, "postgres", "", "read PostgreSQL at `DSN` (as in the exporter's postgres::dsn)")
	fs.StringVar(&o.pgTable, "table", "steps", "PostgreSQL table (as in postgres::table)")
	fs.StringVar(&o.pgSchema, "schema", "public", "PostgreSQL schema (as in postgres::schema)")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON Lines instead of a table")
	fs.IntVar(&o.limit, "limit", 20, "print at most `N` records (with --follow: at start)")
	fs.BoolVar(&o.follow, "follow", false, "keep printing steps as they are stored, until interrupted")
	fs.DurationVar(&o.interval, "interval", time.Second, "with --follow, poll the store every `D`")
	if ok, code := parseFlags(fs, args, stdout); !ok {
		return code
	}
	if err := o.validate(fs.NArg()); err != nil {
		fmt.Fprintf(stderr, "steps list: %v\n", err)
		return 2
	}

	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	reader, closeReader, err := openReader(openCtx, o)
	if err != nil {
		fmt.Fprintf(stderr, "steps list: %v\n", err)
		return 1
	}
	defer closeReader()
	if o.follow {
		if err := follow(ctx, reader, o, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "steps list: %s: %v\n", o.source(), o.redact(err))
			return 1
		}
		return 0
	}
	records, err := reader.Recent(openCtx, o.limit)
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
	if len(records) == 0 {
		fmt.Fprint(stderr, emptyStoreHint(o.source()))
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
	case o.follow && o.interval < 10*time.Millisecond:
		return fmt.Errorf("--interval must be at least 10ms (got %s)", o.interval)
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
	return writeRows(w, records, true)
}

// writeRows writes records as aligned table rows, under the header when
// header is set. Rows written by separate calls (--follow) align within
// each call only.
func writeRows(w io.Writer, records []step.Step, header bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if header {
		fmt.Fprintln(tw, "ID\tSTART (UTC)\tAGENT\tMODEL\tPROVIDER\tTOKENS IN\tTOKENS OUT\tCOST\tSTATUS\tFINISH")
	}
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
