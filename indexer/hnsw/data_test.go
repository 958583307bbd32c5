package hnsw

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// dataset draws synthetic embeddings shaped like those of text: clusters
// (topics) of uneven size, each spreading along a few directions of its
// own (sub-topics) with a little noise in every direction. Uniform random
// vectors would be unrealistic: in high dimensions they are all nearly
// orthogonal, which no embedding model produces.
type dataset struct {
	dim     int
	rank    int     // directions of spread within a cluster
	spread  float64 // scale of the spread along the first direction
	noise   float64 // norm of the isotropic noise
	centres [][]float32
	bases   [][][]float32 // per cluster, rank directions
	weights []float64     // cumulative cluster weights
	rng     *rand.Rand
}

const (
	dataRankPer = 8   // a cluster spreads along dim/dataRankPer directions
	dataSpread  = 0.8 // scale of the spread along the first direction
	dataNoise   = 0.6 // norm of the isotropic noise

	dataTopicsPerTheme = 20
	dataThemeSpread    = 0.8 // distance of a topic from its theme

	// dataVersion names the generator's output; change it with the
	// generator so that cached benchmark indexes are rebuilt.
	dataVersion = 2
)

func newDataset(seed uint64, dim, clusters int) *dataset {
	return newDatasetP(seed, dim, clusters, max(4, dim/dataRankPer), dataSpread, dataNoise)
}

func newDatasetP(seed uint64, dim, clusters, rank int, spread, noise float64) *dataset {
	d := &dataset{dim: dim, rank: rank, spread: spread, noise: noise, rng: rand.New(rand.NewPCG(seed, 1))}
	// Topics gather around a few themes, so that neighbouring topics
	// overlap as they do in real corpora.
	var themes [][]float32
	for range max(1, clusters/dataTopicsPerTheme) {
		themes = append(themes, d.unit())
	}
	total := 0.0
	for c := range clusters {
		centre := d.unit()
		theme := themes[d.rng.IntN(len(themes))]
		for i := range centre {
			centre[i] = theme[i] + dataThemeSpread*centre[i]
		}
		normalize(centre, centre)
		d.centres = append(d.centres, centre)
		var basis [][]float32
		for range d.rank {
			basis = append(basis, d.unit())
		}
		d.bases = append(d.bases, basis)
		total += 1 / math.Sqrt(float64(c+1)) // Zipf-like topic sizes
		d.weights = append(d.weights, total)
	}
	for i := range d.weights {
		d.weights[i] /= total
	}
	return d
}

// reseed switches d to another stream of random points from the same
// clusters, so that queries can be drawn without drawing the data first.
func (d *dataset) reseed(seed, stream uint64) {
	d.rng = rand.New(rand.NewPCG(seed, stream))
}

func (d *dataset) unit() []float32 {
	v := make([]float32, d.dim)
	for i := range v {
		v[i] = float32(d.rng.NormFloat64())
	}
	normalize(v, v)
	return v
}

// point draws one vector, not normalised.
func (d *dataset) point() []float32 {
	u := d.rng.Float64()
	c := 0
	for c < len(d.weights)-1 && d.weights[c] < u {
		c++
	}
	v := make([]float32, d.dim)
	copy(v, d.centres[c])
	for j, b := range d.bases[c] {
		z := float32(d.rng.NormFloat64() * d.spread / math.Sqrt(float64(j+1)))
		for i := range v {
			v[i] += z * b[i]
		}
	}
	s := float32(d.noise / math.Sqrt(float64(d.dim)))
	for i := range v {
		v[i] += s * float32(d.rng.NormFloat64())
	}
	return v
}

func (d *dataset) points(n int) [][]float32 {
	p := make([][]float32, n)
	for i := range p {
		p[i] = d.point()
	}
	return p
}

func docID(i int) string { return fmt.Sprintf("doc-%06d", i) }

// testAttrs gives vector i attributes that are independent of its position:
// one of 64 class bits and one of 100 groups.
func testAttrs(i int) Attrs {
	h := uint64(i) * 0x9e3779b97f4a7c15
	return Attrs{Classes: 1 << (h >> 58), Group: fmt.Sprintf("org%02d", (h>>20)%100)}
}

// build adds vecs to a new index under docID(i) and testAttrs(i).
func build(tb testing.TB, cfg Config, vecs [][]float32) *Index {
	tb.Helper()
	x := New(cfg)
	for i, v := range vecs {
		if err := x.Add(docID(i), v, testAttrs(i)); err != nil {
			tb.Fatal(err)
		}
	}
	return x
}

// recall returns the mean fraction of exact's hits that approx found.
func recall(approx, exact [][]Hit) float64 {
	found, total := 0, 0
	for q := range exact {
		want := map[string]bool{}
		for _, h := range exact[q] {
			want[h.ID] = true
		}
		for _, h := range approx[q] {
			if want[h.ID] {
				found++
			}
		}
		total += len(exact[q])
	}
	if total == 0 {
		return 1
	}
	return float64(found) / float64(total)
}
