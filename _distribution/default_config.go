// Package main's extra file for the otelcol-steps distribution: make build
// copies it, with config.yaml as default_config.yaml, into the directory
// ocb generates (_build), whose main.go is ocb's and is not edited. The
// directory's leading underscore keeps it out of this module's ./...

package main

import (
	_ "embed"
	"os"
)

// defaultConfig is config.yaml as it was when the binary was built.
//
//go:embed default_config.yaml
var defaultConfig string

// Started with no arguments, the collector runs on the configuration
// embedded in it, through the yaml provider: `otelcol-steps` alone is what
// `make run` starts. Any argument (--config, a subcommand, --help) leaves
// the stock collector command line as it is.
func init() {
	if len(os.Args) == 1 {
		os.Args = append(os.Args, "--config", "yaml:"+defaultConfig)
	}
}
