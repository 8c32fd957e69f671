//go:build unix

package storagetest

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time the process has used, user and system: the
// server runs in the process, so a benchmark's cost whatever else runs.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
