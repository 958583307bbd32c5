package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/siftdesk/sift/engine/relevance"
	"github.com/siftdesk/sift/models"
)

// Embedder turns texts into vectors, one per text, in order.
type Embedder interface {
	Model() string
	Dimensions() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// VectorIndex finds documents by vector similarity, within access rules.
type VectorIndex interface {
	// SearchArticles returns the k articles nearest to vec among those
	// the filter admits, best first.
	SearchArticles(ctx context.Context, vec []float32, k int, f models.ArticleFilter) ([]models.VectorHit, error)
	// SearchTickets returns the k tickets nearest to vec within scope.
	SearchTickets(ctx context.Context, vec []float32, k int, scope models.TicketScope) ([]models.VectorHit, error)
}

// UseVectors gives the engine semantic retrieval: queries are embedded
// with emb and looked up in idx, and search and deflection fuse the result
// with full-text search. Call it before the engine serves requests.
func (e *Engine) UseVectors(emb Embedder, idx VectorIndex) {
	e.embedder, e.vectors = emb, idx
	e.SetReadiness(ComponentVectors, Ready)
}

// snippetRunes is the length of a snippet made from an article's opening.
const snippetRunes = 200

// retrieval resolves a request's retrieval options against what the
// engine has.
func (e *Engine) retrieval(r models.Retrieval) (mode string, weight float64, err error) {
	mode = r.Mode
	if mode == "" {
		mode = models.RetrievalText
		if e.vectors != nil {
			mode = models.RetrievalHybrid
		}
	}
	switch mode {
	case models.RetrievalText:
	case models.RetrievalHybrid, models.RetrievalVector:
		if e.vectors == nil {
			return "", 0, models.Invalid("mode", "%q needs vectors, and this server has no embedder configured", mode)
		}
	default:
		return "", 0, models.Invalid("mode", "unknown retrieval mode %q: want hybrid, text or vector", mode)
	}
	weight = models.DefaultVectorWeight
	if r.VectorWeight != nil {
		weight = *r.VectorWeight
		if !(weight >= 0 && weight <= 1) { // NaN fails both comparisons
			return "", 0, models.Invalid("vector_weight", "must be between 0 and 1, got %g", weight)
		}
	}
	return mode, weight, nil
}

// ranked is a document in a ranking: its id and score.
type ranked struct {
	id    string
	score float64
}

// fusedHit is a document of a fused ranking, with how each side ranked it.
type fusedHit struct {
	id    string
	score float64
	expl  models.Explanation
}

// fuseRanks merges a full-text and a vector ranking, each best first. In
// hybrid mode a document scores (1-weight) × its text score over the best
// text score, plus weight × its vector score (cosine similarity), a side
// that did not find it adding nothing; so scores stay in [0, 1] and keep
// how far apart the documents are on each side, which ranks alone lose
// (when this replaced reciprocal rank fusion, on testdata/eval/search.jsonl
// with the full-text weights of the time, nDCG@10 went from 0.850 to
// 0.886). In text or vector mode the score is that side's own.
// The result is best first, ties by id.
func fuseRanks(text, vector []ranked, mode string, weight float64) []fusedHit {
	if mode == models.RetrievalVector {
		text = nil
	}
	if mode == models.RetrievalText {
		vector = nil
	}
	byID := map[string]*fusedHit{}
	var order []*fusedHit
	get := func(id string) *fusedHit {
		h := byID[id]
		if h == nil {
			h = &fusedHit{id: id}
			byID[id] = h
			order = append(order, h)
		}
		return h
	}
	for i, r := range text {
		h := get(r.id)
		h.expl.TextRank, h.expl.TextScore = i+1, round(r.score)
		if text[0].score > 0 {
			h.score += (1 - weight) * r.score / text[0].score
		}
	}
	for i, r := range vector {
		h := get(r.id)
		h.expl.VectorRank, h.expl.VectorScore = i+1, round(r.score)
		h.score += weight * max(r.score, 0)
	}
	out := make([]fusedHit, len(order))
	for i, h := range order {
		switch mode {
		case models.RetrievalText:
			h.score = h.expl.TextScore
		case models.RetrievalVector:
			h.score = h.expl.VectorScore
		default:
			h.score = round(h.score)
		}
		out[i] = *h
	}
	slices.SortFunc(out, func(a, b fusedHit) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return out
}

// embedQuery embeds one query text.
func (e *Engine) embedQuery(ctx context.Context, text string) ([]float32, error) {
	vecs, err := e.embedder.Embed(ctx, []string{text})
	if err != nil {
		return nil, fmt.Errorf("embed query: %w", err)
	}
	return vecs[0], nil
}

// vectorRanks embeds text and ranks what search finds for its vector.
func (e *Engine) vectorRanks(ctx context.Context, text string, search func(vec []float32) ([]models.VectorHit, error)) ([]ranked, error) {
	vec, err := e.embedQuery(ctx, text)
	if err != nil {
		return nil, err
	}
	hits, err := search(vec)
	if err != nil {
		return nil, err
	}
	out := make([]ranked, len(hits))
	for i, h := range hits {
		out[i] = ranked{h.ID, h.Score}
	}
	return out, nil
}

// vectorPool is how many nearest articles the vector side reads, at
// least, whatever the page: the hits it adds to a total are counted in
// it, so the total does not change with the page's size.
const vectorPool = 50

// fuseArticles returns the articles for a query found by full text (the
// hits of text, best first) and by vector similarity to vectorText, fused
// best first; at most depth of them. extra is how many articles vectors
// alone found, in a pool of at least vectorPool, whose relevance reaches
// the mode's floor: what they add to full text's total. (Neighbours
// below it are shown, ranked by the fusion, but not counted: every
// article has nearest neighbours.) best is the highest relevance of any
// article either side found, on the page or not: whether the answer
// matched must not depend on the page's size.
func (e *Engine) fuseArticles(ctx context.Context, aud models.Audience, text []models.ArticleHit, vectorText string, mode string, weight float64, depth int, explain bool) (out []models.ArticleHit, extra int, best float64, err error) {
	var vector []ranked
	if mode != models.RetrievalText {
		vector, err = e.vectorRanks(ctx, vectorText, func(vec []float32) ([]models.VectorHit, error) {
			return e.vectors.SearchArticles(ctx, vec, max(depth, vectorPool), aud.Filter())
		})
		switch {
		case errors.Is(err, models.ErrUnavailable) && mode == models.RetrievalHybrid:
			// A vector index in a database that is away: full text, which
			// is in memory, still answers.
			e.log.Warn("vector index unavailable; answering from full text only", "err", err)
			vector = nil
		case err != nil:
			return nil, 0, 0, err
		}
	}
	byID := map[string]models.ArticleHit{}
	textRanks := make([]ranked, len(text))
	for i, h := range text {
		byID[h.ID] = h
		textRanks[i] = ranked{h.ID, h.Score}
	}
	model := e.RelevanceModel(mode)
	// Only the nearest depth compete for the page, as many as full text
	// offers; the rest of the pool only counts.
	for _, v := range vector[min(depth, len(vector)):] {
		h, ok := byID[v.id]
		p := model.Probability(relevance.Features{Coverage: h.Coverage, Cosine: v.score, ByText: ok})
		if best = max(best, p); !ok && p >= model.Floor {
			extra++
		}
	}
	out = []models.ArticleHit{}
	for _, f := range fuseRanks(textRanks, vector[:min(depth, len(vector))], mode, weight) {
		h, found := byID[f.id]
		p := model.Probability(relevance.Features{Coverage: h.Coverage, Cosine: f.expl.VectorScore, ByText: f.expl.TextRank > 0})
		best = max(best, p)
		if f.expl.TextRank == 0 && p >= model.Floor {
			extra++
		}
		if len(out) == depth {
			continue // counted, not shown
		}
		if !found {
			a, err := e.store.Article(ctx, f.id)
			if err != nil {
				continue // deleted since the vector index was read
			}
			h = models.ArticleHit{ID: a.ID, Title: a.Title, Category: a.Category, Product: a.Product,
				Visibility: a.Visibility, Products: a.Products, Tiers: a.Tiers, Snippet: opening(a.Body)}
		}
		h.Score = f.score
		h.Relevance = round(p)
		if explain {
			expl := f.expl
			expl.Coverage = round(h.Coverage)
			h.Explain = &expl
		}
		out = append(out, h)
	}
	return out, extra, best, nil
}

// RelevanceModel returns the model that rates hits found in a retrieval
// mode, and decides whether an answer matched.
func (e *Engine) RelevanceModel(mode string) relevance.Model {
	if m, ok := e.cfg.Relevance[mode]; ok {
		return m
	}
	return relevance.Default(mode)
}

// matched reports whether the best relevance of an answer, found in
// retrieval mode, is enough for it to count as a match.
func (e *Engine) matched(best float64, mode string) bool {
	return best >= e.RelevanceModel(mode).Floor
}

// opening is a snippet made from the start of an article's body, for hits
// that full-text search did not highlight.
func opening(markdown string) string {
	s := strings.Join(strings.Fields(models.PlainText(markdown)), " ")
	if utf8.RuneCountInString(s) > snippetRunes {
		s = string([]rune(s)[:snippetRunes]) + "…"
	}
	return html.EscapeString(s)
}
