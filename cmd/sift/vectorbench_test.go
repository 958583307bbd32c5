package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/hnsw"
	"github.com/siftdesk/sift/indexer/postgres"
	"github.com/siftdesk/sift/models"
)

var (
	vbArticles = flag.Int("vb.articles", 100_000, "articles in BenchmarkVectorBackends")
	vbQueries  = flag.Int("vb.queries", 300, "queries of BenchmarkVectorBackends")
)

const (
	vbDims     = 512 // the built-in embedder's
	vbClusters = 1000
	vbModel    = "bench-clustered"
	vbBatch    = 1000
	vbK        = 10
)

// clustered returns n unit vectors drawn around vbClusters random centres
// (seeded), which, unlike uniform random vectors, have near neighbours the
// way embeddings of a corpus do.
func clustered(seed uint64, centres [][]float32, n int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([][]float32, n)
	for i := range out {
		c := centres[r.IntN(len(centres))]
		v := make([]float32, len(c))
		var norm float64
		for j := range v {
			v[j] = c[j] + float32(r.NormFloat64()*0.35/math.Sqrt(float64(len(c))))
			norm += float64(v[j]) * float64(v[j])
		}
		for j := range v {
			v[j] /= float32(math.Sqrt(norm))
		}
		out[i] = v
	}
	return out
}

// centres returns vbClusters random unit directions: draws about the
// origin, which normalising turns into uniform directions.
func centres(seed uint64) [][]float32 {
	return clustered(seed, [][]float32{make([]float32, vbDims)}, vbClusters)
}

func vbChange(i int, vec []float32) models.Change {
	vis := models.VisibilityPublic
	if i%5 == 0 {
		vis = models.VisibilityInternal
	}
	c, err := models.NewArticleChange(&models.Article{ID: fmt.Sprintf("A-%07d", i), Title: "Article", Visibility: vis})
	if err != nil {
		panic(err)
	}
	c.Vector, c.Model = vec, vbModel
	return c
}

// BenchmarkVectorBackends compares, on one data set, the vector index of
// the PostgreSQL backend (pgvector HNSW, cosine) with an exact scan of the
// same table and with the in-process HNSW index: query latency and
// recall@10 for the customer portal's filter (public articles, 80% of
// them), and the indexing rate into PostgreSQL by batched COPY, without
// and with the HNSW index in place. Run it once; building takes minutes:
//
//	SIFT_TEST_DATABASE_URL=$(.ci/postgres.sh) go test -run '^$' -bench VectorBackends -benchtime 1x -timeout 60m ./cmd/sift
func BenchmarkVectorBackends(b *testing.B) {
	base := needDatabase(b)
	ctx := context.Background()
	url, drop, err := postgres.NewSchema(ctx, base, "bench_vectors")
	if err != nil {
		b.Fatal(err)
	}
	defer drop(context.Background())
	store, err := postgres.Open(ctx, postgres.Config{URL: url, EfSearch: 100})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	exact, err := postgres.Open(ctx, postgres.Config{URL: url + "&enable_indexscan=off"})
	if err != nil {
		b.Fatal(err)
	}
	defer exact.Close()

	cs := centres(1)
	n := *vbArticles
	vecs := clustered(2, cs, n)
	queries := clustered(3, cs, *vbQueries)
	changes := make([]models.Change, n)
	for i, v := range vecs {
		changes[i] = vbChange(i, v)
	}

	// Bulk load without the HNSW index, then build it, then a further
	// 5% written with the index in place (what ongoing writes cost).
	bulk := n * 95 / 100
	start := time.Now()
	for i := 0; i < bulk; i += vbBatch {
		if err := store.Write(ctx, changes[i:min(i+vbBatch, bulk)]); err != nil {
			b.Fatal(err)
		}
	}
	copyRate := float64(bulk) / time.Since(start).Seconds()
	start = time.Now()
	pgIndex, err := store.VectorIndex(ctx, vbModel, vbDims)
	if err == nil {
		err = pgIndex.EnsureIndex(ctx)
	}
	if err != nil {
		b.Fatal(err)
	}
	buildPG := time.Since(start)
	start = time.Now()
	for i := bulk; i < n; i += vbBatch {
		if err := store.Write(ctx, changes[i:min(i+vbBatch, n)]); err != nil {
			b.Fatal(err)
		}
	}
	incrRate := float64(n-bulk) / time.Since(start).Seconds()
	exactIndex, err := exact.VectorIndex(ctx, vbModel, vbDims)
	if err != nil {
		b.Fatal(err)
	}

	start = time.Now()
	mem := hnsw.NewVectors(vbModel, vbDims)
	for i := 0; i < n; i += vbBatch {
		if err := mem.Write(ctx, changes[i:min(i+vbBatch, n)]); err != nil {
			b.Fatal(err)
		}
	}
	buildMem := time.Since(start)

	public := models.ArticleFilter{Visibilities: []models.Visibility{models.VisibilityPublic}}
	type side struct {
		name string
		idx  interface {
			SearchArticles(ctx context.Context, vec []float32, k int, f models.ArticleFilter) ([]models.VectorHit, error)
		}
		lat   []time.Duration
		found int
	}
	sides := []*side{{name: "exact", idx: exactIndex}, {name: "pgvector", idx: pgIndex}, {name: "inproc", idx: mem}}
	truth := make([][]string, len(queries))
	for b.Loop() {
		for _, s := range sides {
			s.lat, s.found = s.lat[:0], 0
			for qi, q := range queries {
				t0 := time.Now()
				hits, err := s.idx.SearchArticles(ctx, q, vbK, public)
				s.lat = append(s.lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				var ids []string
				for _, h := range hits {
					ids = append(ids, h.ID)
				}
				if s.name == "exact" {
					truth[qi] = ids
				}
				for _, id := range ids {
					if slices.Contains(truth[qi], id) {
						s.found++
					}
				}
			}
		}
	}
	for _, s := range sides {
		slices.Sort(s.lat)
		b.ReportMetric(float64(s.lat[len(s.lat)/2].Microseconds()), s.name+"-p50-µs")
		b.ReportMetric(float64(s.lat[len(s.lat)*99/100].Microseconds()), s.name+"-p99-µs")
		b.ReportMetric(float64(s.found)/float64(vbK*len(queries)), s.name+"-recall@10")
	}
	b.ReportMetric(copyRate, "pg-copy-docs/s")
	b.ReportMetric(incrRate, "pg-indexed-docs/s")
	b.ReportMetric(buildPG.Seconds(), "pg-hnsw-build-s")
	b.ReportMetric(buildMem.Seconds(), "inproc-build-s")
}
