package engine

import (
	"cmp"
	"context"
	"fmt"
	"html"
	"slices"
	"strings"
	"unicode/utf8"

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
	// SearchArticles returns the k articles nearest to vec among the
	// allowed visibilities, best first.
	SearchArticles(ctx context.Context, vec []float32, k int, vis []models.Visibility) ([]models.VectorHit, error)
	// SearchTickets returns the k tickets nearest to vec within scope.
	SearchTickets(ctx context.Context, vec []float32, k int, scope models.TicketScope) ([]models.VectorHit, error)
}

// UseVectors gives the engine semantic retrieval: queries are embedded
// with emb and looked up in idx, and search and deflection fuse the result
// with full-text search. Call it before the engine serves requests.
func (e *Engine) UseVectors(emb Embedder, idx VectorIndex) {
	e.embedder, e.vectors = emb, idx
}

// rrfK damps the reciprocal-rank fusion: a hit's share is w/(rrfK+rank).
const rrfK = 60

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
		if weight < 0 || weight > 1 {
			return "", 0, models.Invalid("vector_weight", "must be between 0 and 1, got %g", weight)
		}
	}
	return mode, weight, nil
}

// fuseArticles returns the articles for a query found by full text (the
// hits of text, best first) and by vector similarity to vectorText, fused
// by weighted reciprocal rank, best first; at most depth of them.
func (e *Engine) fuseArticles(ctx context.Context, p models.Portal, text []models.ArticleHit, vectorText string, mode string, weight float64, depth int, explain bool) ([]models.ArticleHit, error) {
	var vhits []models.VectorHit
	if mode != models.RetrievalText {
		vecs, err := e.embedder.Embed(ctx, []string{vectorText})
		if err != nil {
			return nil, fmt.Errorf("embed query: %w", err)
		}
		if vhits, err = e.vectors.SearchArticles(ctx, vecs[0], depth, p.Visibilities()); err != nil {
			return nil, err
		}
	}
	if mode == models.RetrievalVector {
		text, weight = nil, 1
	}
	byID := map[string]*models.ArticleHit{}
	expl := map[string]*models.Explanation{}
	fused := map[string]float64{}
	for i, h := range text {
		hit := h
		byID[h.ID] = &hit
		expl[h.ID] = &models.Explanation{TextRank: i + 1, TextScore: round(h.Score)}
		fused[h.ID] += (1 - weight) / float64(rrfK+i+1)
	}
	for i, v := range vhits {
		if _, ok := byID[v.ID]; !ok {
			a, err := e.store.Article(ctx, v.ID)
			if err != nil {
				continue // deleted since the vector index was read
			}
			byID[v.ID] = &models.ArticleHit{ID: a.ID, Title: a.Title, Category: a.Category, Product: a.Product,
				Visibility: a.Visibility, Snippet: opening(a.Body)}
			expl[v.ID] = &models.Explanation{}
		}
		expl[v.ID].VectorRank, expl[v.ID].VectorScore = i+1, round(v.Score)
		fused[v.ID] += weight / float64(rrfK+i+1)
	}
	out := make([]models.ArticleHit, 0, len(byID))
	for id, h := range byID {
		switch mode {
		case models.RetrievalText:
			h.Score = expl[id].TextScore
		case models.RetrievalVector:
			h.Score = expl[id].VectorScore
		default:
			h.Score = round(fused[id] * rrfK) // 1 for a hit ranked first by both sides
		}
		if explain {
			h.Explain = expl[id]
		}
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b models.ArticleHit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out[:min(len(out), depth)], nil
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
