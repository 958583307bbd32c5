package bm25

// WeightedTerm is a term of a text as the index analyzes it, with its
// inverse document frequency over the index's articles.
type WeightedTerm struct {
	Term string
	IDF  float64
}

// Analyze returns the terms of text as the index analyzes articles and
// queries: stopwords left out, stems, hyphenated codes whole besides.
func (x *Index) Analyze(text string) []Token { return x.analyze(text) }

// TermWeights returns the distinct terms of text, in order, each with its
// idf. A term no article holds stands for the word it most likely
// misspells (see likelyTypo); without one it gets the idf of a term held
// by one.
func (x *Index) TermWeights(text string) []WeightedTerm {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := len(x.slots)
	var out []WeightedTerm
	seen := map[string]bool{}
	for _, tok := range x.analyze(text) {
		if seen[tok.Term] {
			continue
		}
		seen[tok.Term] = true
		term, df := tok.Term, int32(0)
		if id, ok := x.termIDs[term]; ok {
			df = x.df[id][fieldAll]
		}
		if df == 0 {
			term, df = x.likelyTypo(term)
		}
		out = append(out, WeightedTerm{term, IDF(max(df, 1), max(n, 1))})
	}
	return out
}

// likelyTypo returns the word an article holds that term most likely
// misspells: of those one edit from it, the one most articles hold, with
// how many do. Without one (or for a term with a digit: a code, not a
// typo) it returns term itself, held by none.
func (x *Index) likelyTypo(term string) (string, int32) {
	best, df := term, int32(0)
	x.nearMisses(term, func(id uint32) {
		if d := x.df[id][fieldAll]; d > df {
			best, df = x.terms[id], d
		}
	})
	return best, df
}

// nearMisses calls fn with each term other than term, held by some
// article, one edit from it; with none for a term with a digit (a code,
// not a typo).
func (x *Index) nearMisses(term string, fn func(id uint32)) {
	if hasDigit(term) {
		return
	}
	for n := max(len(term)-1, 0); n <= len(term)+1 && n < len(x.byLength); n++ {
		for _, id := range x.byLength[n] {
			if x.df[id][fieldAll] > 0 && x.terms[id] != term && oneEdit(x.terms[id], term) {
				fn(id)
			}
		}
	}
}
