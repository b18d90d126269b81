package main

import (
	"fmt"
	"io"
)

// runConvert implements `steps convert FILE...`. Stub until the processor core lands.
func runConvert(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "steps convert: not built yet")
	return 2
}
