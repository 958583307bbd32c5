package typeahead

import "slices"

// topK is how many entries each trie node remembers per class, best first.
// Single-word prefixes are answered from these lists alone.
const topK = 48

// node is a trie node over the letters of indexed words.
type node struct {
	keys   []rune // sorted; keys[i] leads to kids[i]
	kids   []*node
	term   int32               // id of the word ending here, or -1
	top    [maxClasses][]int32 // best entries in this subtree, per class
	count  int32               // (entry, word) pairs in the subtree: a cost estimate
	words  int32               // distinct words ending in the subtree
	minLen int32               // bytes of the shortest word ending in the subtree
	depth  int32
	prefix string // the letters from the root to here
}

func newNode(prefix string, depth int32) *node {
	return &node{term: -1, prefix: prefix, depth: depth}
}

// child returns the child for r, or nil.
func (n *node) child(r rune) *node {
	i, ok := slices.BinarySearch(n.keys, r)
	if !ok {
		return nil
	}
	return n.kids[i]
}

// childOrNew returns the child for r, creating it when missing.
func (n *node) childOrNew(r rune) *node {
	i, ok := slices.BinarySearch(n.keys, r)
	if ok {
		return n.kids[i]
	}
	c := newNode(n.prefix+string(r), n.depth+1)
	n.keys = slices.Insert(n.keys, i, r)
	n.kids = slices.Insert(n.kids, i, c)
	return c
}

// path returns the nodes from the root's child for word[0] down to the node
// for word, creating missing ones.
func (n *node) path(word string) []*node {
	var out []*node
	cur := n
	for _, r := range word {
		cur = cur.childOrNew(r)
		out = append(out, cur)
	}
	return out
}

// find returns the node for word, or nil.
func (n *node) find(word string) *node {
	cur := n
	for _, r := range word {
		if cur = cur.child(r); cur == nil {
			return nil
		}
	}
	return cur
}

// walk calls fn for every node in the subtree, parents first.
func (n *node) walk(fn func(*node)) {
	fn(n)
	for _, k := range n.kids {
		k.walk(fn)
	}
}
