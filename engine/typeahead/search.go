package typeahead

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Query asks for completions of Text, the contents of a search box.
type Query struct {
	Text    string
	Classes Classes // the access classes the caller may see
	Limit   int
	// MaxScan bounds the candidates a query of several words examines,
	// most popular first, once it has Limit results: a latency bound for
	// queries of very common words. 0 means DefaultMaxScan; negative means
	// no bound (exact).
	MaxScan int
	// Complete asks for complete matches only: no MatchPartial results.
	Complete bool
}

// DefaultMaxScan is the default Query.MaxScan. On sift bench's 100,000
// titles and 2,000 typed queries, 500 returns the same top 8 as an
// unbounded scan for every query (300 misses 0.08% of them, 200 3%).
const DefaultMaxScan = 500

// token is one word of a query, with the trie nodes it matches.
type token struct {
	text     string
	prefix   bool // the last word, still being typed
	optional bool // a stopword: a bonus, not a requirement
	matches  []match
	dists    []wordDist   // for whole words: the words matching, with edits
	heads    []prefixHead // for the prefix: its matches, to test words against
	cost     int          // how many candidates starting from this word yields
	lists    int          // how many posting lists hold those candidates
	postings [][]posting  // those lists, once driverLists has found them
}

// exactly returns a copy of t with only its matches without edits, nil
// when it has none.
func (t *token) exactly() *token {
	var exact []match
	for _, m := range t.matches {
		if m.dist == 0 {
			exact = append(exact, m)
		}
	}
	if len(exact) == 0 {
		return nil
	}
	var dists []wordDist
	for _, d := range t.dists {
		if d.dist == 0 {
			dists = append(dists, d)
		}
	}
	return &token{text: t.text, optional: t.optional, matches: exact, dists: dists}
}

// wordDist is a word matching a whole query word, and the edits between
// them.
type wordDist struct {
	word int32
	dist int
}

// driveCost estimates the work of walking t's candidates best first, most
// popular first, for up to scan of them: a merge of t.lists posting lists
// costs one step per list to set up and a heap operation, log2(lists), per
// candidate. A common whole word (one long list, cut short by the scan
// bound) drives far more cheaply than a short prefix of thousands of rare
// words, such as the first digit of error codes.
func (t *token) driveCost(scan int) float64 {
	n := float64(t.cost)
	if scan > 0 {
		n = min(n, float64(scan))
	}
	return float64(t.lists) + n*max(1, math.Log2(float64(t.lists)))
}

// Search returns the best entries for q, best first. The last word of
// q.Text is a prefix unless the text ends in a space or punctuation; every
// word tolerates typos (one edit from four letters, two from eight, the
// first letters included) and matches other forms of itself (its stem).
// Stopwords are optional. Results come by Match, then score; entries
// outside q.Classes are never returned.
func (x *Index) Search(q Query) []Result {
	words := Tokens(q.Text)
	if len(words) == 0 || q.Limit <= 0 {
		return nil
	}
	partial := EndsInWord(q.Text)

	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.holds(q.Classes) {
		return nil // nothing it could return: skip the walk
	}
	p := pass{tokens: x.match(words, partial), classes: q.Classes, maxScan: q.MaxScan, limit: q.Limit}
	if p.maxScan == 0 {
		p.maxScan = DefaultMaxScan
	}
	var found []*token
	for _, t := range p.tokens {
		if !t.optional {
			p.required = append(p.required, t)
			if len(t.matches) > 0 {
				found = append(found, t)
			}
		}
	}
	p.tokens = slices.DeleteFunc(p.tokens, func(t *token) bool { return len(t.matches) == 0 })
	if len(found) == len(p.required) {
		p.driver = slices.MinFunc(p.required, func(a, b *token) int { return cmp.Compare(a.driveCost(p.maxScan), b.driveCost(p.maxScan)) })
		if len(p.required) == 1 && p.driver.prefix {
			// The top lists hold the best texts with a word of the prefix.
			p.fromTops(x)
		} else {
			p.walk(x, MatchText, x.driverLists(p.driver), p.maxScan)
		}
		if p.room() > 0 {
			p.walk(x, MatchKeywords, x.driverLists(p.driver), p.maxScan)
		}
	}
	p.unmatched = len(p.required) - len(found)
	if !q.Complete && p.room() > 0 && 2*p.unmatched <= len(p.required) && len(p.required) > 1 {
		p.missing = len(p.required) / 2
		p.walk(x, MatchPartial, x.unionLists(found, maxFilterLists), p.maxScan/partialScanShare)
	}
	if !q.Complete && p.room() > 0 && len(p.required) > 2 {
		p.walkLoose(x)
	}
	return p.results
}

// walkLoose fills the room still left, last, with what holds a third of
// the words (of three or more), one at least typed whole and exactly
// ("preordered" of "preordered cam outd"): a word spelt another way or
// cut short is too weak a clue alone (a sentence in another language has
// many such). The words count only as typed exactly here.
func (p *pass) walkLoose(x *Index) {
	var whole, exact []*token // whole words matched exactly; every token, whole words only so
	prefixes := 0
	for _, t := range p.tokens {
		e := t
		if !t.prefix {
			e = t.exactly()
		}
		if e == nil {
			continue
		}
		exact = append(exact, e)
		switch {
		case t.optional:
		case t.prefix:
			prefixes++
		default:
			whole = append(whole, e)
		}
	}
	if len(whole) == 0 {
		return
	}
	tokens := p.tokens
	p.tokens, p.missing = exact, len(p.required)-max(1, (len(p.required)+2)/3)
	p.unmatched = len(p.required) - len(whole) - prefixes
	p.walk(x, MatchPartial, x.unionLists(whole, maxFilterLists), p.maxScan/partialScanShare)
	p.tokens = tokens
}

// partialScanShare divides the scan bound for partial matches, which,
// unlike complete ones, holds even when the room is not filled: they fill
// what room complete ones leave, and most candidates of a walk over every
// word's entries hold only one of the words.
const partialScanShare = 4

// pass is the state of one search: its tokens, and the results of the
// tiers done so far.
type pass struct {
	tokens    []*token // the query's tokens that match something
	required  []*token // the tokens that are not stopwords, matching or not
	unmatched int      // required tokens that match nothing
	missing   int      // required tokens a partial match may lack
	driver    *token   // the required token whose entries are walked
	classes   Classes
	maxScan   int
	limit     int
	results   []Result
	slots     []int32 // of results
}

// room is how many results the pass still wants.
func (p *pass) room() int { return p.limit - len(p.results) }

// fromTops fills the first tier for a lone prefix from the top lists of
// its nodes: the best entries of each matching subtree, per allowed class.
func (p *pass) fromTops(x *Index) {
	top := topResults{limit: p.room()}
	var slots []int32
	for _, m := range p.driver.matches {
		for c := range uint8(maxClasses) {
			if p.classes&(1<<c) != 0 {
				slots = append(slots, m.n.top[c]...)
			}
		}
	}
	for _, slot := range dedupe(slots) {
		p.consider(x, &top, slot, MatchText)
	}
	p.keep(x, &top, MatchText)
}

// keep adds the results of a tier.
func (p *pass) keep(x *Index, top *topResults, m Match) {
	p.results = append(p.results, top.results(x, m)...)
	p.slots = append(p.slots, top.slots...)
}

// walk fills the room left with entries of tier m from lists, most
// popular first, skipping the entries found by earlier tiers. For the
// first two tiers, lists are the driver's, and entries lacking another
// required token are skipped (their sets filter them once the walk has
// gone some way). No entry scores more than a perfect text match plus
// its popularity, so once that bound falls below the worst kept result,
// nothing later can enter.
func (p *pass) walk(x *Index, m Match, lists [][]posting, maxScan int) {
	top := topResults{limit: p.room()}
	best := maxText(p.tokens)
	merge := x.newMerger(lists, m == MatchText)
	defer merge.close()
	var filters []slotSet
	scanned := 0
	for post, ok := merge.next(); ok; post, ok = merge.next() {
		scanned += merge.skipped // a keyword passed over costs a candidate's place in the bound
		merge.skipped = 0
		if top.full() && (best+popularityWeight*post.weight() < top.worst() || maxScan > 0 && scanned >= maxScan) {
			break
		}
		if m == MatchPartial && maxScan > 0 && scanned >= maxScan {
			break // partial matches are a best effort: most candidates hold one word
		}
		if m != MatchPartial && scanned >= filterAfter && filters == nil {
			// Few of the driver's entries match so far: the others are
			// worth a set each, to skip what cannot match.
			filters = x.filters(p.required, p.driver)
		}
		if !admitted(filters, post.slot) || p.found(post.slot) {
			continue
		}
		scanned++
		if p.classes&(1<<post.class) != 0 {
			p.consider(x, &top, post.slot, m)
		}
	}
	p.keep(x, &top, m)
}

// found reports whether an earlier tier returned the entry in slot.
func (p *pass) found(slot int32) bool {
	return slices.Contains(p.slots, slot)
}

// popularityWeight scales log(1 + popularity) in a score.
const popularityWeight = 0.05

// firstWordBonus rewards a text that starts with the first word typed.
const firstWordBonus = 0.1

// consider scores the entry in slot, of an allowed class, as a match of
// tier m, and keeps it if it is among the best. A complete match must hold
// every required token; a partial one all but p.missing of them.
func (p *pass) consider(x *Index, top *topResults, slot int32, m Match) {
	l := &x.lines[slot]
	score, missing := x.score(x.wordsOf(slot, m == MatchText), int(l.text), l.weight, p.tokens, m == MatchText)
	if m == MatchPartial {
		if missing += p.unmatched; missing > p.missing {
			return
		}
	} else if missing > 0 {
		return
	}
	top.add(x, slot, score)
}

// maxText is the highest text score an entry can reach for tokens: each
// token's best possible match, the first-word bonus included.
func maxText(tokens []*token) float64 {
	var sum float64
	for _, t := range tokens {
		q := t.bestQuality()
		if t.optional {
			q *= 0.5
		}
		sum += q
	}
	return sum/float64(len(tokens)) + firstWordBonus
}

// bestQuality bounds the quality any word can reach for t: an exact word
// for whole words, the shortest completion for prefixes.
func (t *token) bestQuality() float64 {
	best := 0.0
	for _, m := range t.matches {
		if !t.prefix {
			best = max(best, 1-0.25*float64(m.dist))
			continue
		}
		done := float64(len(m.n.prefix)) / float64(max(m.n.minLen, 1))
		best = max(best, 0.6+0.4*min(done, 1)-0.25*float64(m.dist))
	}
	return best
}

// unionLists returns the posting lists of every word matching any of
// tokens, leaving out those of tokens matching more than maxLists words
// (a short prefix), unless every token does: then those of the cheapest.
func (x *Index) unionLists(tokens []*token, maxLists int) [][]posting {
	var lists [][]posting
	for _, t := range tokens {
		if t.lists <= maxLists {
			lists = append(lists, x.driverLists(t)...)
		}
	}
	if lists == nil {
		return x.driverLists(slices.MinFunc(tokens, func(a, b *token) int { return cmp.Compare(a.lists, b.lists) }))
	}
	return lists
}

// driverLists returns the posting lists of every word matching t. The
// tiers of a search share them: callers must not modify them.
func (x *Index) driverLists(t *token) [][]posting {
	if t.postings != nil {
		return t.postings
	}
	lists := make([][]posting, 0, t.lists)
	for _, m := range t.matches {
		if !t.prefix {
			lists = append(lists, x.posts[m.n.term])
			continue
		}
		m.n.walk(func(k *node) {
			if k.term >= 0 {
				lists = append(lists, x.posts[k.term])
			}
		})
	}
	t.postings = lists
	return lists
}

// topResults keeps the best limit results seen, best first; equal scores
// go in id order.
type topResults struct {
	limit int
	slots []int32
	score []float64
}

func (t *topResults) full() bool     { return len(t.slots) >= t.limit }
func (t *topResults) worst() float64 { return t.score[len(t.score)-1] }

func (t *topResults) add(x *Index, slot int32, score float64) {
	i := len(t.slots)
	for i > 0 && (score > t.score[i-1] || score == t.score[i-1] && x.entries[slot].ID < x.entries[t.slots[i-1]].ID) {
		i--
	}
	if i >= t.limit {
		return
	}
	t.slots = slices.Insert(t.slots, i, slot)
	t.score = slices.Insert(t.score, i, score)
	if len(t.slots) > t.limit {
		t.slots, t.score = t.slots[:t.limit], t.score[:t.limit]
	}
}

func (t *topResults) results(x *Index, m Match) []Result {
	out := make([]Result, len(t.slots))
	for i, slot := range t.slots {
		out[i] = Result{Entry: x.entries[slot].Entry, Match: m, Score: t.score[i]}
	}
	return out
}

// match finds the trie nodes for every query word. A token that matches
// nothing has no matches: no entry holds it.
func (x *Index) match(words []string, partial bool) []*token {
	tokens := make([]*token, len(words))
	allOptional := true
	for i, w := range words {
		t := &token{text: w, prefix: partial && i == len(words)-1}
		t.optional = !t.prefix && stopwords[w]
		allOptional = allOptional && t.optional
		tokens[i] = t
	}
	for _, t := range tokens {
		if allOptional {
			t.optional = false
		}
		t.matches = x.matches(t.text, !t.prefix)
		for _, m := range t.matches {
			if t.prefix {
				t.heads = append(t.heads, newPrefixHead(m.n.prefix, m.dist))
				t.cost += int(m.n.count)
				t.lists += int(m.n.words)
			} else {
				t.dists = append(t.dists, wordDist{m.n.term, m.dist})
				t.cost += len(x.posts[m.n.term])
				t.lists++
			}
		}
	}
	return tokens
}

// keywordWeight scales the quality of a match in an entry's keywords
// rather than its text.
const keywordWeight = 0.6

// score rates how well an entry of these words (the first text of them
// its text's) and weight matches the query words, in [0, 1] for the text
// plus a popularity term, and counts the required tokens it lacks. With
// textOnly, keywords do not count.
func (x *Index) score(words []int32, text int, weight float32, tokens []*token, textOnly bool) (score float64, missing int) {
	if textOnly {
		words = words[:text]
	}
	var sum float64
	for _, t := range tokens {
		q := x.quality(words, text, t)
		switch {
		case q > 0 && t.optional:
			sum += 0.5 * q
		case q > 0:
			sum += q
		case !t.optional:
			missing++
		}
	}
	match := sum / float64(len(tokens))
	if x.quality(words[:1], text, tokens[0]) > 0 {
		match += firstWordBonus // the text starts with what was typed first
	}
	return match + popularityWeight*float64(weight), missing
}

// quality is how well the best of words matches t: 1 for an exact word of
// the text, less for typos, for completions far longer than the prefix and
// for keywords, 0 for no match.
func (x *Index) quality(words []int32, text int, t *token) float64 {
	text = min(len(words), text)
	best := x.bestMatch(words[:text], t)
	if best >= keywordWeight {
		return best // no keyword could do better
	}
	return max(best, keywordWeight*x.bestMatch(words[text:], t))
}

// bestMatch is the quality of the best match of t among words, unweighted.
func (x *Index) bestMatch(words []int32, t *token) float64 {
	best := 0.0
	for _, w := range words {
		if !t.prefix {
			for _, d := range t.dists {
				if d.word == w {
					best = max(best, 1-0.25*float64(d.dist))
				}
			}
			continue
		}
		head := x.heads[w]
		for _, p := range t.heads {
			if head.bits&p.mask == p.bits && (p.size <= 8 || strings.HasPrefix(x.words[w], p.text)) {
				done := float64(p.size) / float64(head.size)
				best = max(best, 0.6+0.4*done-0.25*float64(p.dist))
			}
		}
	}
	return best
}

func dedupe(s []int32) []int32 {
	slices.Sort(s)
	return slices.Compact(s)
}
