// Command steps works with Step records outside the collector: it converts
// OTLP/JSON traces to records offline, replays traces to a collector, and
// lists the records a collector stored.
package main

import (
	"fmt"
	"io"
	"os"
)

// subcommand runs with the arguments after its name and returns the exit
// code: 0 on success, 1 when some input failed, 2 on a usage error.
type subcommand struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var subcommands = []subcommand{
	{"convert", "convert OTLP/JSON trace files to Step records (JSON Lines)", runConvert},
	{"replay", "send OTLP/JSON trace files to a collector over OTLP", runReplay},
	{"list", "print the latest Step records of a SQLite or PostgreSQL store", runList},
	{"serve", "serve a store's Step records over HTTP (Letta's /v1/steps API)", runServe},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printUsage(stdout)
		return 0
	}
	for _, c := range subcommands {
		if c.name == args[0] {
			if wantsHelp(args[1:]) {
				// Help goes to stdout alone, whatever a command's flag
				// parser also writes to stderr.
				return c.run([]string{"--help"}, stdout, io.Discard)
			}
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "steps: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return 2
}

func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: steps COMMAND [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range subcommands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `steps COMMAND --help` for the flags of a command.")
}
