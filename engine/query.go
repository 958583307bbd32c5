package engine

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/siftdesk/sift/engine/curation"
	"github.com/siftdesk/sift/engine/relevance"
	"github.com/siftdesk/sift/engine/typeahead"
	"github.com/siftdesk/sift/models"
)

// maxQuerySuggestions caps the "query" completions in one answer, so
// article titles always have room.
const maxQuerySuggestions = 3

// Suggest completes what someone is typing: article titles and popular
// queries the portal may see, best first.
func (e *Engine) Suggest(ctx context.Context, req models.SuggestRequest) (models.SuggestResult, error) {
	start := time.Now()
	if err := checkQuery(req.Query, models.MaxSuggestQueryLength); err != nil {
		return models.SuggestResult{}, err
	}
	limit, err := checkLimit(req.Limit, models.DefaultSuggestLimit, models.MaxSuggestLimit)
	if err != nil {
		return models.SuggestResult{}, err
	}
	articles := e.suggestArticles(req.Query, req.Audience, limit)
	queries := e.queries.Search(typeahead.Query{Text: req.Query, Classes: queryClasses(req.Audience.Portal), Limit: min(limit/2, maxQuerySuggestions), Complete: true})
	articles = articles[:min(len(articles), limit-len(queries))]

	type ranked struct {
		typeahead.Result
		kind string
	}
	all := make([]ranked, 0, len(articles)+len(queries))
	for _, r := range articles {
		all = append(all, ranked{r, models.SuggestionArticle})
	}
	for _, r := range queries {
		all = append(all, ranked{r, models.SuggestionQuery})
	}
	slices.SortStableFunc(all, func(a, b ranked) int { return typeahead.CompareResults(a.Result, b.Result) })
	out := make([]models.Suggestion, 0, len(all))
	for _, r := range all {
		s := models.Suggestion{Kind: r.kind, Text: r.Text, Score: round(r.Score), Match: r.Match.String()}
		if r.kind == models.SuggestionArticle {
			s.ID, s.Title = r.ID, r.Text
		}
		out = append(out, s)
	}
	out, fired := e.curateSuggestions(ctx, req, out, limit)
	var shown []string
	for _, s := range out {
		if s.ID != "" {
			shown = append(shown, s.ID)
		}
	}
	e.record(req.SessionID, req.Audience.Portal, models.Event{Type: models.EventSuggestionShown, Query: clip(req.Query, models.MaxSearchQueryLength), ArticleIDs: shown})
	res := models.SuggestResult{Suggestions: out, Rules: curation.IDs(fired), KnownIssues: e.knownIssues(req.SessionID, req.Audience, req.Query, true)}
	if len(out) == 0 {
		if corrected, ok := e.DidYouMean(req.Query); ok && len(e.suggestArticles(corrected, req.Audience, 1)) > 0 {
			res.DidYouMean = corrected
		}
	}
	res.TookMicros = time.Since(start).Microseconds()
	return res, nil
}

// Search runs a search-box query over the articles the portal may see:
// BM25 with title over tags over body, snippets, and facets by category
// and product.
func (e *Engine) Search(ctx context.Context, req models.SearchRequest) (models.SearchResult, error) {
	start := time.Now()
	res, best, mode, err := e.rankArticles(ctx, req)
	if err != nil {
		return models.SearchResult{}, err
	}
	res.Degraded = e.degraded(mode)
	if res.Matched = e.matched(best, mode); !res.Matched {
		res.Hits, res.Total, res.Facets = []models.ArticleHit{}, 0, map[string][]models.FacetCount{}
		res.DidYouMean = e.correctedSearch(ctx, req)
	}
	res.KnownIssues = e.knownIssues(req.SessionID, req.Audience, req.Query, false)
	res.TookMicros = time.Since(start).Microseconds()
	if !res.Matched {
		best = 0
	}
	e.record(req.SessionID, req.Audience.Portal, models.Event{Type: models.EventSearch, Query: req.Query, ResultCount: int(res.Total), BestRelevance: &best})
	return res, nil
}

// correctedSearch returns the search's query with its misspellings
// corrected when that query matches, or "".
func (e *Engine) correctedSearch(ctx context.Context, req models.SearchRequest) string {
	corrected, ok := e.DidYouMean(req.Query)
	if !ok {
		return ""
	}
	req.Query = corrected
	if _, best, mode, err := e.rankArticles(ctx, req); err != nil || !e.matched(best, mode) {
		return ""
	}
	return corrected
}

// rankArticles runs a search without deciding whether it matched: the
// page of hits the audience may see, with total and facets, the highest
// relevance of any article found (on the page or not), and the retrieval
// mode used.
func (e *Engine) rankArticles(ctx context.Context, req models.SearchRequest) (res models.SearchResult, best float64, mode string, err error) {
	if err := checkQuery(req.Query, models.MaxSearchQueryLength); err != nil {
		return res, 0, "", err
	}
	if strings.TrimSpace(req.Query) == "" {
		return res, 0, "", models.Invalid("q", "is required")
	}
	limit, err := checkLimit(req.Limit, models.DefaultSearchLimit, models.MaxSearchLimit)
	if err != nil {
		return res, 0, "", err
	}
	if req.Offset < 0 || req.Offset > models.MaxSearchOffset {
		return res, 0, "", models.Invalid("offset", "must be between 0 and %d, got %d", models.MaxSearchOffset, req.Offset)
	}
	mode, weight, err := e.retrieval(req.Retrieval)
	if err != nil {
		return res, 0, "", err
	}
	depth := req.Offset + limit
	rewrites, equivalents := e.rewrite(req.Audience.Portal, req.Query)
	res = e.fulltext.Search(models.TextQuery{
		Match: models.MatchSearch, Text: req.Query, Filter: req.Audience.Filter(),
		Limit: depth + popularityWindow, Facets: true, Highlight: true,
		Equivalents: equivalents, Rewrites: rewrites,
	})
	lifts := e.liftByPopularity(res.Hits)
	all, extra, best, err := e.fuseArticles(ctx, req.Audience, res.Hits[:min(depth, len(res.Hits))], req.Query, mode, weight, depth, req.Explain)
	if err != nil {
		return res, 0, "", err
	}
	if mode != models.RetrievalVector {
		model := e.RelevanceModel(mode)
		for _, h := range res.Hits[min(depth, len(res.Hits)):] { // full text's, past the page
			best = max(best, model.Probability(relevance.Features{Coverage: h.Coverage, ByText: true}))
		}
	}
	switch mode {
	case models.RetrievalHybrid:
		res.Total += uint64(extra)
	case models.RetrievalVector:
		res.Total = uint64(extra)
	}
	for i := range all {
		if all[i].Explain != nil {
			all[i].Explain.PopularityLift = lifts[all[i].ID]
		}
	}
	found := len(all)
	all, fired := e.curate(ctx, req.Audience, req.Query, all, req.Explain)
	res.Rules = curation.IDs(fired)
	res.Total = uint64(max(int(res.Total)+len(all)-found, 0)) // pins added, less hides
	res.Hits = e.visibleHits(req.Audience, all[min(req.Offset, len(all)):])
	if pinned(res.Hits, fired) {
		best = 1 // a person chose an answer for this query
	}
	return res, best, mode, nil
}

// Deflect returns the articles most likely to resolve a ticket draft, for
// a portal to show under its ticket form.
func (e *Engine) Deflect(ctx context.Context, req models.DeflectRequest) (models.DeflectResult, error) {
	start := time.Now()
	if strings.TrimSpace(req.Subject) == "" && strings.TrimSpace(req.Body) == "" {
		return models.DeflectResult{}, models.Invalid("subject", "subject or body is required")
	}
	if n := len(req.Subject) + len(req.Body); n > models.MaxDeflectTextBytes {
		return models.DeflectResult{}, models.TooLarge("body", "subject and body are %d bytes, at most %d allowed", n, models.MaxDeflectTextBytes)
	}
	limit, err := checkLimit(req.Limit, models.DefaultDeflectLimit, models.MaxDeflectLimit)
	if err != nil {
		return models.DeflectResult{}, err
	}
	mode, weight, err := e.retrieval(req.Retrieval)
	if err != nil {
		return models.DeflectResult{}, err
	}
	body := models.FirstWords(req.Body, textQueryWords)
	_, equivalents := e.rewrite(req.Audience.Portal, req.Subject+"\n"+body)
	subjectRewrites, _ := e.rewrite(req.Audience.Portal, req.Subject)
	res := e.fulltext.Search(models.TextQuery{
		Match: models.MatchDeflect, Subject: req.Subject, Text: body,
		Filter: req.Audience.Filter(), Limit: limit, Highlight: true,
		Equivalents: equivalents, Rewrites: subjectRewrites,
	})
	hits, _, best, err := e.fuseArticles(ctx, req.Audience, res.Hits, draftGist(req.Subject, req.Body), mode, weight, limit, req.Explain)
	if err != nil {
		return models.DeflectResult{}, err
	}
	hits, fired := e.curate(ctx, req.Audience, req.Subject, hits, req.Explain)
	hits = hits[:min(len(hits), limit)]
	articles := e.visibleHits(req.Audience, hits)
	ok := e.matched(best, mode) || pinned(articles, fired)
	if !ok {
		articles = []models.ArticleHit{}
	}
	e.record(req.SessionID, req.Audience.Portal, models.Event{Type: models.EventDeflectionShown, ArticleIDs: hitIDs(articles)})
	out := models.DeflectResult{Matched: ok, Degraded: e.degraded(mode), Rules: curation.IDs(fired), Articles: articles,
		KnownIssues: e.knownIssues(req.SessionID, req.Audience, req.Subject+"\n"+req.Body, false)}
	if req.Answer && ok {
		out.Answer = e.answerFrom(ctx, req.Audience, req.Subject+"\n"+body, articles)
	}
	out.TookMicros = time.Since(start).Microseconds()
	return out, nil
}

// gistWords is how much of a draft its query embedding reads: the cost
// of an embedding grows with its length, and the subject and first words
// say what the draft is about; full-text search reads all of it.
const gistWords = 16

// textQueryWords is how much of a draft's body full-text search reads:
// the opening says what the ticket is about, and every further word adds a
// term to a disjunction over the whole index.
const textQueryWords = 60

// draftGist is the text embedded for a ticket draft.
func draftGist(subject, body string) string {
	return models.FirstWords(subject+"\n"+body, gistWords)
}

func checkQuery(q string, maxLen int) error {
	if len(q) > maxLen {
		return models.Invalid("q", "is %d bytes long, at most %d allowed", len(q), maxLen)
	}
	return nil
}

// checkLimit applies the default for 0 and rejects values out of range.
func checkLimit(limit, def, maxLimit int) (int, error) {
	if limit == 0 {
		return def, nil
	}
	if limit < 1 || limit > maxLimit {
		return 0, models.Invalid("limit", "must be between 1 and %d, got %d", maxLimit, limit)
	}
	return limit, nil
}

// round keeps four decimals, enough to rank and short to read.
func round(x float64) float64 {
	const k = 1e4
	if x < 0 {
		return -float64(int64(-x*k+0.5)) / k
	}
	return float64(int64(x*k+0.5)) / k
}
