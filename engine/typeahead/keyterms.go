package typeahead

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// KeyTerms returns up to n words that say what a text is about, joined by
// spaces, for an entry's Keywords: its most frequent words of three letters
// or more that are not function words, ties broken by which comes first.
// Words are counted by stem, and the first spelling seen stands for it.
// The choice depends on the text alone, so every replica makes the same.
func KeyTerms(text string, n int) string {
	type term struct {
		word         string
		count, first int
	}
	var terms []*term
	byStem := map[string]*term{}
	byWord := map[string]*term{} // so each spelling is stemmed once
	for i, w := range Tokens(text) {
		t := byWord[w]
		if t == nil {
			if len(w) < 3 || functionWords[w] || stopwords[w] || strings.ContainsFunc(w, unicode.IsDigit) {
				continue
			}
			s := stem(w)
			if t = byStem[s]; t == nil {
				t = &term{word: w, first: i}
				byStem[s] = t
				terms = append(terms, t)
			}
			byWord[w] = t
		}
		t.count++
	}
	slices.SortStableFunc(terms, func(a, b *term) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.first, b.first))
	})
	words := make([]string, 0, min(n, len(terms)))
	for _, t := range terms[:min(n, len(terms))] {
		words = append(words, t.word)
	}
	return strings.Join(words, " ")
}

// functionWords are frequent words that say nothing about a text's topic,
// beyond the stopwords a query may omit.
var functionWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`about above after again all also any because been before being
		below between both but cannot could did doing down during each every few further had has
		have having her here hers him his into its itself just more most much must nor now off once
		only other ought ours out over own same she should some such than that their theirs them
		then there these they this those through too under until very was were which while who
		whom will would yours yourself don didn doesn isn aren wasn won wouldn shouldn couldn haven
		hasn let lets get gets got one use used using way ways may might yes via per etc`) {
		m[w] = true
	}
	return m
}()
