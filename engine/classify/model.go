package classify

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Model is a trained classifier: a featuriser, a linear layer over its
// features (and over the optional dense vector), and the temperature and
// abstain threshold fitted on held-out examples. A Model is immutable once
// trained or loaded and safe for concurrent use.
type Model struct {
	manifest Manifest
	labels   []string
	feat     featurizer
	vocab    vocabulary
	// w holds one row of len(labels) weights per vocabulary column.
	w    []float32
	bias []float32
	// dense holds one row of len(labels) weights per dense dimension.
	dense []float32
	// centroid holds, laid out like w, each label's centroid: the mean of
	// its training examples' TF-IDF vectors, normalised. nil for a model
	// saved before format 2, whose texts all count as familiar.
	centroid    []float32
	dim         int
	temperature float64
	threshold   float64

	pool sync.Pool // *scratch
}

// Manifest describes how and on what a model was trained. It is saved with
// the model and marshals to JSON as it is.
type Manifest struct {
	// FormatVersion is the version of the file format the model was last
	// saved or loaded in.
	FormatVersion int `json:"format_version"`
	// TrainedAt is when training finished.
	TrainedAt time.Time `json:"trained_at"`
	// TrainDuration is how long training took, calibration included.
	TrainDuration time.Duration `json:"train_duration_ns"`
	// Examples is how many examples the final model learnt from;
	// ValidationExamples how many of them were held out first to fit the
	// temperature and the threshold and to measure the held-out scores.
	Examples           int `json:"examples"`
	ValidationExamples int `json:"validation_examples"`
	// Labels are the classes the model can answer, sorted, with the number
	// of training examples of each in LabelCounts.
	Labels      []string `json:"labels"`
	LabelCounts []int    `json:"label_counts"`
	// HeldOut holds the scores on the validation slice of the model
	// trained without it; zero when there was no validation slice.
	HeldOut HeldOutScores `json:"held_out"`
	// Temperature divides the scores before the softmax; it is fitted on
	// the validation slice so confidences are calibrated (1 without one).
	Temperature float64 `json:"temperature"`
	// AbstainThreshold is the confidence below which Predict abstains.
	AbstainThreshold float64 `json:"abstain_threshold"`
	// Features are the featurisation settings, defaults filled in;
	// Vocabulary is the number of hashed features that kept a weight and
	// DenseDim the length of the dense vector (0 when none).
	Features   FeatureSettings `json:"features"`
	Vocabulary int             `json:"vocabulary"`
	DenseDim   int             `json:"dense_dim"`
	// Options are the training options, defaults filled in.
	Options Options `json:"options"`
}

// HeldOutScores are a model's scores on examples it did not learn from.
type HeldOutScores struct {
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
	// ECE is the expected calibration error after temperature scaling.
	ECE float64 `json:"ece"`
	// Coverage is the share of examples answered (not abstained) at the
	// chosen threshold, and Precision the accuracy on those.
	Coverage  float64 `json:"coverage"`
	Precision float64 `json:"precision"`
}

// Prediction is a model's answer for one text.
type Prediction struct {
	// Label is the most probable class, and Confidence its calibrated
	// probability in [0, 1].
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
	// Familiarity is the cosine between the text's TF-IDF vector and the
	// centroid of Label's training examples, in [0, 1]: how much the text
	// reads like what the model learnt the label from. A request of no
	// known class can get a confident label from a few shared words while
	// reading like none of its examples.
	Familiarity float64 `json:"familiarity"`
	// Support is Confidence × √Familiarity, the score the model abstains
	// on: Abstain is true when Support is below Threshold, the support the
	// model needs to answer, and the label is then a guess that should go
	// to a person.
	Support   float64 `json:"support"`
	Abstain   bool    `json:"abstain"`
	Threshold float64 `json:"threshold"`
	// Alternatives are the top three classes, the first being Label, most
	// probable first (fewer when the model knows fewer classes).
	Alternatives []Alternative `json:"alternatives"`
}

// Alternative is one candidate class and its calibrated probability.
type Alternative struct {
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
}

// Labels returns the classes the model can answer, sorted. The caller may
// modify the returned slice.
func (m *Model) Labels() []string { return slices.Clone(m.labels) }

// Manifest returns how and on what the model was trained.
func (m *Model) Manifest() Manifest {
	mf := m.manifest
	mf.Labels = slices.Clone(mf.Labels)
	mf.LabelCounts = slices.Clone(mf.LabelCounts)
	return mf
}

// Threshold returns the support (confidence weighed by familiarity, see
// Prediction) below which Predict abstains.
func (m *Model) Threshold() float64 { return m.threshold }

// DenseDim returns the length of the dense vector the model was trained
// with, 0 if none.
func (m *Model) DenseDim() int { return m.dim }

// Predict classifies text, with dense as the example's dense feature
// vector. dense must be nil or DenseDim() long; a vector of another length,
// like nil, counts as absent (all zeros), which weakens the prediction of a
// model trained with dense features but does not fail. Predict is safe for
// concurrent use.
func (m *Model) Predict(text string, dense []float32) Prediction {
	sc := m.getScratch()
	defer m.pool.Put(sc)
	m.logits(text, dense, sc)
	softmax(sc.scores, m.temperature)
	return m.answer(sc)
}

// familiarity returns the cosine between the vector in sc.cols and
// sc.vals and label j's centroid, clamped to [0, 1]; 1 for a model
// without centroids.
func (m *Model) familiarity(j int, sc *scratch) float64 {
	if m.centroid == nil {
		return 1
	}
	k := len(m.labels)
	var dot float64
	for i, c := range sc.cols {
		dot += float64(sc.vals[i]) * float64(m.centroid[int(c)*k+j])
	}
	return min(max(dot, 0), 1)
}

// support weighs a confidence by a familiarity: the score Predict
// abstains on.
func support(confidence, familiarity float64) float64 {
	return confidence * math.Sqrt(familiarity)
}

func (m *Model) getScratch() *scratch {
	if sc, ok := m.pool.Get().(*scratch); ok {
		return sc
	}
	k := len(m.labels)
	return &scratch{acc: make([]float32, k), scores: make([]float64, k), order: make([]int, k)}
}

// logits writes the raw class scores of text into sc.scores, leaving its
// TF-IDF vector in sc.cols and sc.vals.
func (m *Model) logits(text string, dense []float32, sc *scratch) {
	k := len(m.labels)
	m.feat.vector(&m.vocab, text, sc)
	acc := sc.acc[:k]
	copy(acc, m.bias)
	for i, c := range sc.cols {
		off := int(c) * k
		axpy(sc.vals[i], m.w[off:off+k], acc)
	}
	if m.dim > 0 && len(dense) == m.dim {
		var sum float64
		for _, x := range dense {
			sum += float64(x) * float64(x)
		}
		if sum > 0 {
			scale := float32(1 / math.Sqrt(sum))
			for d, x := range dense {
				off := d * k
				axpy(x*scale, m.dense[off:off+k], acc)
			}
		}
	}
	for j := range k {
		sc.scores[j] = float64(acc[j])
	}
}

// softmax turns scores into probabilities in place, dividing by t first.
func softmax(s []float64, t float64) {
	hi := math.Inf(-1)
	for _, x := range s {
		hi = max(hi, x)
	}
	var sum float64
	for i, x := range s {
		e := math.Exp((x - hi) / t)
		s[i] = e
		sum += e
	}
	for i := range s {
		s[i] /= sum
	}
}

// answer builds the prediction from the probabilities in sc.scores.
func (m *Model) answer(sc *scratch) Prediction {
	top := topK(sc.scores, 3, sc)
	alts := make([]Alternative, len(top))
	for i, j := range top {
		alts[i] = Alternative{Label: m.labels[j], Confidence: sc.scores[j]}
	}
	p := Prediction{Alternatives: alts, Threshold: m.threshold}
	if len(alts) > 0 {
		p.Label, p.Confidence = alts[0].Label, alts[0].Confidence
		p.Familiarity = m.familiarity(top[0], sc)
		p.Support = support(p.Confidence, p.Familiarity)
		p.Abstain = p.Support < m.threshold
	}
	return p
}

// topK returns the indices of the k largest scores, largest first, ties
// to the lower index.
func topK(s []float64, k int, sc *scratch) []int {
	top := sc.order[:0]
	for j, x := range s {
		pos := len(top)
		for pos > 0 && s[top[pos-1]] < x {
			pos--
		}
		if pos >= k {
			continue
		}
		if len(top) < k {
			top = append(top, 0)
		}
		copy(top[pos+1:], top[pos:len(top)-1])
		top[pos] = j
	}
	return top
}
