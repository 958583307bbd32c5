package bleve

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	bv "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/siftdesk/sift/models"
)

// TitleCompletions is the plain-bleve type-ahead baseline that sift bench
// compares the engine's type-ahead (engine/typeahead) against; Sift does not
// serve it. It completes text, the contents of a search box, over the
// titles of the articles whose visibility is in visibilities, and returns up
// to limit titles, best first by BM25.
//
// It is what type-ahead looks like with nothing but bleve queries on the
// existing title field: every word but the last must match, as an analysed
// match query with fuzziness 1 from four letters and 2 from eight; the last
// word, unless text ends in a space or punctuation, must match as a prefix of
// an indexed title term or, analysed, within the same fuzziness. Words the
// title analyser drops (stopwords) are ignored. The visibility filter is the
// one full-text search uses. Empty text or a limit below 1 returns nothing.
// It is safe for concurrent use.
func (x *Index) TitleCompletions(ctx context.Context, text string, visibilities []models.Visibility, limit int) ([]string, error) {
	words := strings.Fields(text)
	if len(words) == 0 || limit < 1 {
		return nil, nil
	}
	last, _ := utf8.DecodeLastRuneInString(text)
	partial := unicode.IsLetter(last) || unicode.IsDigit(last)

	m := x.idx.Mapping()
	analyzer := m.AnalyzerNamed(m.AnalyzerNameForPath(fieldTitle))
	if analyzer == nil {
		return nil, fmt.Errorf("title completions: no analyzer for field %q", fieldTitle)
	}
	root := bv.NewBooleanQuery()
	musts := 0
	for i, w := range words {
		if i == len(words)-1 && partial {
			if q := lastWordQuery(w); q != nil {
				root.AddMust(q)
				musts++
			}
			continue
		}
		if len(analyzer.Analyze([]byte(w))) == 0 {
			continue // a stopword: a match query for it would match nothing
		}
		root.AddMust(fuzzyTitleMatch(w))
		musts++
	}
	if musts == 0 {
		return nil, nil
	}
	root.AddFilter(articleFilter(models.ArticleFilter{Visibilities: visibilities}))

	req := bv.NewSearchRequestOptions(root, limit, 0, false)
	req.Fields = []string{fieldTitle}
	sr, err := x.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("title completions: %w", err)
	}
	titles := make([]string, 0, len(sr.Hits))
	for _, h := range sr.Hits {
		if t, ok := h.Fields[fieldTitle].(string); ok {
			titles = append(titles, t)
		}
	}
	return titles, nil
}

// lastWordQuery matches the word being typed: a prefix of a title term,
// or the analysed word within its typo budget. It returns nil for a word
// with no letters or digits.
func lastWordQuery(w string) query.Query {
	prefix := strings.ToLower(strings.TrimFunc(w, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}))
	if prefix == "" {
		return nil
	}
	p := bv.NewPrefixQuery(prefix)
	p.SetField(fieldTitle)
	return bv.NewDisjunctionQuery(p, fuzzyTitleMatch(w))
}

// fuzzyTitleMatch is an analysed match on the title with the typo budget
// of the word's length.
func fuzzyTitleMatch(w string) query.Query {
	m := bv.NewMatchQuery(w)
	m.SetField(fieldTitle)
	m.SetFuzziness(baselineFuzziness(w))
	return m
}

// baselineFuzziness is the typo budget of a word, as type-ahead counts it:
// none below four letters, one from four, two from eight.
func baselineFuzziness(w string) int {
	switch n := utf8.RuneCountInString(w); {
	case n >= 8:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}
