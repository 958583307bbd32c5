package typeahead

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
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
	dists    map[int32]int // for whole words: matching word id to edits
	heads    []prefixHead  // for the prefix: its matches, to test words against
	cost     int           // how many candidates starting from this word yields
	lists    int           // how many posting lists hold those candidates
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
// word tolerates typos (one edit from four letters, two from eight).
// Stopwords are optional. Entries outside q.Classes are never returned.
func (x *Index) Search(q Query) []Result {
	words := Tokens(q.Text)
	if len(words) == 0 || q.Limit <= 0 {
		return nil
	}
	last, _ := utf8.DecodeLastRuneInString(q.Text)
	partial := unicode.IsLetter(last) || unicode.IsDigit(last)

	x.mu.RLock()
	defer x.mu.RUnlock()
	if !x.holds(q.Classes) {
		return nil // nothing it could return: skip the walk
	}
	tokens := x.match(words, partial)
	if tokens == nil {
		return nil
	}
	maxScan := q.MaxScan
	if maxScan == 0 {
		maxScan = DefaultMaxScan
	}
	required := slices.DeleteFunc(slices.Clone(tokens), func(t *token) bool { return t.optional })
	driver := slices.MinFunc(required, func(a, b *token) int { return cmp.Compare(a.driveCost(maxScan), b.driveCost(maxScan)) })
	top := topResults{limit: q.Limit}
	if len(required) == 1 && driver.prefix {
		for _, slot := range x.fromTops(driver, q.Classes) {
			x.consider(&top, slot, tokens) // top lists are per class
		}
		return top.results(x)
	}
	// Walk the driver's entries most popular first. No entry scores more
	// than a perfect text match plus its popularity, so once that bound
	// falls below the worst kept result, nothing later can enter.
	best := maxText(tokens)
	m := x.newMerger(x.driverLists(driver))
	defer m.close()
	var filters []slotSet
	scanned := 0
	for p, ok := m.next(); ok; p, ok = m.next() {
		if top.full() && (best+popularityWeight*p.weight() < top.worst() || maxScan > 0 && scanned >= maxScan) {
			break
		}
		if scanned == filterAfter && filters == nil {
			// Few of the driver's entries match so far: the others are
			// worth a set each, to skip what cannot match.
			filters = x.filters(required, driver)
		}
		if !admitted(filters, p.slot) {
			continue // lacks another required word
		}
		scanned++
		if q.Classes&(1<<p.class) != 0 {
			x.consider(&top, p.slot, tokens)
		}
	}
	return top.results(x)
}

// popularityWeight scales log(1 + popularity) in a score.
const popularityWeight = 0.05

// firstWordBonus rewards a text that starts with the first word typed.
const firstWordBonus = 0.1

// consider scores the entry in slot, of an allowed class, and keeps it if
// it is among the best.
func (x *Index) consider(top *topResults, slot int32, tokens []*token) {
	if score, ok := x.score(x.wordsOf(slot), x.lines[slot].weight, tokens); ok {
		top.add(x, slot, score)
	}
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

// driverLists returns the posting lists of every word matching t.
func (x *Index) driverLists(t *token) [][]posting {
	var lists [][]posting
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

func (t *topResults) results(x *Index) []Result {
	out := make([]Result, len(t.slots))
	for i, slot := range t.slots {
		out[i] = Result{Entry: x.entries[slot].Entry, Score: t.score[i]}
	}
	return out
}

// match finds the trie nodes for every query word. It returns nil when a
// required word matches nothing, since then no entry can match.
func (x *Index) match(words []string, partial bool) []*token {
	tokens := make([]*token, len(words))
	allOptional := true
	for i, w := range words {
		t := &token{text: w, prefix: partial && i == len(words)-1}
		t.optional = !t.prefix && stopwords[w]
		allOptional = allOptional && t.optional
		tokens[i] = t
	}
	kept := tokens[:0]
	for _, t := range tokens {
		if allOptional {
			t.optional = false
		}
		t.matches = x.matches(t.text, !t.prefix)
		if len(t.matches) == 0 {
			if !t.optional {
				return nil
			}
			continue
		}
		if !t.prefix {
			t.dists = make(map[int32]int, len(t.matches))
		}
		for _, m := range t.matches {
			if t.prefix {
				t.heads = append(t.heads, newPrefixHead(m.n.prefix, m.dist))
				t.cost += int(m.n.count)
				t.lists += int(m.n.words)
			} else {
				t.dists[m.n.term] = m.dist
				t.cost += len(x.posts[m.n.term])
				t.lists++
			}
		}
		kept = append(kept, t)
	}
	return kept
}

// fromTops gathers candidates for a lone prefix from the top lists of its
// nodes: the best entries of each matching subtree, per allowed class.
func (x *Index) fromTops(t *token, classes Classes) []int32 {
	var out []int32
	for _, m := range t.matches {
		for c := range uint8(maxClasses) {
			if classes&(1<<c) != 0 {
				out = append(out, m.n.top[c]...)
			}
		}
	}
	return dedupe(out)
}

// score rates how well an entry of these words and weight matches the
// query words, in [0, 1] for the text plus a popularity term. ok is false
// when a required word is missing.
func (x *Index) score(words []int32, weight float32, tokens []*token) (score float64, ok bool) {
	var sum float64
	for _, t := range tokens {
		q := x.quality(words, t)
		switch {
		case q > 0 && t.optional:
			sum += 0.5 * q
		case q > 0:
			sum += q
		case !t.optional:
			return 0, false
		}
	}
	text := sum / float64(len(tokens))
	if x.quality(words[:1], tokens[0]) > 0 {
		text += firstWordBonus // the title starts with what was typed first
	}
	return text + popularityWeight*float64(weight), true
}

// quality is how well the best of words matches t: 1 for an exact word,
// less for typos and for completions far longer than the prefix, 0 for no
// match.
func (x *Index) quality(words []int32, t *token) float64 {
	best := 0.0
	for _, w := range words {
		if !t.prefix {
			if d, ok := t.dists[w]; ok {
				best = max(best, 1-0.25*float64(d))
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
