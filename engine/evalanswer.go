package engine

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/siftdesk/sift/engine/answer"
	"github.com/siftdesk/sift/models"
)

// AnswerQuestion is one line of an answer evaluation file: a question
// with the article that answers it and a key phrase of that article any
// right answer holds, or a question no article answers.
type AnswerQuestion struct {
	Question   string        `json:"question"`
	Portal     models.Portal `json:"portal"`
	Article    string        `json:"article,omitempty"`
	KeyPhrase  string        `json:"key_phrase,omitempty"`
	Answerable *bool         `json:"answerable,omitempty"` // absent: true
	Kind       string        `json:"kind,omitempty"`
}

// IsAnswerable reports whether an article answers the question.
func (q AnswerQuestion) IsAnswerable() bool { return q.Answerable == nil || *q.Answerable }

// ReadAnswerQuestions reads JSON Lines of answer questions, naming the
// line of any bad one.
func ReadAnswerQuestions(r io.Reader) ([]AnswerQuestion, error) {
	return readJudged(r, func(q AnswerQuestion) error {
		switch {
		case q.Question == "":
			return fmt.Errorf("question is required")
		case q.IsAnswerable() && (q.Article == "" || q.KeyPhrase == ""):
			return fmt.Errorf("an answerable question needs article and key_phrase (or \"answerable\": false)")
		}
		_, err := models.ParsePortal(string(q.Portal))
		return err
	})
}

// AnswerScores are how answers fared on a set of questions.
type AnswerScores struct {
	Answerable   int `json:"answerable"`
	Unanswerable int `json:"unanswerable"`
	// PassageHit1 and PassageHit3 are the shares of answerable questions
	// whose first passage (first three) is of the right article and holds
	// the key phrase.
	PassageHit1 float64 `json:"passage_hit_at_1"`
	PassageHit3 float64 `json:"passage_hit_at_3"`
	// KeyPhrase is the share of answerable questions whose answer holds
	// the key phrase (no answer counts as a miss); Answered the share
	// given an answer at all.
	KeyPhrase float64 `json:"key_phrase"`
	Answered  float64 `json:"answered"`
	// NoAnswer is the share of unanswerable questions given no answer,
	// and Accuracy the share of all questions answered or not as they
	// should be.
	NoAnswer float64 `json:"no_answer"`
	Accuracy float64 `json:"accuracy"`
	// P50 and P99 are percentiles of the time an answer took, each
	// question answered once, in turn.
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
}

// EvaluateAnswers answers every question with the given retrieval options
// and scores the answers against the file's judgments.
func (e *Engine) EvaluateAnswers(ctx context.Context, qs []AnswerQuestion, r models.Retrieval) (AnswerScores, error) {
	var s AnswerScores
	took := make([]time.Duration, 0, len(qs))
	for _, q := range qs {
		start := time.Now()
		a, err := e.Answer(ctx, models.AnswerRequest{Question: q.Question, Audience: models.Audience{Portal: q.Portal}, Retrieval: r, AnswerMode: models.AnswerExtractive}, nil)
		if err != nil {
			return s, fmt.Errorf("question %q: %w", q.Question, err)
		}
		took = append(took, time.Since(start))
		if !q.IsAnswerable() {
			s.Unanswerable++
			if !a.Answered {
				s.NoAnswer++
			}
			continue
		}
		s.Answerable++
		for i, p := range a.Passages {
			if p.ArticleID == q.Article && strings.Contains(p.Text, q.KeyPhrase) {
				if i == 0 {
					s.PassageHit1++
				}
				s.PassageHit3++
				break
			}
		}
		if a.Answered {
			s.Answered++
			if strings.Contains(a.Text, q.KeyPhrase) {
				s.KeyPhrase++
			}
		}
	}
	if len(took) > 0 {
		slices.Sort(took)
		s.P50, s.P99 = took[len(took)/2], took[(len(took)-1)*99/100]
	}
	right := s.Answered + s.NoAnswer
	if s.Answerable > 0 {
		n := float64(s.Answerable)
		s.PassageHit1, s.PassageHit3, s.KeyPhrase, s.Answered = s.PassageHit1/n, s.PassageHit3/n, s.KeyPhrase/n, s.Answered/n
	}
	if s.Unanswerable > 0 {
		s.NoAnswer /= float64(s.Unanswerable)
	}
	if n := s.Answerable + s.Unanswerable; n > 0 {
		s.Accuracy = right / float64(n)
	}
	return s, nil
}

// JudgedPassages are the scored passages of one question, each judged:
// it answers when it is of the question's article and holds its key
// phrase; nothing answers an unanswerable question.
type JudgedPassages struct {
	Answerable bool
	Examples   []answer.Example // best first
}

// JudgeAnswerPassages scores the passages found for every question and
// judges them, for fitting the answer model (see engine/answer).
func (e *Engine) JudgeAnswerPassages(ctx context.Context, qs []AnswerQuestion, r models.Retrieval) ([]JudgedPassages, error) {
	var out []JudgedPassages
	for _, q := range qs {
		candidates, scored, _, err := e.scorePassages(ctx, models.Audience{Portal: q.Portal}, q.Question, r)
		if err != nil {
			return nil, fmt.Errorf("question %q: %w", q.Question, err)
		}
		j := JudgedPassages{Answerable: q.IsAnswerable()}
		for _, s := range scored {
			answers := j.Answerable && candidates[s.Candidate].ArticleID == q.Article && strings.Contains(s.Passage.Text, q.KeyPhrase)
			j.Examples = append(j.Examples, answer.Example{Features: s.Features, Answers: answers})
		}
		out = append(out, j)
	}
	return out, nil
}

// ChooseAnswerFloor returns the lowest floor at which at least share of
// the unanswerable questions get no answer: their best passage scores
// below it under m (a question with no passage gets none at any floor).
func ChooseAnswerFloor(m answer.Model, judged []JudgedPassages, share float64) float64 {
	var tops []float64
	unanswerable := 0
	for _, j := range judged {
		if j.Answerable {
			continue
		}
		unanswerable++
		best := 0.0
		for _, ex := range j.Examples {
			best = max(best, m.Probability(ex.Features))
		}
		if len(j.Examples) > 0 {
			tops = append(tops, best)
		}
	}
	slices.Sort(tops)
	slices.Reverse(tops)
	// At most allowed of them may reach the floor.
	allowed := int(float64(unanswerable) * (1 - share))
	if allowed >= len(tops) {
		return 0
	}
	return tops[allowed] + 1e-4
}
