// Package logistic fits and applies small logistic regressions: a
// probability from a handful of features, fitted by full-batch gradient
// descent from zero, so the same examples always give the same model.
// Sift's relevance and duplicate models are such regressions.
package logistic

import (
	"cmp"
	"math"
	"slices"
)

// Probability returns the logistic model's probability for features x.
func Probability(weights []float64, bias float64, x []float64) float64 {
	z := bias
	for i, w := range weights {
		z += w * x[i]
	}
	return 1 / (1 + math.Exp(-z))
}

// Fit returns the weights and bias fitted to rows x (one per example, all
// of the same length) with outcomes y, by steps steps of gradient
// descent on the mean log-loss at the given rate. No rows give zeros.
func Fit(x [][]float64, y []bool, steps int, rate float64) (weights []float64, bias float64) {
	if len(x) == 0 {
		return nil, 0
	}
	weights = make([]float64, len(x[0]))
	grad := make([]float64, len(weights))
	n := float64(len(x))
	for range steps {
		clear(grad)
		var gradBias float64
		for i, row := range x {
			err := Probability(weights, bias, row)
			if y[i] {
				err--
			}
			for j := range grad {
				grad[j] += err * row[j]
			}
			gradBias += err
		}
		for j := range weights {
			weights[j] -= rate * grad[j] / n
		}
		bias -= rate * gradBias / n
	}
	return weights, bias
}

// Threshold returns the lowest threshold at which the scores at or above
// it are at least precision positive, so that as few as possible are
// left below it: 0 when all of them together are, 1 when no threshold
// gives that precision. Equal scores are kept or left together.
func Threshold(scores []float64, positive []bool, precision float64) float64 {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	best, right := 1.0, 0
	for n, i := range order {
		if positive[i] {
			right++
		}
		if n+1 < len(order) && scores[order[n+1]] == scores[i] {
			continue // only cut between different scores
		}
		if float64(right) >= precision*float64(n+1) {
			best = scores[i]
		}
	}
	if float64(right) >= precision*float64(len(scores)) {
		return 0
	}
	return best
}
