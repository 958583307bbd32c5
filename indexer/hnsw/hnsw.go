// Package hnsw is Sift's in-process approximate nearest-neighbour index for
// embedding vectors: a Hierarchical Navigable Small World graph (Malkov and
// Yashunin, "Efficient and robust approximate nearest neighbor search using
// Hierarchical Navigable Small World graphs", 2016) over L2-normalised
// float32 vectors, ranked by cosine similarity.
//
// Beyond the textbook algorithm it has what a support portal needs:
//
//   - Access filters run inside the search (see [Index.Search]), so a
//     customer asking for 10 articles gets the 10 nearest articles they may
//     read, not the 10 nearest articles of which 3 survive a post-filter.
//   - Deletes are tombstones, repaired in batches (see [Index.Delete] and
//     [Index.Compact]).
//   - A versioned, checksummed file format that records the embedding model
//     (see [Index.WriteTo], [Index.ReadFrom], [Index.Save] and [Load]), so
//     vectors from two models are never mixed.
//
// The package is pure Go and has no dependency outside the standard
// library and Sift's models.
//
// # Design
//
// Nodes are numbered densely. Vectors live in chunks of about 4 MiB (so
// growing never copies them all), layer-0 links in one flat slice with a
// fixed stride of 2M+1 (a count, then the links), upper-layer links in a
// small slice per node that has any. Neighbours are chosen by the
// heuristic of the paper (algorithm 4), which keeps links pointing in
// different directions and matters on clustered data. A search keeps its
// visited set as a slice stamped with a generation number, and its heaps,
// in a pooled scratch space, so it allocates only its result.
//
// Vectors are normalised on the way in, so similarity is a dot product,
// computed by an unrolled loop the compiler keeps free of bounds checks.
//
// Every write first computes what it will change without holding searches
// off (a single writer reads the graph while searches read it too), then
// takes the write lock to apply it. Deletes leave tombstones that searches
// walk through but never return, and a batch repair (Compact) relinks
// their neighbours once tombstones reach Config.MaxDeleted of the graph,
// rather than repairing at every delete (costly and, for upserts, often
// undone at once) or rebuilding (costly in proportion to the whole index).
package hnsw

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/siftdesk/sift/models"
)

// Defaults and limits of Config.
const (
	DefaultDimensions     = 512
	DefaultM              = 16
	DefaultEfConstruction = 200
	DefaultEfSearch       = 64
	DefaultMaxDeleted     = 0.1
	DefaultScanBelow      = 2048

	MaxDimensions = 1 << 16 // longest vector an index accepts
	MaxM          = 128     // most links per node on the upper layers
	MaxModelName  = 1024    // bytes of Config.Model
	MaxIDLength   = 1<<16 - 1
	MaxGroup      = 1<<16 - 1 // bytes of Attrs.Group
	maxLevels     = 16        // levels above 0 are a 1/M chance each; 16 is never reached

	// Filtered searches below this estimated selectivity step over
	// rejected nodes (searchFiltered). Measured on 100,000 clustered
	// vectors of 512 dimensions: at 50% the one-hop search was 25% faster,
	// at 30% the two-hop one 15%, at 9% twice, at 5% four times as fast.
	defaultTwoHopBelow = 0.4
	// Below this estimated selectivity Search scans even when the
	// estimated count is above Config.ScanBelow: the accepted nodes are
	// too sparse for the two-hop links to connect them. Measured recall@10
	// of the two-hop search on the same data: 0.98 at 3%, 0.94 at 1.6%,
	// 0.84 at 1%.
	minGraphSelectivity = 0.03
)

// Config configures an index. The zero value of each field means its
// default; New never fails.
type Config struct {
	// Dimensions is the length of every vector. 0 means 512.
	Dimensions int
	// Model names the embedding model the vectors come from, for example
	// "text-embedding-3-small" or "sift-lsa-v1@<corpus hash>". It is
	// written into saved files, and ReadFrom refuses a file whose model
	// differs (ErrModelMismatch). Empty is a name like any other. At
	// most MaxModelName bytes, or WriteTo fails.
	Model string
	// M is the number of links a node keeps on each upper layer; layer 0
	// keeps 2*M. Higher M gives better recall on high-dimensional data at
	// the cost of memory and build time. 0 means 16; values are clamped
	// to [2, 128].
	M int
	// EfConstruction is the width of the search that finds a new node's
	// neighbours. 0 means 200.
	EfConstruction int
	// EfSearch is the width of a query's search on layer 0: the number of
	// accepted candidates kept while exploring. Search uses at least k.
	// 0 means 64.
	EfSearch int
	// Seed seeds the random levels of new nodes, so that inserting the
	// same vectors in the same order builds the same graph.
	Seed uint64
	// MaxDeleted is the fraction of tombstoned nodes at which a write
	// repairs the graph (see Compact). 0 means 0.1; a negative value
	// turns automatic repair off.
	MaxDeleted float64
	// ScanBelow is the estimated number of vectors a filter accepts below
	// which Search compares the query with each of them (like Exact)
	// instead of walking the graph. A graph search computes a few
	// thousand similarities whatever the filter, a scan one per accepted
	// vector (plus a filter call per vector), so below a couple of
	// thousand the scan is faster, and exact: on 100,000 vectors of 512
	// dimensions a scan of 1,000 took 1.1 ms, of 4,700 2.8 ms, and a
	// filtered graph search 1 ms. 0 means 2048; a negative value never
	// scans, not even for the sparsest filters (see Search).
	ScanBelow int
}

// withDefaults returns c with defaults filled in and values clamped.
func (c Config) withDefaults() Config {
	if c.Dimensions <= 0 {
		c.Dimensions = DefaultDimensions
	}
	c.Dimensions = min(c.Dimensions, MaxDimensions)
	if c.M <= 0 {
		c.M = DefaultM
	}
	c.M = min(max(c.M, 2), MaxM)
	if c.EfConstruction <= 0 {
		c.EfConstruction = DefaultEfConstruction
	}
	c.EfConstruction = max(c.EfConstruction, c.M)
	if c.EfSearch <= 0 {
		c.EfSearch = DefaultEfSearch
	}
	if c.MaxDeleted == 0 {
		c.MaxDeleted = DefaultMaxDeleted
	}
	if c.ScanBelow == 0 {
		c.ScanBelow = DefaultScanBelow
	}
	return c
}

// Attrs are the access attributes stored with each vector, for the filters
// of Search and Exact to test. The index gives them no meaning: the caller
// decides what the bits and the group stand for and writes the filter.
//
// A typical mapping in Sift: bit 0 "public article", bit 1 "internal
// article", bit 2 "ticket"; Group holds the organisation that owns a
// ticket, or is empty for articles. A customer's filter is then
// a.Classes&1 != 0, an employee's a.Classes&3 != 0, and an agent looking
// for similar tickets of one organisation a.Classes&4 != 0 && a.Group == org.
type Attrs struct {
	// Classes is a bitmask of access classes.
	Classes uint64
	// Group names the group that owns the vector, such as an
	// organisation; at most MaxGroup bytes.
	Group string
}

// Hit is a search result: the id given to Add and the cosine similarity of
// its vector to the query, in [-1, 1].
type Hit struct {
	ID    string  `json:"id"`
	Score float32 `json:"score"`
}

// Index is an HNSW graph of vectors with ids and access attributes.
//
// It is safe for concurrent use by many searching goroutines and writers.
// Writes (Add, Delete, Compact, ReadFrom) are serialised. A write does its
// expensive part (finding neighbours, repairing links) while searches go
// on, and holds searches off only while it links the result in, which
// takes microseconds for Add and Delete. WriteTo blocks writes, not
// searches.
type Index struct {
	cfg Config

	// wmu serialises writers, and WriteTo. The holder of wmu may read
	// g without mu: nobody else changes it.
	wmu sync.Mutex
	// mu guards g against the holder of wmu while it changes g.
	mu sync.RWMutex
	g  *graph

	ws      *searcher // the writer's scratch space, guarded by wmu
	scratch sync.Pool // *searcher for Search and Exact

	// twoHopBelow is the estimated selectivity below which a filtered
	// search uses searchFiltered.
	twoHopBelow float64
}

// New returns an empty index configured by cfg.
func New(cfg Config) *Index {
	cfg = cfg.withDefaults()
	x := &Index{cfg: cfg, g: newGraph(cfg), twoHopBelow: defaultTwoHopBelow}
	x.ws = newSearcher(cfg.Dimensions)
	x.scratch.New = func() any { return newSearcher(cfg.Dimensions) }
	return x
}

// Config returns the index's configuration with defaults filled in. After
// ReadFrom, M and EfConstruction are those the loaded graph was built with.
func (x *Index) Config() Config {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := x.cfg
	c.M, c.EfConstruction = x.g.m, x.g.efc
	return c
}

// Len returns the number of vectors in the index, not counting deleted ones.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.g.live
}

// Stats describes an index's size, for metrics and capacity planning.
type Stats struct {
	Live    int   // vectors that searches can return
	Deleted int   // tombstones not yet repaired away
	Free    int   // slots freed by repairs, reused by later Adds
	Levels  int   // layers of the graph
	Bytes   int64 // approximate memory held by vectors, links and ids
}

// Stats returns the index's current size.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	g := x.g
	s := Stats{Live: g.live, Deleted: g.tomb, Free: len(g.free), Levels: g.maxLevel + 1}
	if g.entry == noNode {
		s.Levels = 0
	}
	for _, c := range g.chunks {
		s.Bytes += int64(cap(c)) * 4
	}
	s.Bytes += int64(cap(g.links0))*4 + int64(cap(g.state)+cap(g.level)) + int64(cap(g.attrs))*24 + int64(cap(g.ids))*16 + int64(cap(g.upper))*24
	for i, u := range g.upper {
		s.Bytes += int64(cap(u)) * 4
		if g.state[i] == stateLive {
			s.Bytes += int64(len(g.ids[i]) + len(g.attrs[i].Group))
		}
	}
	s.Bytes += int64(len(g.byID)) * 48 // map entry overhead, roughly
	return s
}

// Add inserts vec under id with attrs, or replaces the vector and
// attributes already stored under id. vec must have Config.Dimensions
// elements, be finite and not all zero; Add stores a normalised copy. It
// returns a models.CodeInvalid error when id or vec is unacceptable.
//
// Replacing only the attributes of an id (same vector) is done in place.
// Replacing a vector tombstones the old node and inserts a new one, in one
// step as searches see it: a search finds either the old or the new vector,
// never both or neither.
func (x *Index) Add(id string, vec []float32, attrs Attrs) error {
	if id == "" {
		return models.Invalid("id", "is required")
	}
	if len(id) > MaxIDLength {
		return models.Invalid("id", "is %d bytes, more than %d", len(id), MaxIDLength)
	}
	if len(attrs.Group) > MaxGroup {
		return models.Invalid("group", "is %d bytes, more than %d", len(attrs.Group), MaxGroup)
	}
	if len(vec) != x.cfg.Dimensions {
		return models.Invalid("vector", "has %d dimensions, want %d", len(vec), x.cfg.Dimensions)
	}
	q := make([]float32, len(vec))
	if !normalize(q, vec) {
		return models.Invalid("vector", "must be finite and not all zero")
	}
	attrs.Group = strings.Clone(attrs.Group)
	id = strings.Clone(id)

	x.wmu.Lock()
	defer x.wmu.Unlock()
	g := x.g
	if g.live == 0 && len(g.state) > 0 {
		// Only tombstones are left: a new node could find no live
		// neighbour to link to. Start the graph afresh.
		x.compact()
		g = x.g
	}
	old, exists := g.byID[id]
	if exists && slices.Equal(g.vec(old), q) {
		x.mu.Lock()
		g.attrs[old] = attrs
		x.mu.Unlock()
		return nil
	}
	exclude := uint32(noNode)
	if exists {
		exclude = old
	}
	p := g.planInsert(x.ws, q, exclude)
	x.mu.Lock()
	if exists {
		g.markDeleted(old)
	}
	g.applyInsert(p, id, attrs)
	x.mu.Unlock()
	x.maybeCompact()
	return nil
}

// Delete removes id from the index and reports whether it was there. The
// node stays in the graph as a tombstone: searches walk through it but
// never return it. When tombstones exceed Config.MaxDeleted of the nodes,
// Delete repairs the graph before it returns (see Compact), which takes
// time in proportion to the number of tombstones.
func (x *Index) Delete(id string) bool {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	node, ok := x.g.byID[id]
	if !ok {
		return false
	}
	x.mu.Lock()
	x.g.markDeleted(node)
	x.mu.Unlock()
	x.maybeCompact()
	return true
}

// Compact repairs the graph around every tombstone and frees the
// tombstones' slots for reuse, whatever their number.
//
// For each live node that links to a tombstone, the repair considers the
// node's live neighbours and the tombstones' live neighbours, and keeps
// the best of them by the same heuristic that chose the links at insertion
// (the consolidation step of FreshDiskANN, Singh et al. 2021). This keeps
// recall where a rebuild would put it at a fraction of a rebuild's cost:
// the work is proportional to the links into tombstones, not to the size of
// the index. Searches go on during the repair and are held off only while
// the new links are written.
func (x *Index) Compact() {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.compact()
}

func (x *Index) maybeCompact() {
	g := x.g
	if x.cfg.MaxDeleted < 0 || g.tomb == 0 {
		return
	}
	if float64(g.tomb) > x.cfg.MaxDeleted*float64(g.live+g.tomb) {
		x.compact()
	}
}

// compact does Compact's work; the caller holds wmu.
func (x *Index) compact() {
	g := x.g
	if g.tomb == 0 {
		return
	}
	if g.live == 0 {
		x.mu.Lock()
		x.g = newGraphLike(g)
		x.mu.Unlock()
		return
	}
	r := g.planRepair(x.ws)
	x.mu.Lock()
	g.applyRepair(r)
	x.mu.Unlock()
}

// Search returns the k vectors most similar to vec among those whose
// attributes filter accepts (all, when filter is nil), best first, at most
// k of them. It returns nil when vec has the wrong length, is zero or not
// finite, or k < 1.
//
// The filter runs inside the graph search: the search goes on until it
// holds EfSearch (at least k) accepted vectors or has exhausted the graph.
// Search first estimates from a sample of 256 nodes which fraction of
// vectors the filter accepts. When it accepts fewer than Config.ScanBelow
// vectors, or less than 3% of them, Search compares the query with each
// accepted vector instead, which is then faster, or the only way to keep
// recall, and exact. When it accepts less than 40%, the graph search
// computes similarities only for accepted vectors, stepping over a
// rejected neighbour to that neighbour's own neighbours (the two-hop
// expansion of ACORN, Patel et al. 2024), so a selective filter costs
// about what no filter costs; otherwise it walks through rejected nodes
// like any other. If the graph search runs out of reachable accepted
// vectors before it holds EfSearch of them, while more may exist, Search
// falls back to the scan too. So Search returns k hits whenever k
// accepted vectors exist.
//
// filter is called from the searching goroutine, possibly thousands of
// times per search; it must be fast and must not call the index.
func (x *Index) Search(vec []float32, k int, filter func(Attrs) bool) []Hit {
	if k < 1 || len(vec) != x.cfg.Dimensions {
		return nil
	}
	s := x.scratch.Get().(*searcher)
	defer x.scratch.Put(s)
	if !normalize(s.q, vec) {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	g := x.g
	if g.live == 0 {
		return nil
	}
	twoHop := false
	if filter != nil {
		p := g.selectivity(filter)
		if x.cfg.ScanBelow >= 0 && (p < minGraphSelectivity || p*float64(len(g.state)) < float64(x.cfg.ScanBelow)) {
			return g.exact(s, s.q, k, filter)
		}
		twoHop = p < x.twoHopBelow
	}
	hits, exhausted := g.search(s, s.q, k, max(x.cfg.EfSearch, k), filter, twoHop)
	if exhausted && len(hits) < g.live {
		return g.exact(s, s.q, k, filter)
	}
	return hits
}

// Exact returns what Search approximates: the k vectors most similar to
// vec among those filter accepts, best first, by comparing vec with every
// one of them. Its cost is proportional to the size of the index. It
// returns nil when vec has the wrong length, is zero or not finite, or k < 1.
func (x *Index) Exact(vec []float32, k int, filter func(Attrs) bool) []Hit {
	if k < 1 || len(vec) != x.cfg.Dimensions {
		return nil
	}
	s := x.scratch.Get().(*searcher)
	defer x.scratch.Put(s)
	if !normalize(s.q, vec) {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.g.exact(s, s.q, k, filter)
}

// normalize writes v/|v| to dst and reports whether v was finite and not
// zero.
func normalize(dst, v []float32) bool {
	var sum float64
	for _, f := range v {
		sum += float64(f) * float64(f)
	}
	if sum == 0 || math.IsInf(sum, 0) || math.IsNaN(sum) {
		return false
	}
	inv := 1 / math.Sqrt(sum)
	for i, f := range v {
		dst[i] = float32(float64(f) * inv)
	}
	return true
}

// newRand returns the level generator for seed.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
