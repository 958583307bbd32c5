// Package duplicate tells whether two tickets report the same problem (a
// duplicate: one fix or one answer resolves both) rather than only the
// same topic, as a calibrated probability.
//
// Two tickets on one topic share words and sit close in embedding space
// whether or not they are the same problem, so similarity alone flags
// topics. A Model is a logistic regression over features of the pair
// that tell the two apart better: the embedding's cosine, how much of
// their subjects and of their whole text they share (as stems, stopwords
// left out), whether they share a code (a word with a digit: an error
// code, a model number), how far apart they were filed, and whether one
// person wrote both. It is fitted on testdata/eval/duplicates.jsonl,
// pairs of demo tickets judged by hand, half of the negatives on the same
// topic (TestDuplicateModel in package engine; -update rewrites
// model.json), and a pair is flagged when its probability reaches the
// model's Threshold.
package duplicate

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/siftdesk/sift/engine/bm25"
	"github.com/siftdesk/sift/engine/logistic"
	"github.com/siftdesk/sift/models"
)

// Features describe a pair of tickets.
type Features struct {
	Cosine        float64 // of their embeddings; 0 without vectors
	Subject       float64 // Jaccard similarity of their subjects' stems
	Text          float64 // Jaccard similarity of their subjects' and bodies' stems
	SharedCode    bool    // both hold a word with a digit, the same one
	Days          float64 // between their creation times; 0 when either is unknown
	SameRequester bool
}

// farDays is the gap from which two tickets count as filed far apart.
const farDays = 30

// vector returns the features as the model reads them: the flags as 0 or
// 1, and time as how far apart the two were filed, up to farDays, so that
// it can only count against a pair: being filed the same day is no
// evidence of itself (nor is an unknown date), being filed weeks apart
// is.
func (f Features) vector() []float64 {
	flag := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	return []float64{max(f.Cosine, 0), f.Subject, f.Text, flag(f.SharedCode), min(f.Days, farDays) / farDays, flag(f.SameRequester)}
}

// Analyzer reads tickets' text for Pair (see Side): with the English
// analyzer article search uses.
type Analyzer struct{ analyze bm25.Analyzer }

// NewAnalyzer returns an Analyzer.
func NewAnalyzer() *Analyzer { return &Analyzer{analyze: bm25.English()} }

// Side is what Pair reads of one ticket, read once: a ticket is paired
// with each of its similar tickets.
type Side struct {
	ticket              *models.Ticket
	subject, text, nums map[string]bool // stems of the subject, of subject and body; its numbered words
}

// Side reads ticket t for Pair.
func (z *Analyzer) Side(t *models.Ticket) Side {
	whole := t.Subject + "\n" + t.Body
	return Side{ticket: t, subject: z.stems(t.Subject), text: z.stems(whole), nums: numbered(whole)}
}

// Pair returns the features of the tickets of sides a and b, whose
// embeddings have the given cosine (0 when unknown).
func Pair(a, b Side, cosine float64) Features {
	f := Features{
		Cosine:        cosine,
		Subject:       jaccard(a.subject, b.subject),
		Text:          jaccard(a.text, b.text),
		SharedCode:    shares(a.nums, b.nums),
		SameRequester: a.ticket.Requester != "" && strings.EqualFold(a.ticket.Requester, b.ticket.Requester),
	}
	if ta, tb := a.ticket.CreatedAt, b.ticket.CreatedAt; !ta.IsZero() && !tb.IsZero() {
		f.Days = math.Abs(ta.Sub(tb).Hours()) / 24
	}
	return f
}

func (z *Analyzer) stems(text string) map[string]bool {
	out := map[string]bool{}
	for _, t := range z.analyze(text) {
		out[t.Term] = true
	}
	return out
}

// jaccard returns the share of the words of a and b that both hold.
func jaccard(a, b map[string]bool) float64 {
	both := 0
	for w := range a {
		if b[w] {
			both++
		}
	}
	if all := len(a) + len(b) - both; all > 0 {
		return float64(both) / float64(all)
	}
	return 0
}

// numbered returns the words of s of at least three characters with a
// digit in them, case folded: codes, and unlike models.Codes plain numbers
// too, since an order or serial number two tickets share is evidence.
func numbered(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) {
		w = strings.Trim(w, "-")
		if len(w) >= 3 && strings.ContainsFunc(w, unicode.IsDigit) {
			out[strings.ToLower(w)] = true
		}
	}
	return out
}

// shares reports whether a and b hold a word in common.
func shares(a, b map[string]bool) bool {
	for w := range a {
		if b[w] {
			return true
		}
	}
	return false
}

// Model is a fitted logistic model over Features and the probability
// from which a pair is flagged as a duplicate.
type Model struct {
	Weights   []float64 `json:"weights"`
	Bias      float64   `json:"bias"`
	Threshold float64   `json:"threshold"`
}

// Probability returns the probability that the pair is a duplicate.
func (m Model) Probability(f Features) float64 {
	if len(m.Weights) != len(f.vector()) {
		return 0
	}
	return logistic.Probability(m.Weights, m.Bias, f.vector())
}

// Duplicate reports whether the pair is flagged.
func (m Model) Duplicate(f Features) bool { return m.Probability(f) >= m.Threshold }

// Example is a judged pair.
type Example struct {
	Features
	Duplicate bool
}

// Fit fits a model to examples; its Threshold is left at 0.5, for the
// caller to choose.
func Fit(examples []Example) Model {
	x := make([][]float64, len(examples))
	y := make([]bool, len(examples))
	for i, e := range examples {
		x[i], y[i] = e.vector(), e.Duplicate
	}
	w, b := logistic.Fit(x, y, 4000, 1.0)
	return Model{Weights: w, Bias: b, Threshold: 0.5}
}

//go:embed model.json
var builtIn []byte

// Default returns the built-in model, fitted on the demo's judged pairs.
func Default() Model {
	var m Model
	if err := json.Unmarshal(builtIn, &m); err != nil {
		panic(fmt.Sprintf("duplicate: built-in model.json: %v", err)) // a broken build
	}
	return m
}
