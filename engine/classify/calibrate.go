package classify

import (
	"math"
	"slices"

	"github.com/siftdesk/sift/engine/logistic"
)

// outcome is one scored prediction: its score (a confidence, or a support
// when choosing the abstain threshold) and whether it was right.
type outcome struct {
	conf    float64
	correct bool
}

// calibrate fits the softmax temperature on held-out examples, chooses the
// abstain threshold, and measures the held-out scores with both.
func calibrate(m *Model, val []Example, opts Options) (temperature, threshold float64, held HeldOutScores) {
	k := len(m.labels)
	logits := make([]float64, len(val)*k)
	gold := make([]int, len(val))
	familiar := make([]float64, len(val))
	sc := m.getScratch()
	for i, e := range val {
		m.logits(e.Text, e.Dense, sc)
		copy(logits[i*k:], sc.scores)
		gold[i], _ = slices.BinarySearch(m.labels, e.Label)
		familiar[i] = m.familiarity(argmax(sc.scores), sc)
	}
	temperature = fitTemperature(logits, gold, k)

	outcomes := make([]outcome, len(val)) // scored by confidence
	answers := make([]outcome, len(val))  // scored by support
	predicted := make([]string, len(val))
	for i := range val {
		s := sc.scores
		copy(s, logits[i*k:(i+1)*k])
		softmax(s, temperature)
		best := argmax(s)
		outcomes[i] = outcome{conf: s[best], correct: best == gold[i]}
		answers[i] = outcome{conf: support(s[best], familiar[i]), correct: best == gold[i]}
		predicted[i] = m.labels[best]
	}
	switch {
	case opts.AbstainThreshold > 0:
		threshold = opts.AbstainThreshold
	case opts.AbstainThreshold < 0:
		threshold = 0
	default:
		threshold = max(chooseThreshold(answers, opts.TargetPrecision), coverageThreshold(answers, opts.TargetCoverage))
	}
	gl := make([]string, len(val))
	for i, e := range val {
		gl[i] = e.Label
	}
	acc, f1, _ := classScores(gl, predicted)
	_, ece := reliability(outcomes, 10)
	held = HeldOutScores{Accuracy: acc, MacroF1: f1, ECE: ece}
	var kept, right int
	for _, o := range answers {
		if o.conf >= threshold {
			kept++
			if o.correct {
				right++
			}
		}
	}
	held.Coverage = float64(kept) / float64(len(val))
	if kept > 0 {
		held.Precision = float64(right) / float64(kept)
	}
	return temperature, threshold, held
}

// argmax returns the index of the largest score, the first of ties.
func argmax(s []float64) int {
	best := 0
	for j := range s {
		if s[j] > s[best] {
			best = j
		}
	}
	return best
}

// fitTemperature returns the temperature T minimising the mean negative
// log-likelihood of the gold labels under softmax(logits/T). The NLL is
// convex in 1/T, so a golden-section search over log T in [0.02, 50]
// finds the minimum.
func fitTemperature(logits []float64, gold []int, k int) float64 {
	nll := func(logT float64) float64 {
		inv := math.Exp(-logT)
		var sum float64
		for i, y := range gold {
			z := logits[i*k : (i+1)*k]
			hi := slices.Max(z)
			var s float64
			for _, x := range z {
				s += math.Exp((x - hi) * inv)
			}
			sum += math.Log(s) - (z[y]-hi)*inv
		}
		return sum
	}
	lo, hi := math.Log(0.02), math.Log(50)
	phi := (math.Sqrt(5) - 1) / 2
	a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fa, fb := nll(a), nll(b)
	for hi-lo > 1e-4 {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - phi*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + phi*(hi-lo)
			fb = nll(b)
		}
	}
	return math.Exp((lo + hi) / 2)
}

// chooseThreshold returns the lowest confidence threshold at which the
// outcomes at or above it reach precision target: 0 when all of them
// together do, 1 when no threshold does.
func chooseThreshold(outcomes []outcome, target float64) float64 {
	conf := make([]float64, len(outcomes))
	correct := make([]bool, len(outcomes))
	for i, o := range outcomes {
		conf[i], correct[i] = o.conf, o.correct
	}
	return logistic.Threshold(conf, correct, target)
}

// coverageThreshold returns the lowest threshold that keeps (confidence
// at or above it) at most coverage of the outcomes: the confidence of the
// last one kept, the most confident first; 0 when coverage keeps them all.
func coverageThreshold(outcomes []outcome, coverage float64) float64 {
	keep := int(coverage * float64(len(outcomes)))
	if keep >= len(outcomes) {
		return 0
	}
	conf := make([]float64, len(outcomes))
	for i, o := range outcomes {
		conf[i] = o.conf
	}
	slices.Sort(conf)
	slices.Reverse(conf)
	if keep == 0 {
		return math.Nextafter(conf[0], 2) // keep none
	}
	// Ties with the last kept are kept too; the cut goes above them when
	// they would take the share past coverage.
	if keep < len(conf) && conf[keep] == conf[keep-1] {
		return math.Nextafter(conf[keep-1], 2)
	}
	return conf[keep-1]
}
