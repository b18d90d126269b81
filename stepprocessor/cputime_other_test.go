//go:build !unix

package stepprocessor

import "time"

// processCPU is not measured here; cpu-ns/span then reads 0.
func processCPU() time.Duration { return 0 }
