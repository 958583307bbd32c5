package classify

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestCoverageThreshold(t *testing.T) {
	outcomes := func(confs ...float64) []outcome {
		var out []outcome
		for _, c := range confs {
			out = append(out, outcome{conf: c})
		}
		return out
	}
	kept := func(o []outcome, th float64) int {
		n := 0
		for _, x := range o {
			if x.conf >= th {
				n++
			}
		}
		return n
	}
	ten := outcomes(0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.5, 0.95)
	for _, tc := range []struct {
		coverage float64
		kept     int
	}{{1, 10}, {0.95, 9}, {0.9, 9}, {0.5, 5}, {0.05, 0}} {
		th := coverageThreshold(ten, tc.coverage)
		if got := kept(ten, th); got != tc.kept {
			t.Errorf("coverage %.2f: threshold %v keeps %d, want %d", tc.coverage, th, got, tc.kept)
		}
	}
	// Ties at the cut are withheld together rather than kept past the
	// share.
	ties := outcomes(0.9, 0.5, 0.5, 0.5, 0.1)
	if th := coverageThreshold(ties, 0.6); kept(ties, th) != 1 {
		t.Errorf("ties: threshold %v keeps %d, want 1", th, kept(ties, th))
	}
}

func TestAUROC(t *testing.T) {
	for _, tc := range []struct {
		pos, neg []float64
		want     float64
	}{
		{[]float64{0.9, 0.8}, []float64{0.1, 0.2}, 1},
		{[]float64{0.1}, []float64{0.9}, 0},
		{[]float64{0.5}, []float64{0.5}, 0.5},
		{[]float64{0.6, 0.4}, []float64{0.5}, 0.5},
		{nil, []float64{0.5}, 0},
	} {
		if got := auroc(tc.pos, tc.neg); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("auroc(%v, %v) = %v, want %v", tc.pos, tc.neg, got, tc.want)
		}
	}
}

// openIntentSplit holds out a fixed share of the labels as unknown, the
// protocol of open intent classification: every fourth label in
// alphabetical order, the first one first, until the share is reached.
// It returns the training examples of the other labels, and the test
// examples of known and of unknown labels.
func openIntentSplit(train, test []Example, share float64) (known, inScope, unknown []Example) {
	var labels []string
	for _, e := range train {
		labels = append(labels, e.Label)
	}
	slices.Sort(labels)
	labels = slices.Compact(labels)
	held := map[string]bool{}
	want := int(math.Round(share * float64(len(labels))))
	for i := 0; i < len(labels) && len(held) < want; i += 4 {
		held[labels[i]] = true
	}
	for _, e := range train {
		if !held[e.Label] {
			known = append(known, e)
		}
	}
	for _, e := range test {
		if held[e.Label] {
			unknown = append(unknown, e)
		} else {
			inScope = append(inScope, e)
		}
	}
	return known, inScope, unknown
}

// TestOpenIntentBanking77 trains on banking77 with a quarter of its
// intents held out and checks that the default threshold abstains on
// requests of those intents while answering the others. The floors sit
// below the figures measured (README: Triage) so that a regression fails.
func TestOpenIntentBanking77(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on banking77; skipped with -short")
	}
	known, inScope, unknown := openIntentSplit(banking77(t, "train"), banking77(t, "test"), 0.25)
	m, err := Train(context.Background(), known, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := EvaluateOpen(m, inScope, unknown)
	var out strings.Builder
	r.Format(&out)
	t.Logf("banking77, 25%% of intents unknown (%d known test texts, %d unknown), threshold %.3f:\n%s",
		len(inScope), len(unknown), m.Threshold(), out.String())
	if r.InScopeAccuracy < 0.90 || r.UnknownRecall < 0.49 || r.AUROC < 0.87 {
		t.Errorf("in-scope accuracy %.4f (want >= 0.90), unknown recall %.4f (>= 0.49), AUROC %.4f (>= 0.87)",
			r.InScopeAccuracy, r.UnknownRecall, r.AUROC)
	}
	// Requests of unknown intents read less like the examples of the
	// intent they are given than known ones do.
	familiarity := func(ex []Example) float64 {
		var sum float64
		for _, e := range ex {
			sum += m.Predict(e.Text, nil).Familiarity
		}
		return sum / float64(len(ex))
	}
	if in, out := familiarity(inScope), familiarity(unknown); !(in > out+0.02) {
		t.Errorf("mean familiarity of known requests %.3f, of unknown ones %.3f: want the known clearly higher", in, out)
	} else {
		t.Logf("mean familiarity: known requests %.3f, unknown %.3f", in, out)
	}
	// The precision target alone never abstains here: what the coverage
	// target adds.
	m, err = Train(context.Background(), known, Options{Seed: 1, TargetCoverage: 1})
	if err != nil {
		t.Fatal(err)
	}
	if alone := EvaluateOpen(m, inScope, unknown); alone.UnknownRecall >= r.UnknownRecall {
		t.Errorf("precision target alone: unknown recall %.4f, not below the default's %.4f", alone.UnknownRecall, r.UnknownRecall)
	} else {
		t.Logf("precision target alone: threshold %.3f, unknown recall %.4f, in-scope accuracy %.4f", m.Threshold(), alone.UnknownRecall, alone.InScopeAccuracy)
	}
}
