package typeahead

import (
	"strings"
	"unicode"
)

// Correct returns text with each word the index does not hold replaced
// by the closest word it does: fewest edits (one from four letters, two
// from seven), then held by the most entries, then first in the
// alphabet. Words it holds, stopwords, and words with digits or of fewer
// than four letters are kept. The result is lower case, its words joined
// by single spaces; changed reports whether any word was replaced.
func (x *Index) Correct(text string) (corrected string, changed bool) {
	words := Tokens(text)
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i, w := range words {
		if stopwords[w] || len([]rune(w)) < 4 || strings.ContainsFunc(w, unicode.IsDigit) || x.holdsWord(w) {
			continue
		}
		if best, ok := x.closest(w); ok && best != w {
			words[i], changed = best, true
		}
	}
	return strings.Join(words, " "), changed
}

// holdsWord reports whether an entry holds w; the caller holds x.mu.
func (x *Index) holdsWord(w string) bool {
	id, ok := x.wordIDs[w]
	return ok && len(x.posts[id]) > 0
}

// correctionEdits is the edit budget of a correction: one from four
// letters, two from seven (a correction is offered, not applied, so it
// may reach further than a search's typo tolerance).
func correctionEdits(word []rune) int {
	if len(word) >= 7 {
		return 2
	}
	return 1
}

// closest returns the held word nearest w, or false when none is within
// its correction budget; the caller holds x.mu.
func (x *Index) closest(w string) (string, bool) {
	best, bestDist, bestCount := "", -1, -1
	runes := []rune(w)
	for _, m := range x.root.fuzzy(runes, correctionEdits(runes), true) {
		word, count := x.words[m.n.term], len(x.posts[m.n.term])
		if count == 0 {
			continue // a word no entry holds any more
		}
		if bestDist < 0 || m.dist < bestDist || m.dist == bestDist && (count > bestCount || count == bestCount && word < best) {
			best, bestDist, bestCount = word, m.dist, count
		}
	}
	return best, bestDist >= 0
}
