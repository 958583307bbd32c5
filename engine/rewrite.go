package engine

import (
	"slices"
	"strings"

	"github.com/siftdesk/sift/engine/typeahead"
	"github.com/siftdesk/sift/engine/vocabulary"
	"github.com/siftdesk/sift/models"
)

// rewrite returns text as the vocabulary of portal p (the team's synonyms
// included) rewrites it, and the phrases that mean what words of text
// mean, for full-text search to match beside them.
func (e *Engine) rewrite(p models.Portal, text string) (rewrites, equivalents []string) {
	alternatives, equivalents := e.synonyms.For(p).Rewrite(vocabulary.Words(text))
	for _, words := range alternatives {
		rewrites = append(rewrites, strings.Join(words, " "))
	}
	return rewrites, equivalents
}

// searchRewritten runs a type-ahead query as typed and as the vocabulary
// rewrites it ("cant login" also as "cant sign in"), and merges the
// answers: each entry once, at its best match, best first. A rewrite
// keeps whether the last word is still being typed.
func searchRewritten(x *typeahead.Index, v *vocabulary.Vocabulary, q typeahead.Query) []typeahead.Result {
	found := x.Search(q)
	if full(found, q.Limit) {
		return found // answer enough: rewrites would only reorder title matches
	}
	rewrites, _ := v.Rewrite(vocabulary.Words(q.Text))
	if len(rewrites) == 0 {
		return found
	}
	tail := " " // the last word was complete: so is the rewrite's
	if typeahead.EndsInWord(q.Text) {
		tail = ""
	}
	best := map[string]int{} // id to index in found
	for i, r := range found {
		best[r.ID] = i
	}
	for _, words := range rewrites {
		rq := q
		rq.Text = strings.Join(words, " ") + tail
		for _, r := range x.Search(rq) {
			i, ok := best[r.ID]
			switch {
			case !ok:
				best[r.ID] = len(found)
				found = append(found, r)
			case typeahead.CompareResults(r, found[i]) < 0:
				found[i] = r
			}
		}
	}
	slices.SortStableFunc(found, typeahead.CompareResults)
	return found[:min(len(found), q.Limit)]
}

// full reports whether found fills a page of limit with matches of the
// best tier, every word in the title.
func full(found []typeahead.Result, limit int) bool {
	if len(found) < limit {
		return false
	}
	for _, r := range found {
		if r.Match != typeahead.MatchText {
			return false
		}
	}
	return true
}

// DidYouMean returns text with its misspelled words corrected from the
// words the articles are found by (see typeahead.Index.Correct), and
// whether it changed anything: what a portal offers as "did you mean"
// when a query matched nothing.
func (e *Engine) DidYouMean(text string) (string, bool) {
	return e.articles.Correct(text)
}
