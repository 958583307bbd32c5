package engine

import (
	"math"
	"testing"

	"github.com/siftdesk/sift/models"
)

func TestFuseRanks(t *testing.T) {
	text := []ranked{{"a", 10}, {"b", 5}}
	vector := []ranked{{"b", 0.8}, {"c", 0.6}, {"d", -0.2}}
	cases := []struct {
		mode   string
		weight float64
		want   []fusedHit
	}{
		// a: 0.5×10/10; b: 0.5×5/10 + 0.5×0.8; c: 0.5×0.6; d: a negative cosine adds nothing.
		{models.RetrievalHybrid, 0.5, []fusedHit{{id: "b", score: 0.65}, {id: "a", score: 0.5}, {id: "c", score: 0.3}, {id: "d", score: 0}}},
		{models.RetrievalHybrid, 0, []fusedHit{{id: "a", score: 1}, {id: "b", score: 0.5}, {id: "c", score: 0}, {id: "d", score: 0}}},
		{models.RetrievalText, 0.5, []fusedHit{{id: "a", score: 10}, {id: "b", score: 5}}},
		{models.RetrievalVector, 0.5, []fusedHit{{id: "b", score: 0.8}, {id: "c", score: 0.6}, {id: "d", score: -0.2}}},
	}
	for _, tc := range cases {
		got := fuseRanks(text, vector, tc.mode, tc.weight)
		if len(got) != len(tc.want) {
			t.Fatalf("%s w=%g: got %d hits, want %d", tc.mode, tc.weight, len(got), len(tc.want))
		}
		for i := range got {
			if got[i].id != tc.want[i].id || got[i].score != tc.want[i].score {
				t.Errorf("%s w=%g: hit %d is %s %.4f, want %s %.4f", tc.mode, tc.weight, i, got[i].id, got[i].score, tc.want[i].id, tc.want[i].score)
			}
		}
	}
}

func TestRetrievalRejectsWeightsOutOfRange(t *testing.T) {
	e := &Engine{vectors: nil}
	for _, w := range []float64{-0.1, 1.5, math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, _, err := e.retrieval(models.Retrieval{Mode: models.RetrievalText, VectorWeight: &w}); err == nil {
			t.Errorf("vector_weight %g accepted", w)
		}
	}
	for _, w := range []float64{0, 0.5, 1} {
		if _, got, err := e.retrieval(models.Retrieval{Mode: models.RetrievalText, VectorWeight: &w}); err != nil || got != w {
			t.Errorf("vector_weight %g: %v, %v", w, got, err)
		}
	}
}
