//go:build unix

package stepprocessor

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the test process has
// used, over all its threads: the work done, whatever else the machine
// runs at the time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
