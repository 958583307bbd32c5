// Package typeahead is an in-memory completion index for search boxes: it
// completes the last, partial word of a query, tolerates typos, and ranks by
// text match and popularity in microseconds.
//
// Every distinct word of the indexed texts is a path in a trie. Each trie
// node keeps the best entries of its subtree per access class, so a
// one-word prefix is answered by reading a few short lists; queries of
// several words start from the rarest word and check the rest against each
// candidate's words.
package typeahead

import (
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
	// Popularity is a non-negative count (views, searches); more popular
	// entries rank first among equal matches.
	Popularity float64
	// Class is the entry's access class, below maxClasses. A query names the
	// classes it may see; the index never returns an entry of another class.
	Class uint8
}

// Classes is a set of access classes: bit i set means class i is allowed.
type Classes uint8

// Result is a matching entry and its score; higher is better.
type Result struct {
	Entry
	Score float64
}

// Index is a type-ahead index. It is safe for concurrent use: queries run
// in parallel and writes exclude them briefly.
type Index struct {
	mu      sync.RWMutex
	root    *node
	entries []*entry         // by slot; nil marks a free slot
	free    []int32          // free slots
	slots   map[string]int32 // entry id to slot
	words   []string         // by word id
	wordIDs map[string]int32
	posts   [][]int32       // by word id: slots of entries that contain the word, best first
	inClass [maxClasses]int // entries of each class
}

type entry struct {
	Entry
	words  []int32 // distinct word ids, in text order
	weight float64 // static rank: log(1 + popularity)
}

// New returns an empty index.
func New() *Index {
	return &Index{root: newNode("", 0), slots: map[string]int32{}, wordIDs: map[string]int32{}}
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
	if e.Class >= maxClasses {
		e.Class = maxClasses - 1
	}
	words := Tokens(e.Text)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(e.ID)
	if len(words) == 0 {
		return
	}
	en := &entry{Entry: e}
	en.weight = math.Log1p(max(e.Popularity, 0))
	for _, w := range words {
		id := x.wordID(w)
		if !slices.Contains(en.words, id) {
			en.words = append(en.words, id)
		}
	}
	slot := x.allocate(en)
	x.inClass[e.Class]++
	for _, w := range en.words {
		x.posts[w] = x.insertSorted(x.posts[w], slot)
		for _, n := range x.root.path(x.words[w]) {
			n.count++
			n.top[e.Class] = x.insertTop(n.top[e.Class], slot)
		}
	}
}

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
	x.wordIDs[w] = id
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
	} else {
		slot = int32(len(x.entries))
		x.entries = append(x.entries, en)
	}
	x.slots[en.ID] = slot
	return slot
}

// remove deletes an entry; the caller holds the write lock. Top lists that
// lose an entry are refilled from their subtree, so they stay exact.
func (x *Index) remove(id string) {
	slot, ok := x.slots[id]
	if !ok {
		return
	}
	en := x.entries[slot]
	x.inClass[en.Class]--
	delete(x.slots, id)
	x.entries[slot] = nil
	x.free = append(x.free, slot)
	var refill []*node
	for _, w := range en.words {
		x.posts[w] = deleteValue(x.posts[w], slot)
		for _, n := range x.root.path(x.words[w]) {
			n.count--
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
}

// best recomputes the top list of class c for the subtree under n.
func (x *Index) best(n *node, c uint8) []int32 {
	var top []int32
	seen := map[int32]bool{}
	n.walk(func(k *node) {
		if k.term < 0 {
			return
		}
		for _, s := range x.posts[k.term] {
			if x.entries[s].Class == c && !seen[s] {
				seen[s] = true
				top = x.insertTop(top, s)
			}
		}
	})
	return top
}

// insertSorted inserts slot into a best-first list.
func (x *Index) insertSorted(list []int32, slot int32) []int32 {
	i, _ := slices.BinarySearchFunc(list, slot, func(a, b int32) int {
		if x.better(a, b) {
			return -1
		}
		return 1
	})
	return slices.Insert(list, i, slot)
}

// insertTop inserts slot into a best-first list capped at topK.
func (x *Index) insertTop(top []int32, slot int32) []int32 {
	if slices.Contains(top, slot) {
		return top
	}
	i, _ := slices.BinarySearchFunc(top, slot, func(a, b int32) int {
		if x.better(a, b) {
			return -1
		}
		return 1
	})
	if i >= topK {
		return top
	}
	top = slices.Insert(top, i, slot)
	if len(top) > topK {
		top = top[:topK]
	}
	return top
}

// better orders entries by weight, then id, so ranks are deterministic.
func (x *Index) better(a, b int32) bool {
	ea, eb := x.entries[a], x.entries[b]
	if ea.weight != eb.weight {
		return ea.weight > eb.weight
	}
	return ea.ID < eb.ID
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
