// Package benchdiff compares two runs of sift bench, as the JSON reports
// that `sift bench --json-file` writes, and flags the measures that got
// worse by more than the machine's noise, so a change that slows a hot path
// is seen in review.
//
// Every number of a report is a leaf of its JSON tree, named by its path
// (typeahead.sift.p99_us); an array of objects is keyed by each element's
// "field" or "name" (triage.classifiers.category.held_out_accuracy).
// Whether a measure is better lower or higher is read from its name:
// latencies (_us, _ms), times (seconds) and memory (_bytes) are better
// lower; rates (_per_second), speed-ups (baseline_over_sift), held-out
// scores and counts of answered calls are better higher; errors must not
// grow. Settings (articles, seed, cpus, tickets, concurrency...) must be
// the same in both runs, or they are not comparable; every other leaf
// (counts of calls, of requests sent in a fixed time) is neither.
//
// The noise of a measure is the largest ratio between two runs of one
// build on one machine (Noise, over repeated runs). A measure regressed
// when the new run is worse than the old by a larger factor than its
// noise, and never by less than a floor: p99 latencies over HTTP vary by
// half between identical runs on a shared 2-core machine, indexing rates
// by a few per cent.
package benchdiff

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Run is one bench report, flattened.
type Run struct {
	// Measures holds every measure by path.
	Measures map[string]float64
	// Settings holds what the run was asked to do, and on what, by path:
	// two runs are comparable only when the settings both hold are equal.
	Settings map[string]string
	// Load is the higher of the machine's load averages at the run's start
	// and end (0 when the report lacks them): other work slows every
	// measure, so runs at very different loads differ by more than code.
	Load float64
}

// settings are the leaf names that say what a run was asked to do, or
// what it ran on.
var settings = map[string]bool{
	"articles": true, "seed": true, "queries": true, "cpus": true, "gomaxprocs": true, "gc_percent": true,
	"platform": true, "corpus_bytes": true, "backend": true, "embedder": true, "model": true, "dimensions": true,
	"tickets": true, "tickets_bytes": true, "train_tickets": true, "sentences": true, "batch": true,
	"drafts": true, "warm_up": true, "concurrency": true, "events_in_log": true,
}

// Parse reads a report as sift bench --json-file writes it.
func Parse(data []byte) (Run, error) {
	var tree map[string]any
	if err := json.Unmarshal(data, &tree); err != nil {
		return Run{}, fmt.Errorf("not a sift bench report: %w", err)
	}
	r := Run{Measures: map[string]float64{}, Settings: map[string]string{}}
	r.add("", tree)
	if len(r.Measures) == 0 {
		return Run{}, fmt.Errorf("not a sift bench report: no measures")
	}
	return r, nil
}

// add records v, found at path, and what it holds.
func (r *Run) add(path string, v any) {
	name := path[strings.LastIndexByte(path, '.')+1:]
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			r.add(join(path, k), x)
		}
	case []any:
		for i, x := range v {
			key := strconv.Itoa(i)
			if obj, ok := x.(map[string]any); ok {
				if s, ok := obj["field"].(string); ok {
					key = s
				} else if s, ok := obj["name"].(string); ok {
					key = s
				}
			}
			r.add(join(path, key), x)
		}
	case float64:
		if path == "load_average_start" || path == "load_average_end" {
			r.Load = max(r.Load, v)
		}
		if settings[name] {
			r.Settings[path] = strconv.FormatFloat(v, 'g', -1, 64)
		} else if directionOf(name) != none {
			r.Measures[path] = v
		}
	case string:
		if settings[name] {
			r.Settings[path] = v
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// direction says which way a measure improves.
type direction int

const (
	none        direction = iota // not a measure
	lower                        // better lower: latencies, times, memory
	higher                       // better higher: rates, speed-ups, scores
	mustNotGrow                  // errors: any increase is a regression
)

// directionOf reads from a leaf's name which way it improves.
func directionOf(name string) direction {
	switch {
	case name == "errors":
		return mustNotGrow
	case strings.HasSuffix(name, "_us"), strings.HasSuffix(name, "_ms"),
		name == "seconds", strings.HasSuffix(name, "_seconds"), strings.Contains(name, "bytes"):
		return lower
	case strings.HasSuffix(name, "_per_second"), strings.Contains(name, "_over_"),
		strings.HasPrefix(name, "held_out_"), name == "answered", strings.HasPrefix(name, "with_"):
		return higher
	}
	return none
}

// worse returns by what factor now is worse than then for a measure that
// improves in direction d: above 1 worse, below 1 better; 1 when either
// is not positive, as a ratio says nothing then.
func worse(d direction, then, now float64) float64 {
	if then <= 0 || now <= 0 {
		return 1
	}
	if d == higher {
		return then / now
	}
	return now / then
}

// Noise returns, for each measure every run has, the largest ratio
// between two of the runs: how far apart runs of one build can fall. Runs
// with other settings than the first are an error.
func Noise(runs []Run) (map[string]float64, error) {
	if len(runs) < 2 {
		return nil, fmt.Errorf("noise needs 2 runs of one build or more, got %d", len(runs))
	}
	for i, r := range runs[1:] {
		if err := Comparable(runs[0], r); err != nil {
			return nil, fmt.Errorf("runs 1 and %d: %w", i+2, err)
		}
	}
	out := map[string]float64{}
	for name := range runs[0].Measures {
		lo, hi := math.Inf(1), 0.0
		for _, r := range runs {
			v, ok := r.Measures[name]
			if !ok || v <= 0 {
				lo = 0
				break
			}
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo > 0 {
			out[name] = hi / lo
		}
	}
	return out, nil
}

// Comparable returns an error naming the settings a and b record with
// other values, or nil when they agree: only then are their figures
// comparable. A setting only one of them records (added to sift bench
// since the other ran) is not held against them.
func Comparable(a, b Run) error {
	var diff []string
	for _, k := range slices.Sorted(maps.Keys(a.Settings)) {
		if bv, ok := b.Settings[k]; ok && bv != a.Settings[k] {
			diff = append(diff, fmt.Sprintf("%s %s, then %s", k, a.Settings[k], bv))
		}
	}
	if len(diff) > 0 {
		return fmt.Errorf("other settings, so figures not comparable: %s", strings.Join(diff, "; "))
	}
	return nil
}

// Verdict is what a comparison says of one measure.
type Verdict string

// The verdicts of a measure.
const (
	Same       Verdict = ""           // within its noise
	Regression Verdict = "REGRESSION" // worse by more than its noise
	Improved   Verdict = "improved"   // better by more than its noise
)

// Change is one measure in two runs.
type Change struct {
	Name      string
	Old, New  float64
	Worse     float64 // factor by which New is worse than Old: below 1 is better
	Threshold float64 // the factor beyond which a change counts: its noise, at least the floor
	Verdict   Verdict
}

// Compare returns every measure both runs have, by name, judged against
// noise (by measure, from Noise) and floor (a factor, such as 1.1 for
// 10%, used where it is larger than the noise or the noise lacks the
// measure). Runs with other settings are an error.
func Compare(old, new Run, noise map[string]float64, floor float64) ([]Change, error) {
	if err := Comparable(old, new); err != nil {
		return nil, err
	}
	var out []Change
	for _, name := range slices.Sorted(maps.Keys(old.Measures)) {
		now, ok := new.Measures[name]
		if !ok {
			continue
		}
		then := old.Measures[name]
		d := directionOf(name[strings.LastIndexByte(name, '.')+1:])
		c := Change{Name: name, Old: then, New: now, Worse: worse(d, then, now), Threshold: max(noise[name], floor)}
		switch {
		case d == mustNotGrow && now > then, d != mustNotGrow && c.Worse > c.Threshold:
			c.Verdict = Regression
		case d == mustNotGrow && now < then, d != mustNotGrow && c.Worse < 1/c.Threshold:
			c.Verdict = Improved
		}
		out = append(out, c)
	}
	return out, nil
}
