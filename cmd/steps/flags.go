package main

import (
	"flag"
	"fmt"
	"io"
)

// newFlagSet makes a subcommand's flag set; usage is the text printed before
// the flag list by --help.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("steps "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fmt.Fprintln(fs.Output(), "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and reports whether the command should go on. If
// not, code is the exit code: 0 after --help (printed to stdout), 2 after a
// usage error (printed to stderr).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (ok bool, code int) {
	if wantsHelp(args) {
		fs.SetOutput(stdout)
		fs.Usage()
		return false, 0
	}
	if err := fs.Parse(args); err != nil {
		return false, 2
	}
	return true, 0
}
