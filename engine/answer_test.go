package engine_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/answer"
	"github.com/siftdesk/sift/models"
)

// noAnswerShare is the share of the eval set's unanswerable questions the
// answer floor is chosen to leave unanswered: above the 0.9, so
// that a set written over other articles keeps most of it.
const noAnswerShare = 0.92

// TestAnswerModel fits the answer model on testdata/eval/answers.jsonl
// over the demo articles, embedded with the built-in encoder, chooses its
// floor, and checks it in sample and by five-fold cross-validation
// (fitted on four fifths of the questions, scored on the fifth): passage
// hit@3, the key phrase in the answer, and no answer to the unanswerable
// questions. Without -update it also checks that model.json is the one
// this file gives; with it, writes it.
func TestAnswerModel(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds the demo articles; skipped with -short")
	}
	ctx := context.Background()
	f := openDemoArticlesWithVectors(t)
	qs := readEval(t, "answers.jsonl", func(r *os.File) ([]engine.AnswerQuestion, error) { return engine.ReadAnswerQuestions(r) })
	judged, err := f.eng.JudgeAnswerPassages(ctx, qs, models.Retrieval{})
	if err != nil {
		t.Fatal(err)
	}
	// Each model is fitted on the passages as its server scores them: with
	// semantic features, and without (as on a server with no embedder).
	var fitted answer.Models
	for _, vectors := range []bool{true, false} {
		set := judged
		if !vectors {
			set = make([]engine.JudgedPassages, len(judged))
			for i, j := range judged {
				set[i] = engine.JudgedPassages{Answerable: j.Answerable, Examples: answer.WithoutVectors(j.Examples)}
			}
		}
		m := fitAnswerModel(set)
		in := scoreJudged(m, set)
		var cv answerFigures
		const folds = 5
		for k := range folds {
			var train, test []engine.JudgedPassages
			for i, j := range set {
				if i%folds == k {
					test = append(test, j)
				} else {
					train = append(train, j)
				}
			}
			cv.add(scoreJudged(fitAnswerModel(train), test))
		}
		t.Logf("vectors %v: weights %v bias %.3f floor %.4f\n  in sample: %s\n  5-fold cross-validated: %s", vectors, m.Weights, m.Bias, m.Floor, in, cv.mean())
		// Floors just below what this file gives (README, Answers), so that
		// a regression fails; the targets for passage hit@3 (0.9)
		// and the key phrase (0.8) are not reached.
		if in.hit3 < 0.75 || in.keyPhrase < 0.25 || in.noAnswer < 0.9 {
			t.Errorf("vectors %v, in sample: passage hit@3 %.3f (want >= 0.75), key phrase %.3f (>= 0.25), no answer %.3f (>= 0.9)", vectors, in.hit3, in.keyPhrase, in.noAnswer)
		}
		if vectors {
			fitted.Vectors = m
		} else {
			fitted.Text = m
		}
	}
	if def := answer.Default(); *updateRelevance {
		out, err := json.MarshalIndent(fitted, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("answer", "model.json"), append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if def != fitted {
		t.Errorf("model.json holds %+v, answers.jsonl gives %+v: run go test ./engine -run TestAnswerModel -update", def, fitted)
	}
}

// fitAnswerModel fits a model on judged questions and chooses its floor.
func fitAnswerModel(judged []engine.JudgedPassages) answer.Model {
	var examples []answer.Example
	for _, j := range judged {
		examples = append(examples, j.Examples...)
	}
	m := answer.Fit(examples)
	m.Floor = math.Round(engine.ChooseAnswerFloor(m, judged, noAnswerShare)*1e4) / 1e4
	return m
}

// answerFigures are the eval figures of a model on judged questions, as
// sums until mean.
type answerFigures struct {
	hit3, keyPhrase, noAnswer float64
	answerable, unanswerable  float64
	runs                      int
}

// scoreJudged scores m on judged questions: the answer is the best
// passage under m when it reaches the floor.
func scoreJudged(m answer.Model, judged []engine.JudgedPassages) answerFigures {
	var f answerFigures
	for _, j := range judged {
		best, bestP := -1, -1.0
		probs := make([]float64, len(j.Examples))
		for i, ex := range j.Examples {
			probs[i] = m.Probability(ex.Features)
			if probs[i] > bestP {
				best, bestP = i, probs[i]
			}
		}
		answered := best >= 0 && bestP >= m.Floor
		if !j.Answerable {
			f.unanswerable++
			if !answered {
				f.noAnswer++
			}
			continue
		}
		f.answerable++
		if answered && j.Examples[best].Answers {
			f.keyPhrase++
		}
		// hit@3: a right passage among the three best under m.
		order := make([]int, len(probs))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(probs[b], probs[a]) })
		for _, i := range order[:min(3, len(order))] {
			if j.Examples[i].Answers {
				f.hit3++
				break
			}
		}
	}
	f.hit3 /= max(f.answerable, 1)
	f.keyPhrase /= max(f.answerable, 1)
	f.noAnswer /= max(f.unanswerable, 1)
	f.runs = 1
	return f
}

func (f *answerFigures) add(g answerFigures) {
	f.hit3 += g.hit3
	f.keyPhrase += g.keyPhrase
	f.noAnswer += g.noAnswer
	f.runs++
}

func (f answerFigures) mean() answerFigures {
	n := float64(max(f.runs, 1))
	return answerFigures{hit3: f.hit3 / n, keyPhrase: f.keyPhrase / n, noAnswer: f.noAnswer / n, runs: f.runs}
}

// String prints the figures.
func (f answerFigures) String() string {
	return fmt.Sprintf("passage hit@3 %.3f, key phrase %.3f, no answer %.3f", f.hit3, f.keyPhrase, f.noAnswer)
}
