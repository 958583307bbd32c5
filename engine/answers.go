package engine

import (
	"context"
	"errors"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/siftdesk/sift/engine/answer"
	"github.com/siftdesk/sift/models"
)

// answerCandidates is how many of the articles search finds an answer's
// passages are drawn from.
const answerCandidates = 5

// answerQueryWords is how much of a question (or draft) retrieval reads.
const answerQueryWords = 40

// UseChat makes answers generative: once the passages answer a question
// with confidence, m writes the reply from them, citing them, within
// timeout; a reply that fails (see answer.Generate) falls back to the
// extractive answer and says why. Call it before serving.
func (e *Engine) UseChat(m answer.ChatModel, timeout time.Duration) {
	e.chat, e.chatTimeout = m, timeout
}

// Answer answers a question, or a ticket draft, with the passage of an
// article the audience may read that answers it (see engine/answer), or
// says that no article does. Access rules apply before anything is read:
// only articles the audience may see are candidates, and only their
// passages reach a chat model. With a chat model (UseChat) and unless the
// request asks for an extractive answer, a confident answer is written by
// the model; stream, when not nil, receives its text as it comes.
func (e *Engine) Answer(ctx context.Context, req models.AnswerRequest, stream func(delta string) error) (models.Answer, error) {
	start := time.Now()
	text := strings.TrimSpace(req.Text())
	if text == "" {
		return models.Answer{}, models.Invalid("question", "question, or subject or body, is required")
	}
	if len(req.Question)+len(req.Subject)+len(req.Body) > models.MaxDeflectTextBytes {
		return models.Answer{}, models.TooLarge("question", "the question is %d bytes, at most %d allowed", len(req.Question)+len(req.Subject)+len(req.Body), models.MaxDeflectTextBytes)
	}
	candidates, scored, mode, err := e.scorePassages(ctx, req.Audience, text, req.Retrieval)
	if err != nil {
		return models.Answer{}, err
	}
	out := models.Answer{Mode: models.AnswerExtractive, Passages: []models.AnswerPassage{}, Degraded: e.degraded(mode)}
	out = composeAnswer(out, candidates, scored, e.answerModel().Floor)
	if out.Answered && e.chat != nil && req.AnswerMode != models.AnswerExtractive {
		out = e.generate(ctx, req.Text(), out, stream)
	}
	if out.Answered {
		e.record(req.SessionID, req.Audience.Portal, models.Event{Type: models.EventAnswerShown, ArticleIDs: passageArticles(out.Passages[:1])})
	}
	out.TookMicros = time.Since(start).Microseconds()
	return out, nil
}

// scorePassages finds the articles that match a question and scores their
// passages, best first; none when no article matches with confidence.
func (e *Engine) scorePassages(ctx context.Context, aud models.Audience, text string, r models.Retrieval) ([]answer.Candidate, []answer.Scored, string, error) {
	query := models.FirstWords(text, answerQueryWords)
	res, best, mode, err := e.rankArticles(ctx, models.SearchRequest{Query: query, Audience: aud, Limit: answerCandidates, Retrieval: r})
	if err != nil || !e.matched(best, mode) {
		return nil, nil, mode, err
	}
	candidates := e.answerCandidates(ctx, aud, res.Hits)
	return candidates, answer.Score(e.fulltext, e.answerQuestion(ctx, query), candidates, e.answerModel()), mode, nil
}

// answerModel is the passage model for this engine: the one fitted with
// semantic features when it has an embedder.
func (e *Engine) answerModel() answer.Model { return e.answers.For(e.embedder != nil) }

// answerQuestion reads a question for the passage scorer, with its
// sentence embedding when the engine has an embedder.
func (e *Engine) answerQuestion(ctx context.Context, query string) answer.Question {
	q := answer.NewQuestion(e.fulltext, query)
	if e.embedder != nil {
		q.Vector, _ = e.embedQuery(ctx, query) // without it, the scorer reads words alone
	}
	return q
}

// WarmPassageVectors embeds the passages of up to limit articles ahead
// of the questions that will need them, so that the first answers drawn
// from them are as fast as the next ones. It stops at ctx's end and does
// nothing without an embedder.
func (e *Engine) WarmPassageVectors(ctx context.Context, limit int) error {
	if e.embedder == nil {
		return nil
	}
	n := 0
	err := e.store.Articles(ctx, func(a *models.Article) error {
		if n == limit || ctx.Err() != nil {
			return errStopWarming
		}
		n++
		e.passageVectors(ctx, a, answer.Split(a.Body))
		return nil
	})
	if errors.Is(err, errStopWarming) {
		return ctx.Err()
	}
	return err
}

// errStopWarming ends WarmPassageVectors' walk over the articles.
var errStopWarming = errors.New("enough articles warmed")

// maxCachedPassageVectors bounds the articles whose passage embeddings
// are kept; past it the cache starts over.
const maxCachedPassageVectors = 20_000

// passageVectors returns the sentence embeddings of an article's
// passages, computed once per version of its body and kept; nil without
// an embedder or when embedding fails.
func (e *Engine) passageVectors(ctx context.Context, a *models.Article, passages []answer.Passage) [][]float32 {
	if e.embedder == nil || len(passages) == 0 {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(a.Body))
	key := a.ID + "\x00" + strconv.FormatUint(h.Sum64(), 16)
	e.passageMu.Lock()
	vecs, ok := e.passageVecs[key]
	e.passageMu.Unlock()
	if ok {
		return vecs
	}
	texts := make([]string, len(passages))
	for i, p := range passages {
		texts[i] = p.Heading + "\n" + p.Text
	}
	vecs, err := e.embedder.Embed(ctx, texts)
	if err != nil || len(vecs) != len(passages) {
		return nil
	}
	e.passageMu.Lock()
	if e.passageVecs == nil || len(e.passageVecs) >= maxCachedPassageVectors {
		e.passageVecs = map[string][][]float32{}
	}
	e.passageVecs[key] = vecs
	e.passageMu.Unlock()
	return vecs
}

// answerFrom is the answer to text drawn from hits already found (a
// deflection's), when they answer it with confidence; nil otherwise.
func (e *Engine) answerFrom(ctx context.Context, aud models.Audience, text string, hits []models.ArticleHit) *models.Answer {
	candidates := e.answerCandidates(ctx, aud, hits[:min(len(hits), answerCandidates)])
	query := models.FirstWords(text, answerQueryWords)
	scored := answer.Score(e.fulltext, e.answerQuestion(ctx, query), candidates, e.answerModel())
	out := composeAnswer(models.Answer{Mode: models.AnswerExtractive}, candidates, scored, e.answerModel().Floor)
	if !out.Answered {
		return nil
	}
	return &out
}

// answerCandidates reads the hits' articles, each checked again against
// the audience, and cuts them into passages.
func (e *Engine) answerCandidates(ctx context.Context, aud models.Audience, hits []models.ArticleHit) []answer.Candidate {
	var out []answer.Candidate
	for _, h := range hits {
		a, err := e.store.Article(ctx, h.ID)
		if err != nil || !aud.CanSeeArticle(a) {
			continue // deleted meanwhile, or (never expected) not the audience's
		}
		passages := answer.Split(a.Body)
		out = append(out, answer.Candidate{ArticleID: a.ID, Title: a.Title, Relevance: h.Relevance, Rank: len(out),
			Passages: passages, Vectors: e.passageVectors(ctx, a, passages)})
	}
	return out
}

// generate has the chat model write the answer from its passages; on
// failure it keeps the extractive answer and says why in Fallback.
func (e *Engine) generate(ctx context.Context, question string, out models.Answer, stream func(string) error) models.Answer {
	sources := make([]answer.Source, len(out.Passages))
	for i, p := range out.Passages {
		sources[i] = answer.Source{Title: p.Title, Heading: p.Heading, Text: p.Text}
	}
	g, fallback := e.chatGenerate(ctx, question, sources, stream, "generative answer fell back to the extractive one")
	if fallback != "" {
		out.Fallback = fallback
		return out
	}
	out.Text, out.Mode = g.Text, models.AnswerGenerative
	return out
}

// chatGenerate has the chat model write from sources within the chat
// timeout (answer.Generate); on failure it logs fellBack and returns why
// (answer.FallbackReason), "" when it succeeded.
func (e *Engine) chatGenerate(ctx context.Context, question string, sources []answer.Source, stream func(string) error, fellBack string) (answer.Generated, string) {
	ctx, cancel := context.WithTimeout(ctx, e.chatTimeout)
	defer cancel()
	g, err := answer.Generate(ctx, e.chat, question, sources, stream)
	if err != nil {
		reason := answer.FallbackReason(err)
		e.log.Warn(fellBack, "reason", reason, "err", err)
		return g, reason
	}
	return g, ""
}

// passageArticles returns the distinct articles of passages, in order.
func passageArticles(passages []models.AnswerPassage) []string {
	var ids []string
	for _, p := range passages {
		if !slices.Contains(ids, p.ArticleID) {
			ids = append(ids, p.ArticleID)
		}
	}
	return ids
}

// composeAnswer fills an answer from the scored passages: the best one is
// the answer when it reaches floor, and the best few are its passages.
func composeAnswer(out models.Answer, candidates []answer.Candidate, scored []answer.Scored, floor float64) models.Answer {
	for _, s := range scored[:min(len(scored), models.MaxAnswerPassages)] {
		c := candidates[s.Candidate]
		out.Passages = append(out.Passages, models.AnswerPassage{
			ArticleID: c.ArticleID, Title: c.Title, Heading: s.Passage.Heading, Text: s.Passage.Text,
			Start: s.Passage.Start, End: s.Passage.End, Probability: round(s.Probability),
		})
	}
	if len(scored) > 0 {
		out.Confidence = round(scored[0].Probability)
		if out.Answered = scored[0].Probability >= floor; out.Answered {
			out.Text = scored[0].Passage.Text
		}
	}
	return out
}
