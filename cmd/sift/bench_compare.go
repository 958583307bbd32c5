package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/siftdesk/sift/cmd/sift/benchdiff"
)

// runBenchCompare is sift bench compare OLD NEW.
func runBenchCompare(_ context.Context, args []string, stdout, stderr io.Writer) error {
	f := newFlagSet("bench compare", "OLD.json NEW.json",
		"Compare two reports of sift bench --json-file (run with the same settings) and list the measures\n"+
			"that got worse, or better, by more than this machine's noise: for each measure, the largest\n"+
			"ratio between repeated runs of one build (--noise), and at least --floor. Exits 1 when a\n"+
			"measure regressed.", stderr)
	noiseGlob := f.String("noise", filepath.Join("testdata", "bench", "noise", "*.json"),
		"reports of repeated runs of one build, with the same settings, that measure the noise (a glob); empty: --floor alone")
	floor := f.Float64("floor", 10, "the smallest change, in per cent, counted as a regression or an improvement")
	all := f.Bool("all", false, "list every measure, not only those beyond their noise")
	if err := f.parse(args); err != nil {
		return err
	}
	if f.NArg() != 2 {
		fmt.Fprintf(stderr, "sift bench compare: want two reports, OLD and NEW, got %d arguments\n", f.NArg())
		f.Usage()
		return errUsage
	}
	if *floor < 0 || *floor > 1000 {
		return fmt.Errorf("--floor: want 0 to 1000 per cent, got %g", *floor)
	}
	old, err := readBenchRun(f.Arg(0))
	if err != nil {
		return err
	}
	now, err := readBenchRun(f.Arg(1))
	if err != nil {
		return err
	}
	noise, runs, err := benchNoise(*noiseGlob, old)
	if err != nil {
		return err
	}
	changes, err := benchdiff.Compare(old, now, noise, 1+*floor/100)
	if err != nil {
		return err
	}
	source := fmt.Sprintf("noise from %d runs (%s), at least %g%%", runs, *noiseGlob, *floor)
	if runs == 0 {
		source = fmt.Sprintf("no noise runs: %g%% for every measure", *floor)
	}
	fmt.Fprintf(stdout, "sift bench compare: %s -> %s; %s\n", f.Arg(0), f.Arg(1), source)
	if old.Load > 0 && now.Load > 0 && (now.Load > loadApart*old.Load || old.Load > loadApart*now.Load) {
		fmt.Fprintf(stdout, "note: the load average was %.1f for OLD and %.1f for NEW; a change may be the machine's, not the code's (compare runs made at similar loads)\n", old.Load, now.Load)
	}
	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MEASURE\tOLD\tNEW\tWORSE BY\tNOISE\tVERDICT\t")
	regressed, improved := 0, 0
	for _, c := range changes {
		switch c.Verdict {
		case benchdiff.Regression:
			regressed++
		case benchdiff.Improved:
			improved++
		}
		if c.Verdict != benchdiff.Same || *all {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", c.Name, fmtFigure(c.Old), fmtFigure(c.New),
				fmtFactor(c.Worse), fmtFactor(c.Threshold), c.Verdict)
		}
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\n%d measures: %d regressed, %d improved, %d within their noise\n",
		len(changes), regressed, improved, len(changes)-regressed-improved)
	if regressed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d measures regressed beyond their noise", regressed)}
	}
	return nil
}

// loadApart is the ratio of two runs' load averages beyond which compare
// warns that the machine, not the code, may explain their differences.
const loadApart = 1.5

// readBenchRun reads one report of sift bench --json-file.
func readBenchRun(path string) (benchdiff.Run, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return benchdiff.Run{}, err
	}
	r, err := benchdiff.Parse(data)
	if err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// benchNoise reads the repeated runs glob matches, which must have the
// settings of like, and returns the noise they measure and how many there
// were; an empty glob means none.
func benchNoise(glob string, like benchdiff.Run) (map[string]float64, int, error) {
	if glob == "" {
		return nil, 0, nil
	}
	paths, err := filepath.Glob(glob)
	if err != nil {
		return nil, 0, fmt.Errorf("--noise: %w", err)
	}
	var runs []benchdiff.Run
	for _, p := range paths {
		r, err := readBenchRun(p)
		if err != nil {
			return nil, 0, fmt.Errorf("--noise: %w", err)
		}
		if err := benchdiff.Comparable(like, r); err != nil {
			return nil, 0, fmt.Errorf("--noise: %s and the runs compared: %w", p, err)
		}
		runs = append(runs, r)
	}
	noise, err := benchdiff.Noise(runs)
	if err != nil {
		return nil, 0, fmt.Errorf("--noise %s: %w", glob, err)
	}
	return noise, len(runs), nil
}

// fmtFigure prints a measure with four significant digits.
func fmtFigure(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// fmtFactor prints a factor as a signed percentage: x1.25 is +25%.
func fmtFactor(x float64) string { return fmt.Sprintf("%+.0f%%", 100*(x-1)) }
