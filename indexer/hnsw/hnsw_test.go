package hnsw

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/siftdesk/sift/models"
)

// checkGraph fails the test when the index's invariants do not hold.
func checkGraph(t *testing.T, x *Index) {
	t.Helper()
	x.mu.RLock()
	defer x.mu.RUnlock()
	g := x.g
	if err := g.check(g.live); err != nil {
		t.Fatalf("graph invariants: %v", err)
	}
	live, tomb, free := 0, 0, 0
	for i, st := range g.state {
		switch st {
		case stateLive:
			live++
			if got, ok := g.byID[g.ids[i]]; !ok || got != uint32(i) {
				t.Fatalf("node %d (%q) missing from the id map", i, g.ids[i])
			}
		case stateDeleted:
			tomb++
		case stateFree:
			free++
		}
	}
	if live != g.live || tomb != g.tomb || free != len(g.free) || len(g.byID) != live {
		t.Fatalf("counts: live %d/%d, deleted %d/%d, free %d/%d, ids %d", live, g.live, tomb, g.tomb, free, len(g.free), len(g.byID))
	}
}

func TestRecall(t *testing.T) {
	d := newDataset(7, 64, 50)
	vecs := d.points(5000)
	d.reseed(7, 99)
	queries := d.points(200)
	x := build(t, Config{Dimensions: 64, Seed: 1}, vecs)
	checkGraph(t, x)

	half := uint64(0x5555555555555555)
	tests := []struct {
		name      string
		filter    func(Attrs) bool
		scanBelow int // 0: default
		ef        int // 0: default
		want      float64
	}{
		{"no filter", nil, 0, 0, 0.95},
		// With the narrowest beam, recall rests on the graph alone.
		{"no filter, ef=k", nil, 0, 10, 0.9},
		{"half the classes, scan", func(a Attrs) bool { return a.Classes&half != 0 }, 0, 0, 0.95},
		{"half the classes, graph", func(a Attrs) bool { return a.Classes&half != 0 }, -1, 0, 0.95},
		{"one class in 8, graph", func(a Attrs) bool { return a.Classes&0x0101010101010101 != 0 }, -1, 0, 0.95},
		{"one group in 100, scan", func(a Attrs) bool { return a.Group == "org42" }, 0, 0, 0.95},
		{"one group in 100, graph", func(a Attrs) bool { return a.Group == "org42" }, -1, 0, 0.95},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x.cfg.ScanBelow = New(Config{ScanBelow: tc.scanBelow}).cfg.ScanBelow
			x.cfg.EfSearch = New(Config{EfSearch: tc.ef}).cfg.EfSearch
			defer func() { x.cfg.ScanBelow, x.cfg.EfSearch = DefaultScanBelow, DefaultEfSearch }()
			var got, want [][]Hit
			for _, q := range queries {
				got = append(got, x.Search(q, 10, tc.filter))
				want = append(want, x.Exact(q, 10, tc.filter))
			}
			r := recall(got, want)
			t.Logf("recall@10 = %.4f", r)
			if r < tc.want {
				t.Errorf("recall@10 = %.4f, want >= %v", r, tc.want)
			}
		})
	}
}

func TestSearchOrderAndScores(t *testing.T) {
	d := newDataset(3, 16, 10)
	x := build(t, Config{Dimensions: 16}, d.points(500))
	q := d.point()
	for _, hits := range [][]Hit{x.Search(q, 20, nil), x.Exact(q, 20, nil)} {
		if len(hits) != 20 {
			t.Fatalf("got %d hits, want 20", len(hits))
		}
		if !slices.IsSortedFunc(hits, func(a, b Hit) int { return -cmpF(a.Score, b.Score) }) {
			t.Errorf("hits not sorted best first: %v", hits)
		}
		// Scores are cosine similarities of the stored vectors.
		qn := make([]float32, len(q))
		normalize(qn, q)
		for _, h := range hits {
			x.mu.RLock()
			want := dot(qn, x.g.vec(x.g.byID[h.ID]))
			x.mu.RUnlock()
			if math.Abs(float64(h.Score-want)) > 1e-5 {
				t.Errorf("%s: score %v, want %v", h.ID, h.Score, want)
			}
		}
	}
}

func cmpF(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestSearchEdgeCases(t *testing.T) {
	x := New(Config{Dimensions: 4})
	if got := x.Search([]float32{1, 0, 0, 0}, 5, nil); got != nil {
		t.Errorf("empty index: got %v", got)
	}
	if err := x.Add("a", []float32{1, 0, 0, 0}, Attrs{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		vec  []float32
		k    int
		want int
	}{
		{"k larger than the index", []float32{1, 1, 0, 0}, 5, 1},
		{"k zero", []float32{1, 0, 0, 0}, 0, 0},
		{"k negative", []float32{1, 0, 0, 0}, -1, 0},
		{"wrong dimensions", []float32{1, 0, 0}, 5, 0},
		{"zero vector", []float32{0, 0, 0, 0}, 5, 0},
		{"NaN", []float32{float32(math.NaN()), 0, 0, 0}, 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := x.Search(tc.vec, tc.k, nil); len(got) != tc.want {
				t.Errorf("Search: got %v, want %d hits", got, tc.want)
			}
			if got := x.Exact(tc.vec, tc.k, nil); len(got) != tc.want {
				t.Errorf("Exact: got %v, want %d hits", got, tc.want)
			}
		})
	}
}

func TestAddRejects(t *testing.T) {
	x := New(Config{Dimensions: 3})
	tests := []struct {
		name  string
		id    string
		vec   []float32
		attrs Attrs
	}{
		{"empty id", "", []float32{1, 2, 3}, Attrs{}},
		{"long id", string(make([]byte, MaxIDLength+1)), []float32{1, 2, 3}, Attrs{}},
		{"long group", "a", []float32{1, 2, 3}, Attrs{Group: string(make([]byte, MaxGroup+1))}},
		{"short vector", "a", []float32{1, 2}, Attrs{}},
		{"long vector", "a", []float32{1, 2, 3, 4}, Attrs{}},
		{"zero vector", "a", []float32{0, 0, 0}, Attrs{}},
		{"NaN", "a", []float32{1, float32(math.NaN()), 3}, Attrs{}},
		{"infinity", "a", []float32{1, float32(math.Inf(1)), 3}, Attrs{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := x.Add(tc.id, tc.vec, tc.attrs)
			if !errors.Is(err, models.ErrInvalid) {
				t.Errorf("Add: got %v, want an invalid error", err)
			}
		})
	}
	if x.Len() != 0 {
		t.Errorf("Len = %d after rejected adds", x.Len())
	}
}

func TestUpsertAndDelete(t *testing.T) {
	e := func(i int) []float32 { // unit vector i of 4
		v := make([]float32, 4)
		v[i] = 1
		return v
	}
	type op struct {
		del   bool
		id    string
		vec   []float32
		attrs Attrs
	}
	tests := []struct {
		name    string
		ops     []op
		query   []float32
		filter  func(Attrs) bool
		want    []string // ids of Search(query, 4, filter), best first
		wantLen int
	}{
		{
			name:    "add",
			ops:     []op{{id: "a", vec: e(0)}, {id: "b", vec: e(1)}},
			query:   e(1),
			want:    []string{"b", "a"},
			wantLen: 2,
		},
		{
			name:    "re-adding an id replaces its vector",
			ops:     []op{{id: "a", vec: e(0)}, {id: "b", vec: e(1)}, {id: "a", vec: e(2)}},
			query:   e(2),
			want:    []string{"a", "b"},
			wantLen: 2,
		},
		{
			name:    "replaced vector is not found any more",
			ops:     []op{{id: "a", vec: e(0)}, {id: "b", vec: []float32{1, 1, 0, 0}}, {id: "a", vec: e(2)}},
			query:   e(0),
			want:    []string{"b", "a"},
			wantLen: 2,
		},
		{
			name: "re-adding the same vector replaces the attributes",
			ops: []op{
				{id: "a", vec: e(0), attrs: Attrs{Classes: 1}},
				{id: "b", vec: e(1), attrs: Attrs{Classes: 1}},
				{id: "a", vec: e(0), attrs: Attrs{Classes: 2}},
			},
			query:   e(0),
			filter:  func(a Attrs) bool { return a.Classes == 2 },
			want:    []string{"a"},
			wantLen: 2,
		},
		{
			name:    "delete",
			ops:     []op{{id: "a", vec: e(0)}, {id: "b", vec: e(1)}, {id: "c", vec: e(2)}, {del: true, id: "b"}},
			query:   e(1),
			want:    []string{"a", "c"},
			wantLen: 2,
		},
		{
			name:    "delete everything",
			ops:     []op{{id: "a", vec: e(0)}, {id: "b", vec: e(1)}, {del: true, id: "a"}, {del: true, id: "b"}},
			query:   e(1),
			want:    nil,
			wantLen: 0,
		},
		{
			name: "add after deleting everything",
			ops: []op{
				{id: "a", vec: e(0)}, {del: true, id: "a"},
				{id: "b", vec: e(1)}, {id: "a", vec: e(3)},
			},
			query:   e(3),
			want:    []string{"a", "b"},
			wantLen: 2,
		},
		{
			name:    "delete then re-add",
			ops:     []op{{id: "a", vec: e(0)}, {id: "b", vec: e(1)}, {del: true, id: "a"}, {id: "a", vec: e(0)}},
			query:   e(0),
			want:    []string{"a", "b"},
			wantLen: 2,
		},
	}
	for _, tc := range tests {
		for _, maxDeleted := range []float64{0, -1} { // default repair, and tombstones only
			t.Run(fmt.Sprintf("%s/maxDeleted=%v", tc.name, maxDeleted), func(t *testing.T) {
				x := New(Config{Dimensions: 4, MaxDeleted: maxDeleted})
				for _, o := range tc.ops {
					if o.del {
						if !x.Delete(o.id) {
							t.Fatalf("Delete(%q) = false", o.id)
						}
						continue
					}
					if err := x.Add(o.id, o.vec, o.attrs); err != nil {
						t.Fatal(err)
					}
				}
				checkGraph(t, x)
				if got := x.Len(); got != tc.wantLen {
					t.Errorf("Len = %d, want %d", got, tc.wantLen)
				}
				for name, hits := range map[string][]Hit{"Search": x.Search(tc.query, 4, tc.filter), "Exact": x.Exact(tc.query, 4, tc.filter)} {
					var ids []string
					for _, h := range hits {
						ids = append(ids, h.ID)
					}
					if !slices.Equal(ids, tc.want) {
						t.Errorf("%s = %v, want %v", name, ids, tc.want)
					}
				}
			})
		}
	}
}

func TestDeleteMissing(t *testing.T) {
	x := New(Config{Dimensions: 2})
	if x.Delete("nope") {
		t.Error("Delete of a missing id = true")
	}
	x.Add("a", []float32{1, 0}, Attrs{})
	if !x.Delete("a") || x.Delete("a") {
		t.Error("Delete twice: want true then false")
	}
}

// TestDeleteKeepsRecall deletes most of an index in random order and
// checks that repairs keep recall, that no deleted id comes back, and that
// freed nodes are reused.
func TestDeleteKeepsRecall(t *testing.T) {
	d := newDataset(11, 32, 40)
	vecs := d.points(3000)
	d.reseed(11, 5)
	queries := d.points(100)
	var saved bytes.Buffer
	if _, err := build(t, Config{Dimensions: 32, Seed: 2}, vecs).WriteTo(&saved); err != nil {
		t.Fatal(err)
	}
	for _, maxDeleted := range []float64{0, 0.3, -1} {
		t.Run(fmt.Sprintf("maxDeleted=%v", maxDeleted), func(t *testing.T) {
			x := New(Config{Dimensions: 32, MaxDeleted: maxDeleted, Seed: 2})
			if _, err := x.ReadFrom(bytes.NewReader(saved.Bytes())); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			order := rng.Perm(len(vecs))
			deleted := map[string]bool{}
			for _, i := range order[:len(order)*6/10] {
				if !x.Delete(docID(i)) {
					t.Fatalf("Delete(%s) = false", docID(i))
				}
				deleted[docID(i)] = true
			}
			checkGraph(t, x)
			st := x.Stats()
			if st.Live != len(vecs)-len(deleted) {
				t.Fatalf("Live = %d, want %d", st.Live, len(vecs)-len(deleted))
			}
			if maxDeleted >= 0 {
				limit := New(Config{MaxDeleted: maxDeleted}).cfg.MaxDeleted
				if frac := float64(st.Deleted) / float64(st.Live+st.Deleted); frac > limit {
					t.Errorf("%d tombstones (%.2f), more than MaxDeleted %v", st.Deleted, frac, limit)
				}
			} else if st.Deleted != len(deleted) {
				t.Errorf("Deleted = %d with automatic repair off, want %d", st.Deleted, len(deleted))
			}

			measure := func(stage string) {
				t.Helper()
				var got, want [][]Hit
				for _, q := range queries {
					hits := x.Search(q, 10, nil)
					for _, h := range hits {
						if deleted[h.ID] {
							t.Fatalf("%s: deleted %s returned", stage, h.ID)
						}
					}
					got = append(got, hits)
					want = append(want, x.Exact(q, 10, nil))
				}
				r := recall(got, want)
				t.Logf("%s: recall@10 = %.4f", stage, r)
				if r < 0.95 {
					t.Errorf("%s: recall@10 = %.4f, want >= 0.95", stage, r)
				}
			}
			measure("after deletes")
			x.Compact()
			checkGraph(t, x)
			if st := x.Stats(); st.Deleted != 0 || st.Free == 0 {
				t.Errorf("after Compact: %+v, want no tombstones and some free nodes", st)
			}
			measure("after Compact")

			// Re-adding reuses freed nodes instead of growing.
			slots := len(x.g.state)
			for _, i := range order[:len(order)/2] {
				if err := x.Add(docID(i), vecs[i], testAttrs(i)); err != nil {
					t.Fatal(err)
				}
				delete(deleted, docID(i))
			}
			checkGraph(t, x)
			if len(x.g.state) != slots {
				t.Errorf("node slots grew from %d to %d with free ones available", slots, len(x.g.state))
			}
			measure("after re-adding")
		})
	}
}

// TestFilter checks that filters are never bypassed and that Search finds
// k hits whenever k accepted vectors exist, on the graph and by scanning.
func TestFilter(t *testing.T) {
	d := newDataset(5, 16, 20)
	vecs := d.points(2000)
	d.reseed(5, 9)
	queries := d.points(30)
	x := build(t, Config{Dimensions: 16}, vecs)
	// Vectors 0..9 alone have class bit 63, and 0..2 alone group "three".
	for i := range 10 {
		a := Attrs{Classes: 1 << 63}
		if i < 3 {
			a.Group = "three"
		}
		if err := x.Add(docID(i), vecs[i], a); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		filter  func(Attrs) bool
		allowed int
	}{
		{"all", func(Attrs) bool { return true }, 2000},
		{"none", func(Attrs) bool { return false }, 0},
		{"half", func(a Attrs) bool { return a.Classes&0xaaaaaaaaaaaaaaaa != 0 }, -1},
		{"one group", func(a Attrs) bool { return a.Group == "org13" }, -1},
		{"exactly k", func(a Attrs) bool { return a.Classes == 1<<63 }, 10},
		{"fewer than k", func(a Attrs) bool { return a.Group == "three" }, 3},
	}
	for _, tc := range tests {
		if tc.allowed < 0 {
			tc.allowed = 0
			for i := range vecs {
				x.mu.RLock()
				if tc.filter(x.g.attrs[x.g.byID[docID(i)]]) {
					tc.allowed++
				}
				x.mu.RUnlock()
			}
		}
		for _, scanBelow := range []int{0, -1} {
			t.Run(fmt.Sprintf("%s/scanBelow=%v", tc.name, scanBelow), func(t *testing.T) {
				x.cfg.ScanBelow = New(Config{ScanBelow: scanBelow}).cfg.ScanBelow
				defer func() { x.cfg.ScanBelow = DefaultScanBelow }()
				for _, q := range queries {
					hits := x.Search(q, 10, tc.filter)
					if want := min(10, tc.allowed); len(hits) != want {
						t.Fatalf("got %d hits, want %d (%d allowed)", len(hits), want, tc.allowed)
					}
					for _, h := range hits {
						x.mu.RLock()
						a := x.g.attrs[x.g.byID[h.ID]]
						x.mu.RUnlock()
						if !tc.filter(a) {
							t.Fatalf("hit %s has attributes %+v that the filter rejects", h.ID, a)
						}
					}
				}
			})
		}
	}
}

func TestSelectivity(t *testing.T) {
	d := newDataset(5, 8, 4)
	for _, n := range []int{100, 5000} {
		x := build(t, Config{Dimensions: 8}, d.points(n))
		for _, groups := range []int{1, 10, 50} {
			f := func(a Attrs) bool {
				var g int
				fmt.Sscanf(a.Group, "org%d", &g)
				return g < groups
			}
			pass := 0
			for _, a := range x.g.attrs {
				if f(a) {
					pass++
				}
			}
			want := float64(pass) / float64(n)
			tol := 1e-9 // small indexes are counted, not sampled
			if n > 256 {
				tol = 4 * math.Sqrt(want*(1-want)/256)
			}
			if got := x.g.selectivity(f); math.Abs(got-want) > tol {
				t.Errorf("n=%d: selectivity %v, want %v ± %v", n, got, want, tol)
			}
		}
	}
}

// TestConcurrent runs searches while a writer adds, replaces and deletes;
// run it with -race.
func TestConcurrent(t *testing.T) {
	d := newDataset(9, 16, 10)
	vecs := d.points(1200)
	x := build(t, Config{Dimensions: 16, MaxDeleted: 0.05}, vecs[:400])
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 4 {
		wg.Go(func() {
			for i := r; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := vecs[i%len(vecs)]
				var filter func(Attrs) bool
				if i%2 == 0 {
					filter = func(a Attrs) bool { return a.Classes&0xff != 0 }
				}
				for _, h := range x.Search(q, 5, filter) {
					if h.ID == "" {
						t.Error("hit without an id")
					}
				}
				x.Len()
			}
		})
	}
	for i := 400; i < len(vecs); i++ {
		if err := x.Add(docID(i), vecs[i], testAttrs(i)); err != nil {
			t.Error(err)
		}
		if i%3 == 0 {
			x.Delete(docID(i - 300))
		}
		if i%7 == 0 {
			x.Add(docID(i-100), vecs[i-50], testAttrs(i))
		}
	}
	close(stop)
	wg.Wait()
	checkGraph(t, x)
}

func TestDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for n := range 40 {
		a, b := make([]float32, n), make([]float32, n)
		var want float64
		for i := range a {
			a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
			want += float64(a[i]) * float64(b[i])
		}
		if got := dot(a, b); math.Abs(float64(got)-want) > 1e-4 {
			t.Errorf("n=%d: dot = %v, want %v", n, got, want)
		}
	}
}
