package hnsw

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// The search benchmark's data set. Building its index takes minutes, so
// the index is kept in the system's temporary directory and reused by the
// next run with the same parameters; -hnsw.rebuild builds it anew.
var (
	benchN       = flag.Int("hnsw.n", 100_000, "vectors in the search benchmark's index")
	benchDim     = flag.Int("hnsw.dim", 512, "dimensions of the search benchmark's vectors")
	benchQueries = flag.Int("hnsw.queries", 500, "queries of the search benchmark")
	benchRebuild = flag.Bool("hnsw.rebuild", false, "build the search benchmark's index even when a cached one exists")
)

const (
	benchSeed     = 42
	benchClusters = 1000
	benchK        = 10
)

type benchFixture struct {
	x        *Index
	queries  [][]float32
	built    time.Duration // 0 when the index was loaded from the cache
	builtCPU time.Duration // CPU time of the build, when known
	loaded   time.Duration
	heap     uint64 // bytes the index added to the heap
	fileSize int64
}

var fixture struct {
	once sync.Once
	f    *benchFixture
	err  error
}

func benchCfg() Config {
	return Config{Dimensions: *benchDim, Model: "synthetic-clustered", Seed: benchSeed}
}

func loadFixture(b *testing.B) *benchFixture {
	fixture.once.Do(func() { fixture.f, fixture.err = makeFixture(b) })
	if fixture.err != nil {
		b.Fatal(fixture.err)
	}
	return fixture.f
}

func makeFixture(b *testing.B) (*benchFixture, error) {
	cfg := benchCfg().withDefaults()
	name := fmt.Sprintf("sift-hnsw-bench-n%d-d%d-c%d-data%d-M%d-efc%d-s%d-v%d.idx",
		*benchN, cfg.Dimensions, benchClusters, dataVersion, cfg.M, cfg.EfConstruction, benchSeed, formatVersion)
	path := filepath.Join(os.TempDir(), name)
	f := &benchFixture{}
	d := newDataset(benchSeed, cfg.Dimensions, benchClusters)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var err error
	if !*benchRebuild {
		start := time.Now()
		f.x, err = Load(context.Background(), path, cfg)
		f.loaded = time.Since(start)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			b.Logf("cached index unusable, rebuilding: %v", err)
		}
	}
	if f.x == nil {
		d.reseed(benchSeed, 1)
		vecs := d.points(*benchN)
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.Logf("building %d x %d index (cached afterwards in %s)", *benchN, cfg.Dimensions, path)
		start := time.Now()
		cpu0, _ := threadCPU()
		f.x = New(cfg)
		for i, v := range vecs {
			if err := f.x.Add(docID(i), v, testAttrs(i)); err != nil {
				return nil, err
			}
		}
		f.built = time.Since(start)
		if cpu1, ok := threadCPU(); ok {
			f.builtCPU = cpu1 - cpu0
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(vecs)
		if err := f.x.Save(context.Background(), path); err != nil {
			return nil, err
		}
	} else {
		runtime.GC()
		runtime.ReadMemStats(&after)
	}
	f.heap = after.HeapAlloc - before.HeapAlloc
	if fi, err := os.Stat(path); err == nil {
		f.fileSize = fi.Size()
	}
	d.reseed(benchSeed, 2)
	f.queries = d.points(*benchQueries)
	return f, nil
}

// latencies records per-query wall-clock and CPU time.
type latencies struct {
	wall, cpu []time.Duration
	hasCPU    bool
}

func (l *latencies) measure(f func()) {
	c0, ok := threadCPU()
	t0 := time.Now()
	f()
	l.wall = append(l.wall, time.Since(t0))
	if c1, ok1 := threadCPU(); ok && ok1 {
		l.cpu = append(l.cpu, c1-c0)
		l.hasCPU = true
	}
}

func percentile(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(p*float64(len(s))))].Nanoseconds()) / 1e3
}

func (l *latencies) report(b *testing.B, prefix string) {
	b.ReportMetric(percentile(l.wall, 0.50), prefix+"p50-µs")
	b.ReportMetric(percentile(l.wall, 0.99), prefix+"p99-µs")
	if l.hasCPU {
		b.ReportMetric(percentile(l.cpu, 0.50), prefix+"p50-cpu-µs")
		b.ReportMetric(percentile(l.cpu, 0.99), prefix+"p99-cpu-µs")
	}
}

// BenchmarkSearch measures Search on 100,000 clustered vectors of 512
// dimensions against the exact scan: recall@10 against Exact, p50 and p99
// latency of both (wall clock, and CPU time of the searching thread where
// the system tells it, which a busy machine does not inflate), the
// index's build time and memory. Run it with -cpu 1 for the one-core
// figures:
//
//	go test -run '^$' -bench Search -cpu 1 ./indexer/hnsw/
//
// Each sub-benchmark is one filter: none; n% of 64 access classes; and one
// organisation in 100 (1%). Variants force the graph where Search would
// scan ("-graph"), or force the search that computes the similarity of
// every node it walks through ("-1hop") or the one that steps over
// rejected nodes ("-2hop") where Search would choose the other, for
// comparison.
func BenchmarkSearch(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f := loadFixture(b)
	classes := func(n int) func(Attrs) bool { // n of 64 classes
		mask := uint64(1)<<n - 1
		mask = mask<<(64-n) | mask>>n // spread off bit 0
		return func(a Attrs) bool { return a.Classes&mask != 0 }
	}
	group := func(a Attrs) bool { return a.Group == "org07" }
	const never = -1
	filters := []struct {
		name      string
		filter    func(Attrs) bool
		scanBelow int // 0: the default; never: always the graph
		hops      int // 0: by selectivity; 1 or 2: forced
	}{
		{"none", nil, 0, 0},
		{"class50%", classes(32), 0, 0},
		{"class50%-2hop", classes(32), 0, 2},
		{"class30%", classes(19), 0, 0},
		{"class30%-1hop", classes(19), 0, 1},
		{"class9%", classes(6), 0, 0},
		{"class9%-1hop", classes(6), 0, 1},
		{"class5%", classes(3), 0, 0},
		{"class5%-1hop", classes(3), never, 1},
		{"class3%-graph", classes(2), never, 0},
		{"class1.6%-graph", classes(1), never, 0},
		{"group1%", group, 0, 0},
		{"group1%-graph", group, never, 0},
		{"group1%-graph-1hop", group, never, 1},
	}
	for _, fl := range filters {
		b.Run(fl.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			x := f.x
			savedScan, savedHop := x.cfg.ScanBelow, x.twoHopBelow
			if fl.scanBelow != 0 {
				x.cfg.ScanBelow = fl.scanBelow
			}
			switch fl.hops {
			case 1:
				x.twoHopBelow = 0
			case 2:
				x.twoHopBelow = 2
			}
			defer func() { x.cfg.ScanBelow, x.twoHopBelow = savedScan, savedHop }()

			var exactLat latencies
			truth := make([][]Hit, len(f.queries))
			for i, q := range f.queries {
				exactLat.measure(func() { truth[i] = x.Exact(q, benchK, fl.filter) })
			}
			got := make([][]Hit, len(f.queries))
			for i, q := range f.queries {
				got[i] = x.Search(q, benchK, fl.filter)
			}

			var lat latencies
			i := 0
			for b.Loop() {
				q := f.queries[i%len(f.queries)]
				i++
				lat.measure(func() { x.Search(q, benchK, fl.filter) })
			}
			b.ReportMetric(recall(got, truth), "recall@10")
			lat.report(b, "")
			exactLat.report(b, "exact-")
			if fl.filter == nil {
				if f.built > 0 {
					b.ReportMetric(f.built.Seconds(), "build-s")
					if f.builtCPU > 0 {
						b.ReportMetric(f.builtCPU.Seconds(), "build-cpu-s")
					}
				} else {
					b.ReportMetric(f.loaded.Seconds(), "load-s")
				}
				b.ReportMetric(float64(f.heap)/(1<<20), "heap-MiB")
				st := x.Stats()
				b.ReportMetric(float64(st.Bytes)/float64(st.Live), "B/vector")
				b.ReportMetric(float64(f.fileSize)/(1<<20), "file-MiB")
			}
		})
	}
}

// BenchmarkDot measures the distance function on 512 dimensions.
func BenchmarkDot(b *testing.B) {
	d := newDataset(1, 512, 1)
	u, v := d.unit(), d.unit()
	for b.Loop() {
		dot(u, v)
	}
}

// BenchmarkSearchAfterDelete deletes a random 10% of the search
// benchmark's index and reports recall@10 with the tombstones in place
// ("tombstoned-recall@10"), the time Compact takes to repair them, and
// recall@10 after the repair; it then measures Search as BenchmarkSearch
// does. It works on a copy, read back from the cached file.
func BenchmarkSearchAfterDelete(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f := loadFixture(b)
	var buf bytes.Buffer
	if _, err := f.x.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	cfg := benchCfg()
	cfg.MaxDeleted = -1
	x := New(cfg)
	if _, err := x.ReadFrom(&buf); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(benchSeed, 3))
	n := x.Len()
	for _, i := range rng.Perm(n)[:n/10] {
		x.Delete(docID(i))
	}
	measure := func() float64 {
		var got, want [][]Hit
		for _, q := range f.queries {
			got = append(got, x.Search(q, benchK, nil))
			want = append(want, x.Exact(q, benchK, nil))
		}
		return recall(got, want)
	}
	tombRecall := measure()
	start := time.Now()
	cpu0, _ := threadCPU()
	x.Compact()
	compact := time.Since(start)
	cpu1, hasCPU := threadCPU()
	after := measure()

	var lat latencies
	i := 0
	for b.Loop() {
		q := f.queries[i%len(f.queries)]
		i++
		lat.measure(func() { x.Search(q, benchK, nil) })
	}
	// b.Loop drops metrics reported before it, so report them here.
	lat.report(b, "")
	b.ReportMetric(tombRecall, "tombstoned-recall@10")
	b.ReportMetric(compact.Seconds(), "compact-s")
	if hasCPU {
		b.ReportMetric((cpu1 - cpu0).Seconds(), "compact-cpu-s")
	}
	b.ReportMetric(after, "recall@10")
}
