package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEveryCommandPrintsItsHelpToStdout(t *testing.T) {
	for _, c := range subcommands {
		var stdout, stderr bytes.Buffer
		code := run([]string{c.name, "--help"}, &stdout, &stderr)
		require.Equal(t, 0, code, c.name)
		require.Contains(t, stdout.String(), "Usage: steps "+c.name, c.name)
		require.Empty(t, stderr.String(), c.name)
	}
}

func TestHelpListsTheCommands(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"--help"}, &stdout, &stderr))
	for _, c := range subcommands {
		require.Contains(t, stdout.String(), c.name)
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 2, run([]string{"lsit"}, &stdout, &stderr))
	require.Contains(t, stderr.String(), `unknown command "lsit"`)
	require.Contains(t, stderr.String(), "replay")
	require.Equal(t, 2, run(nil, &stdout, &stderr))
}
