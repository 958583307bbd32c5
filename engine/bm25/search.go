package bm25

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/siftdesk/sift/models"
)

// Weights. Most of a hit's score is BM25 over the whole article, so an
// article is ranked as the one document it is; each field then adds its
// own BM25, so a word in the short title counts more than the same word
// deep in the body. Tuned on testdata/eval/search.jsonl (see README's
// search figures).
const (
	weightArticle    = 10.0
	weightTitle      = 1.5
	weightTags       = 1.0
	weightBody       = 0.5
	weightSubject    = 4.0 // a draft's subject over its body
	weightEquivalent = 0.5 // a phrase meaning what the words typed mean, against the words
	weightNearMiss   = 0.5 // a term one edit from a word typed, in the retry with typos
)

// fieldWeights are the weights of the fields, by field.
var fieldWeights = [numFields]float64{fieldTitle: weightTitle, fieldTags: weightTags, fieldBody: weightBody, fieldAll: weightArticle}

// BM25's parameters: how fast a term's count saturates, and how much a
// long field is discounted.
const (
	k1 = 1.2
	b  = 0.75
)

// A text of more than prunedTerms distinct words over an index of
// prunedArticles or more is scored from its rare words: its common words
// (CommonWords) only add to the articles rarer words found (see
// scoreGroup). A small index is read whole: it is fast anyway, and there
// a few articles already make a word common.
const (
	prunedTerms    = 8
	prunedArticles = 10_000
)

// maxQueryTerms is how many distinct terms of a text a query keeps: one
// bit each in a match mask.
const maxQueryTerms = 64

// facetSize is how many values each facet returns.
const facetSize = 10

// Search finds articles for q among those q's filter admits. A search-box
// query that matches nothing exactly is retried with one typo allowed per
// word.
func (x *Index) Search(q models.TextQuery) models.SearchResult {
	x.mu.RLock()
	defer x.mu.RUnlock()
	res := x.search(q, false)
	if res.Total == 0 && q.Match == models.MatchSearch {
		res = x.search(q, true)
	}
	return res
}

// queryTerm is a word of a query: the indexed terms it matches, each with
// its weight (1, or weightNearMiss for a term one edit away).
type queryTerm struct {
	matches []weighted
}

type weighted struct {
	id     uint32
	weight float64
}

// group is a text whose words are matched, any of them, against the whole
// article and each field, with a weight.
type group struct {
	terms  []queryTerm
	weight float64
}

func (x *Index) search(q models.TextQuery, typos bool) models.SearchResult {
	var groups []group
	switch q.Match {
	case models.MatchDeflect:
		// The body first: its rare words find most of the candidates
		// the subject's common words then add to (see scoreGroup).
		groups = []group{{x.queryTerms(q.Text, typos), 1}, {x.queryTerms(q.Subject, typos), weightSubject}}
	default:
		groups = []group{{x.queryTerms(q.Text, typos), 1}}
	}
	acc := x.accumulator()
	defer x.scratch.Put(acc)
	admit := x.admission(q.Filter)
	for _, g := range groups {
		x.scoreGroup(acc, admit, g)
	}
	acc.close(len(groups))
	phrases := x.phrases(q.Equivalents)
	if len(q.Equivalents) > 0 {
		x.scoreEquivalents(acc, admit, phrases)
		acc.close(2)
	}
	out := models.SearchResult{Total: uint64(len(acc.hits)), Hits: []models.ArticleHit{}}
	if q.Facets {
		out.Facets = x.facets(acc.hits)
	}
	var marked map[uint32]bool // term ids to highlight
	var covered [][]queryTerm  // the coverage text's terms, and each rewrite's
	if q.Highlight {
		marked = highlighted(groups, phrases)
		covered = append(covered, x.coverageTerms(q, groups, typos))
		for _, r := range q.Rewrites {
			covered = append(covered, x.queryTerms(r, typos))
		}
	}
	for _, slot := range acc.top(q.Offset, q.Limit) {
		d, m := x.docs[slot], &x.meta[slot]
		hit := models.ArticleHit{
			ID: d.id, Title: d.title, Category: x.values[m.category], Product: x.values[m.product],
			Visibility: d.visibility, Products: d.products, Tiers: d.tiers,
			Score: float64(acc.score[slot]),
		}
		if q.Highlight {
			hit.Snippet = snippet(d, marked)
			for _, terms := range covered {
				hit.Coverage = max(hit.Coverage, coverage(d, terms))
			}
		}
		out.Hits = append(out.Hits, hit)
	}
	acc.reset()
	return out
}

// queryTerms returns the distinct terms of text, at most maxQueryTerms,
// each with the indexed terms it matches: itself, and with typos the
// terms one edit from it.
func (x *Index) queryTerms(text string, typos bool) []queryTerm {
	var out []queryTerm
	seen := map[string]bool{}
	for _, tok := range x.analyze(text) {
		if seen[tok.Term] || len(out) == maxQueryTerms {
			continue
		}
		seen[tok.Term] = true
		var t queryTerm
		if id, ok := x.termIDs[tok.Term]; ok {
			t.matches = append(t.matches, weighted{id, 1})
		}
		if typos {
			x.nearMisses(tok.Term, func(id uint32) { t.matches = append(t.matches, weighted{id, weightNearMiss}) })
		}
		out = append(out, t)
	}
	return out
}

// averages returns the mean length of each field over n live articles.
func (x *Index) averages(n int) [numFields]float64 {
	var avg [numFields]float64
	for f := range numFields {
		avg[f] = max(x.totals[f]/float64(n), 1)
	}
	return avg
}

// weight is the square of a term's idf in each field, times weight: a
// rare word counts for much more than a common one.
func (x *Index) weight(id uint32, n int, weight float64) [numFields]float64 {
	var w [numFields]float64
	for f := range numFields {
		v := IDF(x.df[id][f], n)
		w[f] = v * v * weight
	}
	return w
}

// scoreGroup adds to acc, for every live article holding a word of g, the
// BM25 of g's words in the whole article and in each field.
//
// In a long text (a ticket draft, more than prunedTerms words) over a
// large index (prunedArticles or more) the rare words find the articles
// and a common one (held by more than commonShare of the articles) only
// adds to the articles found, by this group's words or an earlier
// group's: an article that shares nothing but common words with a draft
// is no match worth reading most of the index for. The rarest word always
// finds.
func (x *Index) scoreGroup(acc *accumulator, admit admission, g group) {
	n := len(x.slots)
	if n == 0 || len(g.terms) == 0 {
		return
	}
	avg := x.averages(n)
	common := x.commonTerms(g, n)
	x.scoreFinding(acc, admit, g, common, n, avg)
	if slices.Contains(common, true) {
		x.scoreCommon(acc, g, common, n, avg)
	}
	terms := float64(len(g.terms))
	for _, slot := range acc.touched {
		s := &acc.fields[slot]
		// Each part counts by the share of the words it holds, and the
		// fields by the share of fields holding any: an article with all
		// the words beats one with the rarest word many times.
		score := weightArticle * float64(s.sum[fieldAll]) * float64(bits.OnesCount64(s.mask[fieldAll])) / terms
		var fields, matched float64
		for f := range fieldAll {
			if s.mask[f] != 0 {
				fields += fieldWeights[f] * float64(s.sum[f]) * float64(bits.OnesCount64(s.mask[f])) / terms
				matched++
			}
		}
		score += fields * matched / fieldAll
		acc.add(slot, g.weight*score)
		*s = fieldSums{}
	}
	acc.touched = acc.touched[:0]
}

// scoreFinding adds to acc the words of g that are not common (all of
// them when common is nil), for every article the filter admits that
// holds one.
func (x *Index) scoreFinding(acc *accumulator, admit admission, g group, common []bool, n int, avg [numFields]float64) {
	for i, t := range g.terms {
		if common != nil && common[i] {
			continue
		}
		for _, m := range t.matches {
			w := x.weight(m.id, n, m.weight)
			for _, p := range x.postings[m.id] {
				meta := &x.meta[p.slot]
				if x.admits(admit, meta, p.slot) {
					acc.addTerm(p.slot, p.tf, meta, w, uint64(1)<<i, avg)
				}
			}
		}
	}
}

// commonTerms reports, for each word of g, whether it is a common word
// (CommonWords) of a long text over a large index, which only adds to the
// articles rarer words found; nil, none common, for any other text.
func (x *Index) commonTerms(g group, n int) []bool {
	if x.exhaustive || len(g.terms) <= prunedTerms || n < prunedArticles {
		return nil
	}
	holders := make([]int32, len(g.terms))
	for i, t := range g.terms {
		for _, m := range t.matches {
			holders[i] = max(holders[i], x.df[m.id][fieldAll])
		}
	}
	return CommonWords(holders, n)
}

// scoreCommon adds the common words of g to the articles found so far,
// in this group or an earlier one: through the common words' posting
// lists, each a good part of the index long, or, when the articles found
// hold fewer words in all, through each found article's words, which the
// index keeps in order.
func (x *Index) scoreCommon(acc *accumulator, g group, common []bool, n int, avg [numFields]float64) {
	postings := 0
	for i, t := range g.terms {
		for _, m := range t.matches {
			if common[i] {
				postings += len(x.postings[m.id])
			}
		}
	}
	if found := float64(len(acc.touched) + len(acc.hits)); found*x.totals[fieldAll]/float64(n) > float64(postings) {
		x.commonByPostings(acc, g, common, n, avg)
	} else {
		x.commonByArticles(acc, g, common, n, avg)
	}
}

// commonByPostings adds the common words of g to the articles found
// through the words' posting lists.
func (x *Index) commonByPostings(acc *accumulator, g group, common []bool, n int, avg [numFields]float64) {
	for i, t := range g.terms {
		if !common[i] {
			continue
		}
		for _, m := range t.matches {
			w := x.weight(m.id, n, m.weight)
			for _, p := range x.postings[m.id] {
				if acc.fields[p.slot].mask[fieldAll] != 0 || acc.parts[p.slot] != 0 {
					acc.addTerm(p.slot, p.tf, &x.meta[p.slot], w, uint64(1)<<i, avg)
				}
			}
		}
	}
}

// commonByArticles adds the common words of g to the articles found
// through each article's words.
func (x *Index) commonByArticles(acc *accumulator, g group, common []bool, n int, avg [numFields]float64) {
	type match struct {
		bit    uint64
		weight [numFields]float64
	}
	var matches []match
	for i, t := range g.terms {
		if !common[i] {
			continue
		}
		for _, m := range t.matches {
			if acc.match[m.id] == 0 {
				matches = append(matches, match{uint64(1) << i, x.weight(m.id, n, m.weight)})
				acc.match[m.id] = int32(len(matches))
			}
		}
	}
	counts := make([][fieldAll]uint16, len(matches))
	score := func(slot uint32) {
		clear(counts)
		d := x.docs[slot]
		for f, words := range d.words {
			for _, id := range words {
				if k := acc.match[id]; k > 0 && counts[k-1][f] < 1<<16-1 {
					counts[k-1][f]++
				}
			}
		}
		for k, c := range counts {
			if c != [fieldAll]uint16{} {
				acc.addTerm(slot, c, &x.meta[slot], matches[k].weight, matches[k].bit, avg)
			}
		}
	}
	for _, slot := range acc.touched[:len(acc.touched):len(acc.touched)] {
		score(slot) // found by this group's rarer words
	}
	for _, slot := range acc.hits {
		if acc.fields[slot].mask[fieldAll] == 0 {
			score(slot) // found by an earlier group only
		}
	}
	for _, t := range g.terms {
		for _, m := range t.matches {
			acc.match[m.id] = 0
		}
	}
}

// saturate is BM25's term-frequency part for tf occurrences in a field of
// length against the average, with tf counted as its square root.
func saturate(tf uint16, length float32, avg float64) float64 {
	t := rootOf(tf)
	return t * k1 / (t + k1*(1-b+b*float64(length)/avg))
}

// roots are the square roots of small counts.
var roots = func() (r [64]float64) {
	for i := range r {
		r[i] = math.Sqrt(float64(i))
	}
	return r
}()

func rootOf(tf uint16) float64 {
	if int(tf) < len(roots) {
		return roots[tf]
	}
	return math.Sqrt(float64(tf))
}

// scoreEquivalents adds to acc the articles holding any of the phrases
// (as term ids; nil for one the index lacks a word of) in a field or
// anywhere, each (phrase, field) pair scored as the phrase's
// words in that field, at weightEquivalent; each article counts by the
// share of pairs it holds.
func (x *Index) scoreEquivalents(acc *accumulator, admit admission, phrases [][]uint32) {
	n := len(x.slots)
	if n == 0 {
		return
	}
	avg := x.averages(n)
	for _, words := range phrases {
		if len(words) == 0 {
			continue
		}
		weights := make([][numFields]float64, len(words))
		for i, w := range words {
			weights[i] = x.weight(w, n, 1)
		}
		rarest := slices.MinFunc(words, func(a, b uint32) int { return cmp.Compare(x.df[a][fieldAll], x.df[b][fieldAll]) })
		for _, post := range x.postings[rarest] {
			meta := &x.meta[post.slot]
			if !x.admits(admit, meta, post.slot) {
				continue
			}
			d := x.docs[post.slot]
			// A clause's score: the phrase's words in one field (fieldAll:
			// the three together), weighted as the field.
			clause := func(f int) float64 {
				score := 0.0
				for i, w := range words {
					var tf int
					for g := range fieldAll {
						switch {
						case f != g && f != fieldAll:
						case len(words) == 1:
							tf += int(post.tf[g])
						default:
							tf += occurrences(d.words[g], w)
						}
					}
					score += weights[i][f] * saturate(uint16(min(tf, 1<<16-1)), meta.length[f], avg[f])
				}
				return fieldWeights[f] * score
			}
			held := 0.0
			s := &acc.fields[post.slot]
			for f := range fieldAll {
				if post.tf[f] > 0 && (len(words) == 1 || contains(d.words[f], words)) {
					held, s.sum[0] = held+1, s.sum[0]+float32(clause(f))
				}
			}
			if held == 0 {
				continue
			}
			if s.mask[0] == 0 {
				acc.touched = append(acc.touched, post.slot)
			}
			s.sum[0] += float32(clause(fieldAll))
			s.mask[0] += uint64(held) + 1 // clauses held, the whole article's too
		}
	}
	clauses := float64(len(phrases) * numFields)
	for _, slot := range acc.touched {
		s := &acc.fields[slot]
		acc.add(slot, weightEquivalent*float64(s.sum[0])*float64(s.mask[0])/clauses)
		*s = fieldSums{}
	}
	acc.touched = acc.touched[:0]
}

// occurrences returns how often id occurs in words.
func occurrences(words []uint32, id uint32) int {
	n := 0
	for _, w := range words {
		if w == id {
			n++
		}
	}
	return n
}

// phrase returns the term ids of p's words, or nil when the index lacks
// one of them.
func (x *Index) phrase(p string) []uint32 {
	var out []uint32
	for _, tok := range x.analyze(p) {
		id, ok := x.termIDs[tok.Term]
		if !ok {
			return nil
		}
		out = append(out, id)
	}
	return out
}

// phrases returns the term ids of each phrase's words (see phrase).
func (x *Index) phrases(texts []string) [][]uint32 {
	out := make([][]uint32, len(texts))
	for i, p := range texts {
		out[i] = x.phrase(p)
	}
	return out
}

// contains reports whether words holds phrase as consecutive words.
func contains(words, phrase []uint32) bool {
	for i := 0; i+len(phrase) <= len(words); i++ {
		if slices.Equal(words[i:i+len(phrase)], phrase) {
			return true
		}
	}
	return false
}

// facets counts the hits by category and by product, the facetSize most
// frequent values of each, most frequent first; articles without a value
// are not counted.
func (x *Index) facets(hits []uint32) map[string][]models.FacetCount {
	categories := make([]int, len(x.values))
	products := make([]int, len(x.values))
	for _, slot := range hits {
		m := &x.meta[slot]
		categories[m.category]++
		products[m.product]++
	}
	return map[string][]models.FacetCount{
		"category": x.topValues(categories),
		"product":  x.topValues(products),
	}
}

// admission is a filter as the index checks it: a bit for each
// visibility it admits.
type admission struct {
	visibilities uint64
	filter       models.ArticleFilter
}

func (x *Index) admission(f models.ArticleFilter) admission {
	a := admission{filter: f}
	for _, v := range f.Visibilities {
		if id, ok := x.visibilities[v]; ok {
			a.visibilities |= 1 << id
		}
	}
	return a
}

// admits reports whether a admits the live article in slot, whose meta
// is m.
func (x *Index) admits(a admission, m *docMeta, slot uint32) bool {
	if !m.live || a.visibilities&(1<<m.visibility) == 0 {
		return false
	}
	return !m.restricted || a.filter.Entitles(x.docs[slot].products, x.docs[slot].tiers)
}

// topValues returns the facetSize values with the highest counts, by
// label id, highest first, ties in the values' order; label 0 (none) is
// left out.
func (x *Index) topValues(counts []int) []models.FacetCount {
	out := make([]models.FacetCount, 0, facetSize+1)
	before := func(a, b models.FacetCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
	}
	for id, n := range counts[1:] {
		if n == 0 || len(out) == facetSize && n < out[facetSize-1].Count {
			continue
		}
		c := models.FacetCount{Value: x.values[id+1], Count: n}
		i, _ := slices.BinarySearchFunc(out, c, before)
		out = slices.Insert(out, i, c)[:min(len(out)+1, facetSize)]
	}
	return out
}

// coverageWords is how much of a draft coverage reads when it has no
// subject: its opening says what it is about.
const coverageWords = 16

// coverageTerms returns the terms whose share coverage counts: the
// query's (the only group's), or a draft's subject's (the second group's),
// or its opening's when it has no subject, since a long draft shares only
// some of its words with even the best article.
func (x *Index) coverageTerms(q models.TextQuery, groups []group, typos bool) []queryTerm {
	switch {
	case q.Match != models.MatchDeflect:
		return groups[0].terms
	case strings.TrimSpace(q.Subject) == "":
		return x.queryTerms(models.FirstWords(q.Text, coverageWords), typos)
	}
	return groups[1].terms
}

// coverage is the share of terms d holds in its title or body; a term it
// holds only one edit away (terms with typos) counts half.
func coverage(d *doc, terms []queryTerm) float64 {
	if len(terms) == 0 {
		return 0
	}
	held := 0.0
	for _, t := range terms {
		best := 0.0
		for _, m := range t.matches {
			if m.weight > best && (slices.Contains(d.words[fieldTitle], m.id) || slices.Contains(d.words[fieldBody], m.id)) {
				best = m.weight
			}
		}
		held += best
	}
	return held / float64(len(terms))
}

// highlighted returns the term ids a snippet marks: every term the
// groups' words match, and the equivalent phrases' words.
func highlighted(groups []group, phrases [][]uint32) map[uint32]bool {
	out := map[uint32]bool{}
	for _, g := range groups {
		for _, t := range g.terms {
			for _, m := range t.matches {
				out[m.id] = true
			}
		}
	}
	for _, words := range phrases {
		for _, id := range words {
			out[id] = true
		}
	}
	return out
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
