package hnsw

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// Node states.
const (
	stateLive    uint8 = iota // searchable
	stateDeleted              // a tombstone: still linked, never returned
	stateFree                 // unlinked, waiting for reuse by Add
)

const noNode = math.MaxUint32

// maxChunkFloats bounds the floats in one chunk of vector storage, so that
// growing the index never copies all vectors and never doubles its memory.
const maxChunkFloats = 1 << 20

// graph is the index's data. Nodes are numbered densely from 0; a node's
// vector, state, level, id and attributes live in parallel slices.
type graph struct {
	dim   int
	m, m0 int // most links on upper layers and on layer 0
	efc   int
	model string

	chunkShift uint        // log2 of the nodes per chunk
	chunks     [][]float32 // vectors, 1<<chunkShift nodes per chunk

	state []uint8
	level []uint8
	ids   []string
	attrs []Attrs
	// links0 holds layer 0: node i's slot is links0[i*(m0+1):], a count
	// then up to m0 node numbers.
	links0 []uint32
	// upper holds layers 1 and up of node i, nil when level[i] == 0: the
	// slot for layer l is upper[i][(l-1)*(m+1):], a count then up to m
	// node numbers.
	upper [][]uint32

	byID     map[string]uint32 // live nodes only
	free     []uint32
	entry    uint32 // a node on the top layer, or noNode when empty
	maxLevel int
	live     int
	tomb     int

	rng *rand.Rand
	ml  float64 // level multiplier 1/ln(M)
}

func newGraph(cfg Config) *graph {
	return newGraphDims(cfg.Dimensions, cfg.M, cfg.EfConstruction, cfg.Model, cfg.Seed)
}

func newGraphDims(dim, m, efc int, model string, seed uint64) *graph {
	shift := uint(0)
	for (2<<shift)*dim <= maxChunkFloats {
		shift++
	}
	return &graph{
		dim: dim, m: m, m0: 2 * m, efc: efc, model: model,
		chunkShift: shift,
		byID:       make(map[string]uint32),
		entry:      noNode,
		rng:        newRand(seed),
		ml:         1 / math.Log(float64(m)),
	}
}

// newGraphLike returns an empty graph with g's parameters.
func newGraphLike(g *graph) *graph {
	e := newGraphDims(g.dim, g.m, g.efc, g.model, 0)
	e.rng = g.rng
	return e
}

// vec returns node i's vector.
func (g *graph) vec(i uint32) []float32 {
	c := g.chunks[i>>g.chunkShift]
	off := int(i&(1<<g.chunkShift-1)) * g.dim
	return c[off : off+g.dim : off+g.dim]
}

// slot returns node i's link slot on layer l: a count, then the links.
func (g *graph) slot(i uint32, l int) []uint32 {
	if l == 0 {
		s := int(i) * (g.m0 + 1)
		return g.links0[s : s+g.m0+1 : s+g.m0+1]
	}
	s := (l - 1) * (g.m + 1)
	return g.upper[i][s : s+g.m+1 : s+g.m+1]
}

// links returns node i's links on layer l.
func (g *graph) links(i uint32, l int) []uint32 {
	s := g.slot(i, l)
	return s[1 : 1+s[0]]
}

// setLinks replaces node i's links on layer l.
func (g *graph) setLinks(i uint32, l int, links []uint32) {
	s := g.slot(i, l)
	s[0] = uint32(copy(s[1:], links))
}

// maxLinks returns the most links a node keeps on layer l.
func (g *graph) maxLinks(l int) int {
	if l == 0 {
		return g.m0
	}
	return g.m
}

// grow appends a free node and returns its number.
func (g *graph) grow() uint32 {
	i := uint32(len(g.state))
	per := 1 << g.chunkShift
	if int(i)%per == 0 {
		// The first chunk starts small and grows, so that small indexes
		// stay small; later ones are allocated whole.
		n := per
		if i == 0 {
			n = min(per, max(1, 4096/g.dim))
		}
		g.chunks = append(g.chunks, make([]float32, 0, n*g.dim))
	}
	c := &g.chunks[len(g.chunks)-1]
	if len(*c) == cap(*c) {
		n := make([]float32, len(*c), min(2*cap(*c), per*g.dim))
		copy(n, *c)
		*c = n
	}
	*c = (*c)[:len(*c)+g.dim]
	g.state = append(g.state, stateFree)
	g.level = append(g.level, 0)
	g.ids = append(g.ids, "")
	g.attrs = append(g.attrs, Attrs{})
	g.links0 = append(g.links0, make([]uint32, g.m0+1)...)
	g.upper = append(g.upper, nil)
	return i
}

// randomLevel draws a new node's top layer.
func (g *graph) randomLevel() int {
	l := int(-math.Log(1-g.rng.Float64()) * g.ml)
	return min(l, maxLevels)
}

// markDeleted turns live node i into a tombstone.
func (g *graph) markDeleted(i uint32) {
	delete(g.byID, g.ids[i])
	g.state[i] = stateDeleted
	g.ids[i] = ""
	g.attrs[i] = Attrs{}
	g.live--
	g.tomb++
}

// item is a node and its similarity to a query.
type item struct {
	sim float32
	id  uint32
}

// searcher is one goroutine's scratch space for a search: the visited set,
// stamped with a generation so that it never needs clearing, and the two
// heaps of the beam search.
type searcher struct {
	visited []uint32
	gen     uint32
	cand    maxHeap // to expand, best first
	res     minHeap // accepted results, worst first
	q       []float32
	buf     []item
	links   []uint32
}

func newSearcher(dim int) *searcher {
	return &searcher{q: make([]float32, dim)}
}

// newVisit starts a new visited set over n nodes.
func (s *searcher) newVisit(n int) {
	if len(s.visited) < n {
		s.visited = make([]uint32, n+n/4)
		s.gen = 0
	}
	s.gen++
	if s.gen == 0 {
		clear(s.visited)
		s.gen = 1
	}
}

// greedy walks from cur down to layer to+1, on each layer moving to the
// most similar neighbour until none is more similar, and returns the node
// it ends on.
func (g *graph) greedy(q []float32, cur item, from, to int) item {
	for l := from; l > to; l-- {
		for changed := true; changed; {
			changed = false
			for _, nb := range g.links(cur.id, l) {
				if sim := dot(q, g.vec(nb)); sim > cur.sim {
					cur = item{sim, nb}
					changed = true
				}
			}
		}
	}
	return cur
}

// searchLayer is the beam search of HNSW on layer l from the entry points
// eps. It leaves in s.res the ef most similar nodes that are live, are not
// exclude and pass filter; other nodes are walked through but not kept. It
// stops when the best node left to expand is less similar than the worst
// of ef kept ones, so with a selective filter it keeps exploring until it
// has ef accepted nodes or runs out of graph.
func (g *graph) searchLayer(s *searcher, q []float32, eps []item, ef, l int, exclude uint32, filter func(Attrs) bool) {
	s.newVisit(len(g.state))
	s.cand = s.cand[:0]
	s.res = s.res[:0]
	for _, e := range eps {
		if s.visited[e.id] == s.gen {
			continue
		}
		s.visited[e.id] = s.gen
		s.cand.push(e)
		if g.accept(e.id, exclude, filter) {
			s.res.push(e)
			if len(s.res) > ef {
				s.res.pop()
			}
		}
	}
	visited := s.visited
	for len(s.cand) > 0 {
		c := s.cand.pop()
		if len(s.res) >= ef && c.sim < s.res[0].sim {
			break
		}
		for _, nb := range g.links(c.id, l) {
			if visited[nb] == s.gen {
				continue
			}
			visited[nb] = s.gen
			sim := dot(q, g.vec(nb))
			if len(s.res) < ef || sim > s.res[0].sim {
				s.cand.push(item{sim, nb})
				if g.accept(nb, exclude, filter) {
					s.res.push(item{sim, nb})
					if len(s.res) > ef {
						s.res.pop()
					}
				}
			}
		}
	}
}

// searchFiltered is searchLayer on layer 0 for a filter that rejects many
// nodes. Where searchLayer computes the similarity of every node it walks
// through, accepted or not, this one computes only those of accepted
// nodes: it steps over a rejected neighbour to that neighbour's own
// neighbours (the two-hop expansion of ACORN, Patel et al. 2024), taking
// at most 2M accepted nodes per expansion, direct neighbours first. The
// similarities it skips are most of a selective search's cost, while the
// two-hop links keep the accepted nodes connected, down to a few percent
// of the graph.
func (g *graph) searchFiltered(s *searcher, q []float32, ep item, ef int, filter func(Attrs) bool) {
	s.newVisit(len(g.state))
	s.cand = s.cand[:0]
	s.res = s.res[:0]
	visited := s.visited
	visited[ep.id] = s.gen
	s.cand.push(ep)
	if g.accept(ep.id, noNode, filter) {
		s.res.push(ep)
	}
	for len(s.cand) > 0 {
		c := s.cand.pop()
		if len(s.res) >= ef && c.sim < s.res[0].sim {
			break
		}
		// Gather up to m0 accepted nodes, the direct neighbours first, so
		// that an expansion costs what it costs without a filter.
		links := g.links(c.id, 0)
		next := s.links[:0]
		for _, nb := range links {
			if visited[nb] != s.gen && g.accept(nb, noNode, filter) {
				visited[nb] = s.gen
				next = append(next, nb)
			}
		}
		for _, nb := range links {
			if len(next) >= g.m0 {
				break
			}
			if visited[nb] == s.gen {
				continue
			}
			visited[nb] = s.gen // rejected: step over it
			for _, nb2 := range g.links(nb, 0) {
				if visited[nb2] != s.gen && g.accept(nb2, noNode, filter) {
					visited[nb2] = s.gen
					next = append(next, nb2)
					if len(next) >= g.m0 {
						break
					}
				}
			}
		}
		s.links = next
		for _, nb := range next {
			sim := dot(q, g.vec(nb))
			if len(s.res) < ef || sim > s.res[0].sim {
				s.cand.push(item{sim, nb})
				s.res.push(item{sim, nb})
				if len(s.res) > ef {
					s.res.pop()
				}
			}
		}
	}
}

func (g *graph) accept(i, exclude uint32, filter func(Attrs) bool) bool {
	return g.state[i] == stateLive && i != exclude && (filter == nil || filter(g.attrs[i]))
}

// entryItem returns the entry point with its similarity to q.
func (g *graph) entryItem(q []float32) item {
	return item{dot(q, g.vec(g.entry)), g.entry}
}

// search returns the k best hits of an HNSW search with width ef.
// With twoHop it searches layer 0 with searchFiltered. It reports whether
// the search ran out of graph before it held ef accepted nodes.
func (g *graph) search(s *searcher, q []float32, k, ef int, filter func(Attrs) bool, twoHop bool) (hits []Hit, exhausted bool) {
	cur := g.greedy(q, g.entryItem(q), g.maxLevel, 0)
	if twoHop {
		g.searchFiltered(s, q, cur, ef, filter)
	} else {
		s.buf = append(s.buf[:0], cur)
		g.searchLayer(s, q, s.buf, ef, 0, noNode, filter)
	}
	exhausted = len(s.res) < ef
	for len(s.res) > k {
		s.res.pop()
	}
	return g.hits(s.res), exhausted
}

// exact compares q with every live node that filter accepts and returns
// the k best.
func (g *graph) exact(s *searcher, q []float32, k int, filter func(Attrs) bool) []Hit {
	s.res = s.res[:0]
	for i, st := range g.state {
		if st != stateLive || filter != nil && !filter(g.attrs[i]) {
			continue
		}
		sim := dot(q, g.vec(uint32(i)))
		if len(s.res) < k {
			s.res.push(item{sim, uint32(i)})
		} else if sim > s.res[0].sim {
			s.res[0] = item{sim, uint32(i)}
			s.res.fix0()
		}
	}
	return g.hits(s.res)
}

// hits turns results into Hits, best first, ties by id.
func (g *graph) hits(res []item) []Hit {
	if len(res) == 0 {
		return nil
	}
	h := make([]Hit, len(res))
	for i, r := range res {
		h[i] = Hit{ID: g.ids[r.id], Score: r.sim}
	}
	slices.SortFunc(h, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return h
}

// selectivity estimates the fraction of nodes that are live and accepted by
// filter, from a fixed sample of up to 256 nodes.
func (g *graph) selectivity(filter func(Attrs) bool) float64 {
	n := len(g.state)
	const samples = 256
	if n <= samples {
		pass := 0
		for i, st := range g.state {
			if st == stateLive && filter(g.attrs[i]) {
				pass++
			}
		}
		return float64(pass) / float64(n)
	}
	pass := 0
	// Fibonacci hashing spreads the sample over the whole index whatever
	// pattern ids were inserted in.
	for j := range uint64(samples) {
		i := (j * 0x9e3779b97f4a7c15 >> 11) % uint64(n)
		if g.state[i] == stateLive && filter(g.attrs[i]) {
			pass++
		}
	}
	return float64(pass) / samples
}

// selectLinks chooses up to max links for a node from cands, which hold
// similarities to that node, by the heuristic of the HNSW paper
// (algorithm 4): a candidate is kept only if it is more similar to the
// node than to every candidate kept before it. This keeps links pointing
// in different directions, which is what lets searches leave a cluster.
// vecOf returns a candidate's vector. cands is sorted in place.
func selectLinks(cands []item, max int, vecOf func(uint32) []float32, dst []uint32) []uint32 {
	slices.SortFunc(cands, func(a, b item) int { return cmp.Compare(b.sim, a.sim) })
	dst = dst[:0]
	if len(cands) <= max {
		for _, c := range cands {
			dst = append(dst, c.id)
		}
		return dst
	}
	for _, c := range cands {
		if len(dst) >= max {
			break
		}
		cv := vecOf(c.id)
		good := true
		for _, r := range dst {
			if dot(cv, vecOf(r)) > c.sim {
				good = false
				break
			}
		}
		if good {
			dst = append(dst, c.id)
		}
	}
	return dst
}

// linkUpdate is a new link list for a node on a layer.
type linkUpdate struct {
	node  uint32
	level int
	links []uint32
}

// insertPlan is everything Add computes before it changes the graph.
type insertPlan struct {
	node    uint32 // the node number the vector gets
	level   int
	q       []float32
	own     [][]uint32 // own links per layer, 0 up to min(level, maxLevel)
	updates []linkUpdate
}

// planInsert finds the links for a new vector q without changing g, so
// that searches can go on meanwhile. exclude is a node about to be
// replaced, not to be linked to.
func (g *graph) planInsert(s *searcher, q []float32, exclude uint32) *insertPlan {
	p := &insertPlan{q: q, level: g.randomLevel()}
	if len(g.free) > 0 {
		p.node = g.free[len(g.free)-1]
	} else {
		p.node = uint32(len(g.state))
	}
	if g.entry == noNode {
		return p
	}
	vecOf := func(i uint32) []float32 {
		if i == p.node {
			return q
		}
		return g.vec(i)
	}
	top := min(p.level, g.maxLevel)
	p.own = make([][]uint32, top+1)
	cur := g.greedy(q, g.entryItem(q), g.maxLevel, top)
	eps := []item{cur}
	for l := top; l >= 0; l-- {
		g.searchLayer(s, q, eps, g.efc, l, exclude, nil)
		if len(s.res) == 0 {
			continue // no live node on this layer; keep the entry points
		}
		eps = append(eps[:0], s.res...)
		cands := append(s.buf[:0], s.res...)
		p.own[l] = selectLinks(cands, g.m, vecOf, nil)
		s.buf = cands

		// Link back from each new neighbour, pruning its list when full.
		maxL := g.maxLinks(l)
		for _, nb := range p.own[l] {
			cur := g.links(nb, l)
			var next []uint32
			if len(cur) < maxL {
				next = append(slices.Clip(cur), p.node)
			} else {
				// Drop tombstones first; they go at the next repair anyway.
				next = make([]uint32, 0, len(cur)+1)
				for _, c := range cur {
					if g.state[c] == stateLive {
						next = append(next, c)
					}
				}
				next = append(next, p.node)
				if len(next) > maxL {
					nv := g.vec(nb)
					cands := s.buf[:0]
					for _, c := range next {
						cands = append(cands, item{dot(nv, vecOf(c)), c})
					}
					next = selectLinks(cands, maxL, vecOf, next[:0])
					s.buf = cands
				}
			}
			p.updates = append(p.updates, linkUpdate{nb, l, next})
		}
	}
	return p
}

// applyInsert links the planned node in under id.
func (g *graph) applyInsert(p *insertPlan, id string, attrs Attrs) {
	i := p.node
	if i == uint32(len(g.state)) {
		g.grow()
	} else {
		g.free = g.free[:len(g.free)-1]
	}
	copy(g.vec(i), p.q)
	g.state[i] = stateLive
	g.level[i] = uint8(p.level)
	g.ids[i] = id
	g.attrs[i] = attrs
	g.upper[i] = nil
	if p.level > 0 {
		g.upper[i] = make([]uint32, p.level*(g.m+1))
	}
	for l := range p.level + 1 {
		var own []uint32
		if l < len(p.own) {
			own = p.own[l]
		}
		g.setLinks(i, l, own)
	}
	for _, u := range p.updates {
		g.setLinks(u.node, u.level, u.links)
	}
	g.byID[id] = i
	g.live++
	if g.entry == noNode || p.level > g.maxLevel {
		g.entry, g.maxLevel = i, p.level
	}
}

// repairPlan is everything Compact computes before it changes the graph.
type repairPlan struct {
	updates  []linkUpdate
	entry    uint32
	maxLevel int
}

// planRepair computes new links for every live node that links to a
// tombstone, without changing g. The graph must have a live node.
func (g *graph) planRepair(s *searcher) *repairPlan {
	r := &repairPlan{entry: g.entry, maxLevel: g.maxLevel}
	for i, st := range g.state {
		if st != stateLive {
			continue
		}
		node := uint32(i)
		for l := range int(g.level[i]) + 1 {
			links := g.links(node, l)
			if !slices.ContainsFunc(links, func(nb uint32) bool { return g.state[nb] != stateLive }) {
				continue
			}
			r.updates = append(r.updates, linkUpdate{node, l, g.repairLinks(s, node, l, links)})
		}
	}
	if g.state[g.entry] != stateLive {
		r.entry, r.maxLevel = noNode, -1
		for i, st := range g.state {
			if st == stateLive && int(g.level[i]) > r.maxLevel {
				r.entry, r.maxLevel = uint32(i), int(g.level[i])
			}
		}
	}
	return r
}

// repairLinks chooses new links for node on layer l among its live
// neighbours and the live neighbours of its dead ones. When that leaves no
// candidate it searches the graph for them, as an insertion would.
func (g *graph) repairLinks(s *searcher, node uint32, l int, links []uint32) []uint32 {
	v := g.vec(node)
	s.newVisit(len(g.state))
	s.visited[node] = s.gen
	cands := s.buf[:0]
	add := func(c uint32) {
		if s.visited[c] != s.gen && g.state[c] == stateLive {
			s.visited[c] = s.gen
			cands = append(cands, item{dot(v, g.vec(c)), c})
		}
	}
	for _, nb := range links {
		if g.state[nb] == stateLive {
			add(nb)
			continue
		}
		for _, nb2 := range g.links(nb, l) {
			add(nb2)
		}
	}
	if len(cands) == 0 {
		cur := g.greedy(v, g.entryItem(v), g.maxLevel, l)
		g.searchLayer(s, v, []item{cur}, g.efc, l, node, nil)
		cands = append(cands, s.res...)
	}
	out := selectLinks(cands, g.maxLinks(l), g.vec, nil)
	s.buf = cands
	return out
}

// applyRepair writes the planned links and frees every tombstone.
func (g *graph) applyRepair(r *repairPlan) {
	for _, u := range r.updates {
		g.setLinks(u.node, u.level, u.links)
	}
	for i, st := range g.state {
		if st != stateDeleted {
			continue
		}
		node := uint32(i)
		g.state[i] = stateFree
		g.setLinks(node, 0, nil)
		g.upper[i] = nil
		g.level[i] = 0
		g.free = append(g.free, node)
	}
	g.tomb = 0
	g.entry, g.maxLevel = r.entry, r.maxLevel
	// Reuse low node numbers first, which keeps hot data together.
	slices.SortFunc(g.free, func(a, b uint32) int { return cmp.Compare(b, a) })
}
