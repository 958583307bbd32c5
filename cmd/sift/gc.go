package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

// defaultGCPercent is the garbage collector's target for the commands that
// serve: a collection starts when the heap has grown by this percent over
// what the last one kept. Most of a server's heap is its long-lived indexes
// (type-ahead, metrics, vectors) and every collection marks all of it, while
// requests only add short-lived garbage; at Go's default of 100 a 100,000
// article server under type-ahead load collected twice a second. 200 halves
// that, for a heap of up to three times the live data instead of two.
const defaultGCPercent = 200

// gcFlag is the --gc-percent flag.
type gcFlag struct{ percent int }

func (g *gcFlag) register(fs *flagSet) {
	fs.IntVar(&g.percent, "gc-percent", defaultGCPercent,
		"Go garbage collector target: collect when the heap has grown this many percent over what the last collection kept (GOGC in the environment, if set, wins)")
}

func (g *gcFlag) validate() error {
	if g.percent < 1 {
		return fmt.Errorf("--gc-percent: want 1 or more, got %d", g.percent)
	}
	return nil
}

// apply sets the target unless GOGC is set, and returns the target in force.
func (g *gcFlag) apply() int {
	if _, set := os.LookupEnv("GOGC"); set {
		current := debug.SetGCPercent(100)
		debug.SetGCPercent(current)
		return current
	}
	debug.SetGCPercent(g.percent)
	return g.percent
}
