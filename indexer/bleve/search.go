package bleve

import (
	"context"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	bv "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/siftdesk/sift/models"
)

// Field boosts. Most of a hit's score is BM25 over the whole article
// (bleve's _all field: title, tags and body as one text), so an article is
// ranked as the one document it is; each field then adds its own BM25, so
// a word in the short title counts more than the same word deep in the
// body. On testdata/eval/search.jsonl, title 3, tags 2, body 1 alone gave
// nDCG@10 0.759 and recall@5 0.839 (paraphrases, whose words are in the
// body, 0.543 and 0.690); these give 0.888 and 0.933 (paraphrases 0.801 and
// 0.879), keyword queries 0.975 and 0.988 as before.
const (
	boostArticle = 10.0
	boostTitle   = 1.5
	boostTags    = 1.0
	boostBody    = 0.5
	boostSubject = 4.0 // a draft's subject over its body
)

// fieldArticle is bleve's composite field of every text field.
const fieldArticle = "_all"

// articleBoosts are the fields a query's words are matched in, with their
// boosts: the whole article first, then the fields that add to it.
var articleBoosts = []struct {
	field string
	boost float64
}{{fieldArticle, boostArticle}, {fieldTitle, boostTitle}, {fieldTags, boostTags}, {fieldBody, boostBody}}

// facetSize is how many values each facet returns.
const facetSize = 10

// SearchArticles finds articles for q among those whose visibility q allows.
// A search-box query that matches nothing exactly is retried with one typo
// allowed per word.
func (x *Index) SearchArticles(ctx context.Context, q models.TextQuery) (models.SearchResult, error) {
	res, err := x.searchArticles(ctx, q, 0)
	if err == nil && res.Total == 0 && q.Match == models.MatchSearch {
		res, err = x.searchArticles(ctx, q, 1)
	}
	return res, err
}

func (x *Index) searchArticles(ctx context.Context, q models.TextQuery, fuzziness int) (models.SearchResult, error) {
	var text query.Query
	switch q.Match {
	case models.MatchDeflect:
		text = bv.NewDisjunctionQuery(
			articleFields(q.Subject, boostSubject, 0),
			articleFields(q.Text, 1, 0),
		)
	default:
		text = articleFields(q.Text, 1, fuzziness)
	}
	if len(q.Equivalents) > 0 {
		text = bv.NewDisjunctionQuery(text, equivalents(q.Equivalents))
	}
	root := bv.NewBooleanQuery()
	root.AddMust(text)
	root.AddFilter(articleFilter(q.Filter))

	req := bv.NewSearchRequestOptions(root, q.Limit, q.Offset, false)
	req.Fields = []string{fieldTitle, fieldCategory, fieldProduct, fieldVisibility, fieldProducts, fieldTiers}
	if q.Highlight {
		req.Highlight = bv.NewHighlightWithStyle("html")
		req.Highlight.Fields = []string{fieldBody}
	}
	if q.Facets {
		req.AddFacet(fieldCategory, bv.NewFacetRequest(fieldCategory, facetSize))
		req.AddFacet(fieldProduct, bv.NewFacetRequest(fieldProduct, facetSize))
	}
	sr, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return models.SearchResult{}, fmt.Errorf("full-text search: %w", err)
	}
	out := models.SearchResult{Total: sr.Total, Hits: make([]models.ArticleHit, 0, len(sr.Hits))}
	var terms []string // coverage reads term locations, which only highlighting keeps
	if q.Highlight {
		terms = x.terms(coverageText(q))
	}
	for _, h := range sr.Hits {
		hit := articleHit(h)
		hit.Coverage = coverage(h, terms, fuzziness)
		out.Hits = append(out.Hits, hit)
	}
	if q.Facets {
		out.Facets = map[string][]models.FacetCount{}
		for name, f := range sr.Facets {
			counts := []models.FacetCount{}
			for _, t := range f.Terms.Terms() {
				if t.Term != "" { // articles without a category or product
					counts = append(counts, models.FacetCount{Value: t.Term, Count: t.Count})
				}
			}
			out.Facets[name] = counts
		}
	}
	return out, nil
}

// terms returns the distinct terms the article analyzer makes of text.
func (x *Index) terms(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, tok := range x.idx.Mapping().AnalyzerNamed(en.AnalyzerName).Analyze([]byte(text)) {
		if t := string(tok.Term); !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// coverageWords is how much of a draft coverage reads when it has no
// subject: its opening says what it is about.
const coverageWords = 16

// coverageText is the text whose words coverage counts: the query, or a
// draft's subject (its opening when it has none), since a long draft
// shares only some of its words with even the best article.
func coverageText(q models.TextQuery) string {
	switch {
	case q.Match != models.MatchDeflect:
		return q.Text
	case strings.TrimSpace(q.Subject) != "":
		return q.Subject
	}
	return models.FirstWords(q.Text, coverageWords)
}

// coverage is the share of terms that a hit holds in its title or body,
// read from the term locations a highlighted search keeps (0 without
// them). With fuzziness, a term held only within one edit counts half:
// gibberish finds words a typo away too.
func coverage(h *search.DocumentMatch, terms []string, fuzziness int) float64 {
	if len(terms) == 0 {
		return 0
	}
	held := 0.0
	for _, t := range terms {
		switch {
		case len(h.Locations[fieldTitle][t]) > 0 || len(h.Locations[fieldBody][t]) > 0:
			held++
		case fuzziness > 0 && (nearly(h.Locations[fieldTitle], t) || nearly(h.Locations[fieldBody], t)):
			held += 0.5
		}
	}
	return held / float64(len(terms))
}

// nearly reports whether a field's locations hold a term one edit from
// term.
func nearly(locations search.TermLocationMap, term string) bool {
	for t := range locations {
		if oneEdit(t, term) {
			return true
		}
	}
	return false
}

// oneEdit reports whether a and b differ by one inserted, deleted or
// replaced byte at most.
func oneEdit(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a)-len(b) > 1 {
		return false
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return a[i+min(1, len(a)-i):] == b[i+min(1, len(b)-i):]
	}
	return a[i+1:] == b[i:]
}

// boostEquivalent weighs a phrase that means what the query's words mean
// against the words themselves.
const boostEquivalent = 0.5

// equivalents matches any of the phrases, each as a phrase, in the
// article's fields with their boosts, at the weight of an equivalent.
func equivalents(phrases []string) query.Query {
	var clauses []query.Query
	for _, p := range phrases {
		for _, f := range articleBoosts {
			m := bv.NewMatchPhraseQuery(p)
			m.SetField(f.field)
			m.SetBoost(f.boost * boostEquivalent)
			clauses = append(clauses, m)
		}
	}
	return bv.NewDisjunctionQuery(clauses...)
}

// articleFields matches text against the whole article, any word
// sufficing, and adds the BM25 of title, tags and body with their boosts
// for the articles it matched; BM25 ranks documents with more words first.
// The fields are optional clauses of the whole article's, not a
// disjunction beside it: every article they match, it matches, and bleve
// then only looks them up for its candidates.
func articleFields(text string, boost float64, fuzziness int) query.Query {
	q := bv.NewBooleanQuery()
	whole, fields := articleBoosts[0], articleBoosts[1:]
	q.AddMust(match(text, whole.field, whole.boost*boost, fuzziness))
	for _, f := range fields {
		q.AddShould(match(text, f.field, f.boost*boost, fuzziness))
	}
	return q
}

// articleFilter admits the articles f admits: of the allowed visibilities,
// and when f has entitlements, unrestricted or restricted to an entitled
// product and tier. With no visibility allowed it admits nothing.
func articleFilter(f models.ArticleFilter) query.Query {
	if len(f.Visibilities) == 0 {
		return bv.NewMatchNoneQuery()
	}
	var allowed []query.Query
	for _, v := range f.Visibilities {
		allowed = append(allowed, term(fieldVisibility, string(v)))
	}
	parts := []query.Query{term(fieldType, string(models.KindArticle)), bv.NewDisjunctionQuery(allowed...)}
	if e := f.Entitled; e != nil {
		products := []query.Query{term(fieldProducts, anyValue)}
		for _, p := range e.Products {
			products = append(products, term(fieldProducts, p))
		}
		tiers := []query.Query{term(fieldTiers, anyValue)}
		if e.Tier != "" {
			tiers = append(tiers, term(fieldTiers, e.Tier))
		}
		parts = append(parts, bv.NewDisjunctionQuery(products...), bv.NewDisjunctionQuery(tiers...))
	}
	return bv.NewConjunctionQuery(parts...)
}

// codes reads a stored product or tier field: one value is a string,
// several a list; anyValue means none.
func codes(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = []string{x}
	case []any:
		for _, s := range x {
			if s, ok := s.(string); ok {
				out = append(out, s)
			}
		}
	}
	if len(out) == 1 && out[0] == anyValue {
		return nil
	}
	return out
}

func articleHit(h *search.DocumentMatch) models.ArticleHit {
	str := func(name string) string {
		s, _ := h.Fields[name].(string)
		return s
	}
	hit := models.ArticleHit{
		ID:         articleID(h.ID),
		Title:      str(fieldTitle),
		Category:   str(fieldCategory),
		Product:    str(fieldProduct),
		Visibility: models.Visibility(str(fieldVisibility)),
		Products:   codes(h.Fields[fieldProducts]),
		Tiers:      codes(h.Fields[fieldTiers]),
		Score:      h.Score,
	}
	if frags := h.Fragments[fieldBody]; len(frags) > 0 {
		hit.Snippet = frags[0]
	}
	return hit
}

// SearchTickets finds the tickets whose subject and body best match text,
// within scope (a portal, and an organisation when set), best first.
func (x *Index) SearchTickets(ctx context.Context, text string, k int, scope models.TicketScope) ([]models.TicketHit, error) {
	filters := []query.Query{term(fieldType, string(models.KindTicket)), term(fieldPortal, string(scope.Portal))}
	if scope.Org != "" {
		filters = append(filters, term(fieldOrg, scope.Org))
	}
	root := bv.NewBooleanQuery()
	root.AddMust(bv.NewDisjunctionQuery(match(text, fieldTicketSubject, boostSubject, 0), match(text, fieldTicketBody, 1, 0)))
	root.AddFilter(bv.NewConjunctionQuery(filters...))
	sr, err := x.idx.SearchInContext(ctx, bv.NewSearchRequestOptions(root, k, 0, false))
	if err != nil {
		return nil, fmt.Errorf("full-text ticket search: %w", err)
	}
	out := make([]models.TicketHit, len(sr.Hits))
	for i, h := range sr.Hits {
		out[i] = models.TicketHit{ID: strings.TrimPrefix(h.ID, string(models.KindTicket)+"/"), Score: h.Score}
	}
	return out, nil
}

// match matches text's words, any of them, in one field.
func match(text, field string, boost float64, fuzziness int) query.Query {
	m := bv.NewMatchQuery(text)
	m.SetField(field)
	m.SetBoost(boost)
	m.SetFuzziness(fuzziness)
	return m
}

// term matches a keyword field exactly.
func term(field, value string) query.Query {
	t := bv.NewTermQuery(value)
	t.SetField(field)
	return t
}
