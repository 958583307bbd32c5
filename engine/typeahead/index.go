// Package typeahead is an in-memory completion index for search boxes: it
// completes the last, partial word of a query, tolerates typos, and ranks by
// text match and popularity in microseconds.
//
// An entry is found by the words of its text (a title) and by its
// keywords (tags, key terms of a body), hyphenated words also joined, and
// a query word also finds the other words of its stem. Results come in three tiers, each filled
// only when the one before leaves room: entries whose text holds every
// word typed, then those holding them in text and keywords, then those
// holding some of them.
//
// Every distinct word is a path in a trie. Each trie node keeps the best
// entries whose text has a word in its subtree, per access class, so a
// one-word prefix is answered by reading a few short lists; queries of
// several words walk the postings of the rarest word, most popular first,
// check the rest against each candidate's words, and stop once nothing
// later can enter.
package typeahead

import (
	"cmp"
	"math"
	"slices"
	"sync"
)

// maxClasses is the number of access classes (see Entry.Class).
const maxClasses = 4

// Entry is one completion: an article title or a past query.
type Entry struct {
	ID   string
	Text string
	// Keywords are more words the entry is found by, worth less than a
	// word of Text: an article's tags and key terms (see KeyTerms).
	Keywords string
	// Popularity is a non-negative count (views, searches); more popular
	// entries rank first among equal matches.
	Popularity float64
	// Class is the entry's access class, below maxClasses. A query names the
	// classes it may see; the index never returns an entry of another class.
	Class uint8
}

// Classes is a set of access classes: bit i set means class i is allowed.
type Classes uint8

// Result is a matching entry, how it matches and its score; results rank
// by Match, then by score, higher first.
type Result struct {
	Entry
	Match Match
	Score float64
}

// Match says how an entry holds the words typed. Results come in this
// order, whatever their scores.
type Match uint8

const (
	// MatchText: every word typed is in the entry's text.
	MatchText Match = iota
	// MatchKeywords: every word typed is in the text or the keywords.
	MatchKeywords
	// MatchPartial: some of the words typed are missing.
	MatchPartial
)

// CompareResults orders results as they rank: by Match, then by score,
// higher first.
func CompareResults(a, b Result) int {
	return cmp.Or(cmp.Compare(a.Match, b.Match), cmp.Compare(b.Score, a.Score))
}

// String returns the match's name as the API shows it.
func (m Match) String() string {
	switch m {
	case MatchText:
		return "text"
	case MatchKeywords:
		return "keywords"
	}
	return "partial"
}

// Index is a type-ahead index. It is safe for concurrent use: queries run
// in parallel and writes exclude them briefly.
type Index struct {
	mu       sync.RWMutex
	root     *node
	entries  []*entry         // by slot; nil marks a free slot
	lines    []line           // by slot: what scoring reads, one cache line each
	free     []int32          // free slots
	slots    map[string]int32 // entry id to slot
	words    []string         // by word id
	heads    []wordHead       // by word id
	wordIDs  map[string]int32
	posts    [][]posting        // by word id: the entries that contain the word, best first
	stems    map[string][]int32 // stem to the ids of the words with that stem, when it differs from the word
	inClass  [maxClasses]int    // entries of each class
	cache    matchCache         // query words to their trie matches
	wordSets filterCache        // query words to the entries holding them
	// members changes whenever an entry may have gained a word; a filter
	// built at another value may lack it. (Entries losing words leave
	// their bits set, which costs only a wasted check: filters only skip.)
	members uint64
}

type entry struct {
	Entry
	words  []int32 // distinct word ids: the text's in order, then the keywords'
	text   uint8   // how many of words are the text's
	weight float32 // static rank: log(1 + popularity)
	key    uint64  // rankKey(weight, ID)
}

// line holds what scoring an entry reads, its first words and its weight,
// in one 64-byte record, so a candidate whose text's words it holds (most
// of them) costs one cache miss rather than one for the entry and one for
// its words.
type line struct {
	weight float32
	n      uint8 // words held inline, the first of the entry's
	text   uint8 // how many of the entry's words are its text's
	more   bool  // the entry has more words than the line holds
	words  [inlineWords]int32
}

// inlineWords is how many words a line holds.
const inlineWords = 14

// newLine returns the line for en.
func newLine(en *entry) line {
	l := line{weight: en.weight, text: en.text, more: len(en.words) > inlineWords}
	l.n = uint8(copy(l.words[:], en.words))
	return l
}

// wordsOf returns the word ids of the entry in slot: its text's only, or
// all of them.
func (x *Index) wordsOf(slot int32, textOnly bool) []int32 {
	l := &x.lines[slot]
	switch {
	case textOnly && l.text <= l.n:
		return l.words[:l.text]
	case l.more:
		return x.entries[slot].words
	}
	return l.words[:l.n]
}

// posting is one entry of a posting list. It holds the key that orders
// the list and the entry's class, so walking and merging lists reads no
// entry: at 100,000 entries each entry read is a cache miss.
type posting struct {
	key   uint64
	slot  int32
	class uint8
	text  bool // the word is in the entry's text, not only its keywords
}

// weight returns the static rank held in the key.
func (p posting) weight() float64 { return float64(math.Float32frombits(uint32(p.key >> 32))) }

// rankKey orders entries best first when compared as numbers, higher
// first: the bits of the weight (non-negative, so they order as the
// weight does) above a hash of the id, so that equal weights break ties
// the same way on every replica and after every rebuild.
func rankKey(weight float32, id string) uint64 {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return uint64(math.Float32bits(weight))<<32 | uint64(h)
}

// New returns an empty index.
func New() *Index {
	return &Index{root: newNode("", 0), slots: map[string]int32{}, wordIDs: map[string]int32{}, stems: map[string][]int32{}}
}

// Len returns the number of entries.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.slots)
}

// Put adds an entry, replacing any entry with the same id. Entries whose
// text has no words are removed instead, since nothing could match them.
func (x *Index) Put(e Entry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.put(e, nil)
}

// PutAll adds entries as Put does, in one go: much faster for many, such
// as a whole index loaded at start, since each posting list is sorted and
// each top list rebuilt once rather than kept in order entry by entry.
// Of entries with the same id, the last wins.
func (x *Index) PutAll(entries []Entry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	last := make(map[string]int, len(entries))
	for i, e := range entries {
		last[e.ID] = i
		x.remove(e.ID) // while every list is still in order
	}
	unsorted := map[int32]bool{}
	for i, e := range entries {
		if last[e.ID] == i {
			x.put(e, unsorted)
		}
	}
	for w := range unsorted {
		slices.SortFunc(x.posts[w], x.comparePostings)
		x.posts[w] = slices.Clone(x.posts[w]) // drop what appending left spare
	}
	x.rebuildTops(x.root)
}

// put adds an entry, the caller holding the write lock. With unsorted
// nil, it keeps posting and top lists in order; otherwise it appends
// postings, notes their words in unsorted, and leaves top lists alone.
func (x *Index) put(e Entry, unsorted map[int32]bool) {
	if e.Class >= maxClasses {
		e.Class = maxClasses - 1
	}
	text, keywords := indexWords(e.Text), indexWords(e.Keywords)
	old := x.remove(e.ID)
	if len(text) == 0 {
		return
	}
	en := &entry{Entry: e}
	if e.Popularity > 0 { // not negative, nor NaN
		en.weight = float32(math.Log1p(e.Popularity))
	}
	en.key = rankKey(en.weight, e.ID)
	for i, w := range append(text, keywords...) {
		id := x.wordID(w)
		if !slices.Contains(en.words, id) && len(en.words) < maxWords {
			en.words = append(en.words, id)
		}
		if i < len(text) {
			en.text = uint8(len(en.words))
		}
	}
	en.words = slices.Clone(en.words)
	slot := x.allocate(en)
	if old == nil || old.slot != slot || !slices.Equal(old.words, en.words) {
		x.members++ // more than a change of popularity or class
	}
	x.inClass[e.Class]++
	for i, w := range en.words {
		p := posting{key: en.key, slot: slot, class: e.Class, text: i < int(en.text)}
		if unsorted != nil {
			x.posts[w] = append(x.posts[w], p)
			unsorted[w] = true
		} else {
			x.posts[w] = x.insertPosting(x.posts[w], p)
		}
		for _, n := range x.root.path(x.words[w]) {
			n.count++
			if p.text && unsorted == nil {
				n.top[e.Class] = x.insertTop(n.top[e.Class], slot)
			}
		}
	}
}

// rebuildTops recomputes the top lists of n and its subtree, children
// first: a node's best entries are the best of its children's and of its
// own word's.
func (x *Index) rebuildTops(n *node) {
	for _, k := range n.kids {
		x.rebuildTops(k)
	}
	for c := range uint8(maxClasses) {
		var top []int32
		for _, k := range n.kids {
			top = append(top, k.top[c]...)
		}
		if n.term >= 0 {
			own := 0
			for _, p := range x.posts[n.term] {
				if p.class == c && p.text && own < topK { // best first: no later one could enter
					top = append(top, p.slot)
					own++
				}
			}
		}
		slices.SortFunc(top, x.compareSlots)
		top = slices.Compact(top)
		n.top[c] = slices.Clip(top[:min(len(top), topK)])
	}
}

// maxWords bounds the distinct words of an entry, its keywords included,
// so that a count of them fits in a byte.
const maxWords = 255

// Remove deletes the entry with this id, if present.
func (x *Index) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
}

func (x *Index) wordID(w string) int32 {
	if id, ok := x.wordIDs[w]; ok {
		return id
	}
	id := int32(len(x.words))
	x.words = append(x.words, w)
	x.heads = append(x.heads, wordHead{bits: headBits(w), size: len(w)})
	x.forgetMatches()
	x.wordIDs[w] = id
	if s := stem(w); s != w {
		x.stems[s] = append(x.stems[s], id)
	}
	x.posts = append(x.posts, nil)
	path := x.root.path(w)
	path[len(path)-1].term = id
	for _, n := range path {
		n.words++
		if n.minLen == 0 || int32(len(w)) < n.minLen {
			n.minLen = int32(len(w))
		}
	}
	return id
}

func (x *Index) allocate(en *entry) int32 {
	var slot int32
	if n := len(x.free); n > 0 {
		slot = x.free[n-1]
		x.free = x.free[:n-1]
		x.entries[slot] = en
		x.lines[slot] = newLine(en)
	} else {
		slot = int32(len(x.entries))
		x.entries = append(x.entries, en)
		x.lines = append(x.lines, newLine(en))
	}
	x.slots[en.ID] = slot
	return slot
}

// removed is where an entry was and what words it held.
type removed struct {
	slot  int32
	words []int32
}

// remove deletes an entry and returns where it was, or nil if there was
// none; the caller holds the write lock. Top lists that lose an entry are
// refilled from their subtree, so they stay exact.
func (x *Index) remove(id string) *removed {
	slot, ok := x.slots[id]
	if !ok {
		return nil
	}
	en := x.entries[slot]
	x.inClass[en.Class]--
	delete(x.slots, id)
	x.entries[slot] = nil
	x.lines[slot] = line{}
	x.free = append(x.free, slot)
	var refill []*node
	for i, w := range en.words {
		p := posting{key: en.key, slot: slot, class: en.Class}
		x.posts[w] = x.deletePosting(x.posts[w], p)
		for _, n := range x.root.path(x.words[w]) {
			n.count--
			if i >= int(en.text) {
				continue // keywords are not in top lists
			}
			before := len(n.top[en.Class])
			n.top[en.Class] = deleteValue(n.top[en.Class], slot)
			if before == topK && len(n.top[en.Class]) < topK {
				refill = append(refill, n)
			}
		}
	}
	for _, n := range refill {
		n.top[en.Class] = x.best(n, en.Class)
	}
	return &removed{slot, en.words}
}

// best recomputes the top list of class c for the subtree under n.
func (x *Index) best(n *node, c uint8) []int32 {
	var top []int32
	seen := map[int32]bool{}
	n.walk(func(k *node) {
		if k.term < 0 {
			return
		}
		for _, p := range x.posts[k.term] {
			if p.class == c && p.text && !seen[p.slot] {
				seen[p.slot] = true
				top = x.insertTop(top, p.slot)
			}
		}
	})
	return top
}

// insertPosting inserts p into a best-first posting list.
func (x *Index) insertPosting(list []posting, p posting) []posting {
	i, _ := slices.BinarySearchFunc(list, p, x.comparePostings)
	return slices.Insert(list, i, p)
}

// deletePosting removes p from a best-first posting list.
func (x *Index) deletePosting(list []posting, p posting) []posting {
	if i, found := slices.BinarySearchFunc(list, p, x.comparePostings); found {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// comparePostings orders postings best first: by rank key, then by id, so
// ranks are deterministic.
func (x *Index) comparePostings(a, b posting) int {
	switch {
	case a.slot == b.slot:
		return 0
	case a.key != b.key:
		return cmp.Compare(b.key, a.key)
	case x.entries[a.slot].ID < x.entries[b.slot].ID:
		return -1
	}
	return 1
}

// insertTop inserts slot into a best-first list capped at topK.
func (x *Index) insertTop(top []int32, slot int32) []int32 {
	if slices.Contains(top, slot) {
		return top
	}
	i, _ := slices.BinarySearchFunc(top, slot, x.compareSlots)
	if i >= topK {
		return top
	}
	top = slices.Insert(top, i, slot)
	if len(top) > topK {
		top = top[:topK]
	}
	return top
}

// compareSlots orders the entries in two slots best first, as
// comparePostings orders their postings.
func (x *Index) compareSlots(a, b int32) int {
	return x.comparePostings(posting{key: x.entries[a].key, slot: a}, posting{key: x.entries[b].key, slot: b})
}

func deleteValue(s []int32, v int32) []int32 {
	if i := slices.Index(s, v); i >= 0 {
		return slices.Delete(s, i, i+1)
	}
	return s
}

// Popularity returns the popularity of the entry with this id, and false
// when there is none.
func (x *Index) Popularity(id string) (float64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	slot, ok := x.slots[id]
	if !ok {
		return 0, false
	}
	return x.entries[slot].Popularity, true
}

// holds reports whether the index has an entry of any of classes.
func (x *Index) holds(classes Classes) bool {
	for c, n := range x.inClass {
		if n > 0 && classes&(1<<c) != 0 {
			return true
		}
	}
	return false
}

// AddPopularity adds delta to the popularity of the entry with this id, if
// present, and re-ranks it.
func (x *Index) AddPopularity(id string, delta float64) {
	x.mu.RLock()
	slot, ok := x.slots[id]
	var e Entry
	if ok {
		e = x.entries[slot].Entry
	}
	x.mu.RUnlock()
	if ok {
		e.Popularity += delta
		x.Put(e)
	}
}
