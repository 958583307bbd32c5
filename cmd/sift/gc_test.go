package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestGCFlag checks that --gc-percent sets the collector's target, that
// GOGC in the environment wins over it, and that nonsense is refused.
func TestGCFlag(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	if err := (&gcFlag{percent: 0}).validate(); err == nil {
		t.Error("--gc-percent 0 was accepted")
	}
	if gogc, set := os.LookupEnv("GOGC"); set {
		t.Cleanup(func() { os.Setenv("GOGC", gogc) })
	}
	os.Unsetenv("GOGC")
	if got := (&gcFlag{percent: 250}).apply(); got != 250 {
		t.Errorf("apply returned %d, want 250", got)
	}
	if got := debug.SetGCPercent(100); got != 250 {
		t.Errorf("the collector's target is %d, want 250", got)
	}
	t.Setenv("GOGC", "100")
	if got := (&gcFlag{percent: 300}).apply(); got != 100 {
		t.Errorf("with GOGC set, apply returned %d, want the target in force, 100", got)
	}
}
