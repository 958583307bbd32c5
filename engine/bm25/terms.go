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
// idf; a term no article holds gets the idf of a term held by one.
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
		df := int32(1)
		if id, ok := x.termIDs[tok.Term]; ok {
			df = max(x.df[id][fieldAll], 1)
		}
		out = append(out, WeightedTerm{tok.Term, idf(df, max(n, 1))})
	}
	return out
}
