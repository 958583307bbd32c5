// Package answer finds the passage of an article that answers a question,
// and says how likely it is to: Sift's extractive answers. Articles are cut
// into passages (Split: paragraphs, lists of steps with their lead-in,
// question-and-answer paragraphs, under their section's heading); each
// passage of the articles retrieval found is scored by a logistic model
// that reads the question and the passage together: how much of the
// question's weight (idf) the passage holds, alone and with its heading
// and title, the question's word pairs it holds in order, the rarest
// question word it lacks, whether it is a list of steps for a how-to
// question, the cosine of their sentence embeddings (with an embedder),
// and how relevant search found its article. The best passage is the
// answer, quoted verbatim, when its probability reaches the model's floor;
// otherwise there is no answer. Generate has a chat model write the answer
// from the passages instead, citing them, and checks the citations.
//
// The models (one with the semantic features, one for servers without an
// embedder) are fitted on testdata/eval/answers.jsonl (go test ./engine
// -run TestAnswerModel -update writes model.json): a passage is a positive
// example when it holds the key phrase of its question's article, and
// every passage found for an unanswerable question is a negative. The
// floor is chosen on the same file so that 92% of the unanswerable
// questions get no answer.
package answer

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/siftdesk/sift/engine/bm25"
	"github.com/siftdesk/sift/engine/logistic"

	"github.com/siftdesk/sift/models"
)

// Candidate is an article retrieval found for a question, with its
// passages.
type Candidate struct {
	ArticleID string
	Title     string
	// Relevance is the article's calibrated relevance to the question,
	// and Rank its place among the candidates, from 0.
	Relevance float64
	Rank      int
	Passages  []Passage
	// Vectors are the passages' sentence embeddings, one per passage, or
	// nil without an embedder.
	Vectors [][]float32
}

// Question is what the scorer reads of a question: its terms with their
// idf, as the article index analyzes them.
type Question struct {
	Terms []bm25.WeightedTerm
	// Vector is the question's sentence embedding, nil without an
	// embedder.
	Vector []float32
	// HowTo is set for a question that asks how to do something, which a
	// list of steps answers best.
	HowTo bool
}

// NewQuestion reads a question with the article index's analyzer and
// statistics.
func NewQuestion(idx *bm25.Index, text string) Question {
	return Question{Terms: idx.TermWeights(text), HowTo: howTo(text)}
}

// howTo reports whether a question asks how to do something.
func howTo(text string) bool {
	t := " " + strings.ToLower(text) + " "
	for _, cue := range []string{" how do ", " how can ", " how to ", " how should ", " steps ", " set up ", " setup ", " way to ", " where do i ", " where can i "} {
		if strings.Contains(t, cue) {
			return true
		}
	}
	return false
}

// The features of a passage, in the order of the model's weights.
const (
	featCoverage      = iota // idf-weighted share of the question's terms in the passage
	featContext              // the same, in the passage with its heading and its article's title
	featPairs                // share of the question's adjacent term pairs the passage holds in order
	featRelevance            // the article's calibrated relevance
	featRank                 // 1 / (1 + the article's rank)
	featBestInArticle        // 1 for the passage of its article that holds most of the question
	featSteps                // 1 for a list of steps answering a how-to question
	featOpening              // 1 for the article's first passage
	featSemantic             // cosine of the question's and the passage's sentence embeddings (0 without)
	featSemanticBest         // 1 for the passage of its article closest to the question by embedding
	featMissing              // the idf of the rarest question term neither the passage nor its heading or title holds, over the rarest term's
	numFeatures
)

// Features are what the model reads of one passage.
type Features [numFeatures]float64

// Scored is a passage with its features and the probability that it
// answers the question.
type Scored struct {
	Candidate   int // index in the candidates
	Passage     Passage
	Features    Features
	Probability float64
}

// Score scores every passage of the candidates for the question with
// model, best first.
func Score(idx *bm25.Index, q Question, candidates []Candidate, m Model) []Scored {
	var total, rarest float64
	for _, t := range q.Terms {
		total += t.IDF
		rarest = max(rarest, t.IDF)
	}
	var out []Scored
	for ci, c := range candidates {
		titleTerms := termSet(idx, c.Title)
		first := len(out)
		best, bestCov := -1, -1.0
		closest, closestCos := -1, -1.0
		for pi, p := range c.Passages {
			var f Features
			toks := idx.Analyze(p.Text)
			in := map[string]bool{}
			for _, t := range toks {
				in[t.Term] = true
			}
			heading := termSet(idx, p.Heading)
			var held, context, missing float64
			for _, t := range q.Terms {
				switch {
				case in[t.Term]:
					held += t.IDF
					context += t.IDF
				case heading[t.Term] || titleTerms[t.Term]:
					context += t.IDF
				default:
					missing = max(missing, t.IDF)
				}
			}
			if rarest > 0 {
				f[featMissing] = missing / rarest
			}
			if total > 0 {
				f[featCoverage], f[featContext] = held/total, context/total
			}
			f[featPairs] = pairShare(q.Terms, toks)
			f[featRelevance] = c.Relevance
			f[featRank] = 1 / float64(1+c.Rank)
			if p.Steps && q.HowTo {
				f[featSteps] = 1
			}
			if p.Index == 0 {
				f[featOpening] = 1
			}
			if pi < len(c.Vectors) && len(q.Vector) > 0 {
				f[featSemantic] = max(models.Cosine(q.Vector, c.Vectors[pi]), 0)
				if f[featSemantic] > closestCos {
					closest, closestCos = len(out), f[featSemantic]
				}
			}
			if f[featCoverage] > bestCov {
				best, bestCov = len(out), f[featCoverage]
			}
			out = append(out, Scored{Candidate: ci, Passage: p, Features: f})
		}
		if best >= first && best >= 0 {
			out[best].Features[featBestInArticle] = 1
		}
		if closest >= first && closest >= 0 {
			out[closest].Features[featSemanticBest] = 1
		}
	}
	for i := range out {
		out[i].Probability = m.Probability(out[i].Features)
	}
	slices.SortStableFunc(out, func(a, b Scored) int {
		switch {
		case a.Probability > b.Probability:
			return -1
		case a.Probability < b.Probability:
			return 1
		}
		return 0
	})
	return out
}

// termSet returns the set of terms of text.
func termSet(idx *bm25.Index, text string) map[string]bool {
	set := map[string]bool{}
	for _, t := range idx.Analyze(text) {
		set[t.Term] = true
	}
	return set
}

// pairShare returns the share of the question's adjacent term pairs that
// occur next to each other, in order, among toks.
func pairShare(terms []bm25.WeightedTerm, toks []bm25.Token) float64 {
	if len(terms) < 2 {
		return 0
	}
	pairs := map[[2]string]bool{}
	for i := 1; i < len(toks); i++ {
		pairs[[2]string{toks[i-1].Term, toks[i].Term}] = true
	}
	held := 0
	for i := 1; i < len(terms); i++ {
		if pairs[[2]string{terms[i-1].Term, terms[i].Term}] {
			held++
		}
	}
	return float64(held) / float64(len(terms)-1)
}

// Model is a fitted logistic model over Features and the floor the best
// passage's probability must reach to be an answer.
type Model struct {
	Weights [numFeatures]float64 `json:"weights"`
	Bias    float64              `json:"bias"`
	Floor   float64              `json:"floor"`
}

// Probability returns the probability that a passage with features f
// answers its question.
func (m Model) Probability(f Features) float64 {
	return logistic.Probability(m.Weights[:], m.Bias, f[:])
}

// Example is a scored passage with its judgment: whether it answers.
type Example struct {
	Features Features
	Answers  bool
}

// Fit fits a model to examples; its floor is left at 0.5.
func Fit(examples []Example) Model {
	x := make([][]float64, len(examples))
	y := make([]bool, len(examples))
	for i, e := range examples {
		x[i] = slices.Clone(e.Features[:])
		y[i] = e.Answers
	}
	w, b := logistic.Fit(x, y, 4000, 0.5)
	var m Model
	copy(m.Weights[:], w)
	m.Bias, m.Floor = round(b), 0.5
	for i := range m.Weights {
		m.Weights[i] = round(m.Weights[i])
	}
	return m
}

// round keeps four decimals, so model.json reads well and diffs small.
func round(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// Models are the two fitted models: one for a server with an embedder,
// whose passages have semantic features, and one for a server without.
type Models struct {
	Vectors Model `json:"vectors"`
	Text    Model `json:"text"`
}

// For returns the model for a server with or without vectors.
func (ms Models) For(vectors bool) Model {
	if vectors {
		return ms.Vectors
	}
	return ms.Text
}

// WithoutVectors returns examples as a server without an embedder scores
// them: with no semantic features.
func WithoutVectors(examples []Example) []Example {
	out := slices.Clone(examples)
	for i := range out {
		out[i].Features[featSemantic], out[i].Features[featSemanticBest] = 0, 0
	}
	return out
}

//go:embed model.json
var modelJSON []byte

// Default returns the models fitted on the eval set (model.json).
func Default() Models {
	var ms Models
	if err := json.Unmarshal(modelJSON, &ms); err != nil {
		panic(fmt.Sprintf("answer: model.json: %v", err)) // embedded at build time
	}
	return ms
}
