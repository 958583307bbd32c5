package logistic

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFitRecoversAModel draws outcomes from a known logistic model and
// checks that Fit finds weights near it.
func TestFitRecoversAModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	want, wantBias := []float64{2, -1.5}, 0.5
	var x [][]float64
	var y []bool
	for range 20000 {
		row := []float64{r.Float64()*4 - 2, r.Float64()*4 - 2}
		x = append(x, row)
		y = append(y, r.Float64() < Probability(want, wantBias, row))
	}
	got, bias := Fit(x, y, 3000, 1.0)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 0.15 {
			t.Errorf("weight %d = %.3f, want about %.3f", i, got[i], want[i])
		}
	}
	if math.Abs(bias-wantBias) > 0.15 {
		t.Errorf("bias = %.3f, want about %.3f", bias, wantBias)
	}
	if w, b := Fit(nil, nil, 10, 1); w != nil || b != 0 {
		t.Errorf("no examples: %v, %v", w, b)
	}
}

func TestThreshold(t *testing.T) {
	scores := []float64{0.9, 0.8, 0.7, 0.6, 0.5, 0.4}
	positive := []bool{true, true, false, true, false, false}
	for _, tc := range []struct {
		precision, want float64
	}{
		{1, 0.8},    // the top two are all right
		{0.75, 0.6}, // 3 of the top 4
		{0.5, 0},    // all six together are half right
		{0.99, 0.8},
	} {
		if got := Threshold(scores, positive, tc.precision); got != tc.want {
			t.Errorf("precision %.2f: threshold %v, want %v", tc.precision, got, tc.want)
		}
	}
	if got := Threshold([]float64{0.9, 0.8}, []bool{false, false}, 0.5); got != 1 {
		t.Errorf("none right: threshold %v, want 1", got)
	}
	// Equal scores are kept or cut together.
	if got := Threshold([]float64{0.9, 0.7, 0.7}, []bool{true, true, false}, 0.9); got != 0.9 {
		t.Errorf("ties: threshold %v, want 0.9", got)
	}
}
