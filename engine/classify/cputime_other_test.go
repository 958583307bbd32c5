//go:build !unix

package classify

import "time"

// cpuTime returns false: process CPU time is read on Unix only.
func cpuTime() (time.Duration, bool) { return 0, false }
