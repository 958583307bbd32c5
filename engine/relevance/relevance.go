// Package relevance turns how a search or deflection hit was found into
// the probability that a person would find it relevant, so that a portal
// can show "nothing found" without guessing a threshold of its own.
//
// A Model is a logistic regression over three features of a hit: the
// share of the query's words it holds (its coverage, as the full-text
// index analyses them), its cosine similarity to the query (0 when
// vectors did not find it), and whether full text found it at all. Raw
// BM25 scores are left out on purpose: they depend on the corpus (its
// size, its words' frequencies), and a model must hold on other articles
// than those it was fitted on. Each retrieval mode has its own
// model, fitted on labelled judgments: the judged queries of
// testdata/eval/search.jsonl (a hit is relevant when it is one of the
// query's relevant articles) and the off-topic, gibberish and
// foreign-language queries of testdata/eval/nomatch.jsonl (every hit is
// not). An answer matches when its best hit reaches the model's Floor,
// chosen on the same files as the highest that costs keyword and
// paraphrase queries at most a point of recall@5 (none in text mode).
//
// Measured on those files (in sample), with vectors: 96% of the no-match
// queries have no hit at the floor among their first ten
// (TestRelevanceModels), and search, which weighs everything it found,
// answers 94% of them with nothing (TestNoMatchGetsNothing); recall@5 of
// keyword queries is unchanged and that of paraphrases falls from 0.913
// to 0.908; expected calibration error 0.012. Text alone tells off-topic
// queries apart less well.
//
// TestRelevanceModels in package engine refits the models from the eval
// files (go test ./engine -run TestRelevanceModels -update writes
// models.json) and checks them: expected calibration error, and the share
// of no-match queries that get no article. sift eval search --nomatch
// reports both on any data directory.
package relevance

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"

	"github.com/siftdesk/sift/engine/logistic"
)

// Features describe how one hit was found.
type Features struct {
	Coverage float64 // share of the query's words the hit holds; 0 when full text did not find it
	Cosine   float64 // similarity to the query; 0 when vectors did not find it
	ByText   bool    // full text found it
}

// vector returns the features as the model reads them.
func (f Features) vector() [3]float64 {
	byText := 0.0
	if f.ByText {
		byText = 1
	}
	return [3]float64{min(max(f.Coverage, 0), 1), max(f.Cosine, 0), byText}
}

// Model is a fitted logistic model and the floor an answer's best hit
// must reach.
type Model struct {
	Weights [3]float64 `json:"weights"`
	Bias    float64    `json:"bias"`
	Floor   float64    `json:"floor"`
}

// Probability returns the probability that a hit found so is relevant.
func (m Model) Probability(f Features) float64 {
	x := f.vector()
	return logistic.Probability(m.Weights[:], m.Bias, x[:])
}

// Example is a hit with its judgment.
type Example struct {
	Features
	Relevant bool
}

// Fit fits a model to examples by gradient descent on the log loss,
// deterministically; the floor is left at 0 for the caller to choose.
func Fit(examples []Example) Model {
	var m Model
	if len(examples) == 0 {
		return m
	}
	x := make([][]float64, len(examples))
	y := make([]bool, len(examples))
	for i, e := range examples {
		v := e.vector()
		x[i], y[i] = v[:], e.Relevant
	}
	w, bias := logistic.Fit(x, y, 4000, 1.0)
	copy(m.Weights[:], w)
	m.Bias = bias
	return m
}

// Bin is one bin of a reliability table: the predictions that fell in it,
// their mean, and the share of them that were relevant.
type Bin struct {
	Count     int     `json:"count"`
	Predicted float64 `json:"predicted"`
	Observed  float64 `json:"observed"`
}

// Reliability sorts the model's predictions for every judged hit into n
// equal-width bins of probability and returns the bins, the expected
// calibration error (the mean gap between predicted and observed,
// weighted by each bin's count) and how many hits there were.
func (m Model) Reliability(judged []Judged, n int) (bins []Bin, ece float64, hits int) {
	bins = make([]Bin, n)
	for _, j := range judged {
		for _, h := range j.Hits {
			p := m.Probability(h.Features)
			b := &bins[min(int(p*float64(n)), n-1)]
			b.Count++
			b.Predicted += p
			if h.Relevant {
				b.Observed++
			}
			hits++
		}
	}
	for i := range bins {
		if b := &bins[i]; b.Count > 0 {
			ece += math.Abs(b.Predicted-b.Observed) / float64(hits)
			b.Predicted /= float64(b.Count)
			b.Observed /= float64(b.Count)
		}
	}
	return bins, ece, hits
}

//go:embed models.json
var modelsJSON []byte

// Default returns the built-in model of a retrieval mode (hybrid, text or
// vector), fitted on testdata/eval.
func Default(mode string) Model {
	return defaults[mode]
}

var defaults = func() map[string]Model {
	var m map[string]Model
	if err := json.Unmarshal(modelsJSON, &m); err != nil {
		panic(fmt.Sprintf("relevance: models.json: %v", err)) // TestRelevanceModels reads it
	}
	return m
}()

// NoMatch is the Kind of a judged query that no article answers.
const NoMatch = "nomatch"

// Judged is one judged query's hits, best first, each with its features
// and judgment; Relevant is how many articles answer the query (0 for
// Kind NoMatch).
type Judged struct {
	Kind     string
	Relevant int
	Hits     []Example
}

// answered reports whether the model lets the query's answer count as a
// match: its best hit reaches the floor.
func (m Model) answered(j Judged) bool {
	for _, h := range j.Hits {
		if m.Probability(h.Features) >= m.Floor {
			return true
		}
	}
	return false
}

// Recall5 returns, per Kind other than NoMatch, the mean recall@5 of the
// queries when answers that do not match show nothing.
func (m Model) Recall5(judged []Judged) map[string]float64 {
	sum, n := map[string]float64{}, map[string]int{}
	for _, j := range judged {
		if j.Kind == NoMatch {
			continue
		}
		n[j.Kind]++
		if !m.answered(j) || j.Relevant == 0 {
			continue
		}
		found := 0
		for _, h := range j.Hits[:min(5, len(j.Hits))] {
			if h.Relevant {
				found++
			}
		}
		sum[j.Kind] += float64(found) / float64(min(5, j.Relevant))
	}
	out := map[string]float64{}
	for k, count := range n {
		out[k] = sum[k] / float64(count)
	}
	return out
}

// NoMatchShare returns the share of NoMatch queries that get no article.
func (m Model) NoMatchShare(judged []Judged) float64 {
	none, n := 0, 0
	for _, j := range judged {
		if j.Kind == NoMatch {
			n++
			if !m.answered(j) {
				none++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(none) / float64(n)
}

// WithFloor returns m with the highest floor, in steps of 0.0025 up to
// 0.5, at which no Kind loses more than maxLoss of recall@5 against
// showing every answer.
func (m Model) WithFloor(judged []Judged, maxLoss float64) Model {
	m.Floor = 0
	base := m.Recall5(judged)
	best := m
	for step := 1; step <= 200; step++ {
		m.Floor = float64(step) * 0.0025
		ok := true
		for kind, r := range m.Recall5(judged) {
			ok = ok && r >= base[kind]-maxLoss-1e-9
		}
		if !ok {
			break
		}
		best = m
	}
	return best
}
