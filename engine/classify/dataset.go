package classify

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// dataset is a featurised set of examples: a sparse matrix in compressed
// rows, and label indices. The dense vector of an example, when there is
// one, sits in its row after the sparse features, as columns from the
// vocabulary's size on.
type dataset struct {
	indptr []int // row i is cols[indptr[i]:indptr[i+1]]
	cols   []int32
	vals   []float32
	labels []int32
}

func (d *dataset) len() int { return len(d.labels) }

// row returns example i's columns and values.
func (d *dataset) row(i int) ([]int32, []float32) {
	lo, hi := d.indptr[i], d.indptr[i+1]
	return d.cols[lo:hi], d.vals[lo:hi]
}

// parallel runs fn(w) for w in [0, n) at once and waits for all.
func parallel(n int, fn func(w int)) {
	if n <= 1 {
		fn(0)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w)
		}()
	}
	fn(0)
	wg.Wait()
}

// span returns the w-th of n near-equal parts of [0, total).
func span(total, n, w int) (int, int) {
	return total * w / n, total * (w + 1) / n
}

// workers returns how many goroutines to use: the request, or GOMAXPROCS.
func workers(requested int) int {
	if requested > 0 {
		return requested
	}
	return runtime.GOMAXPROCS(0)
}

// learnVocabulary hashes every text and keeps the buckets found in at
// least minDF of them, with smoothed inverse document frequency
// ln((1+n)/(1+df)) + 1.
func learnVocabulary(ctx context.Context, f *featurizer, texts []string, nw int) (*vocabulary, error) {
	size := 1 << uint(f.s.HashBits)
	dfs := make([][]int32, nw)
	errs := make([]error, nw)
	parallel(nw, func(w int) {
		df := make([]int32, size)
		seen := make([]int32, size) // last text (1-based) that counted each bucket
		var sc scratch
		lo, hi := span(len(texts), nw, w)
		for i := lo; i < hi; i++ {
			if (i-lo)%512 == 0 && ctx.Err() != nil {
				errs[w] = ctx.Err()
				return
			}
			f.buckets(texts[i], &sc)
			for _, list := range [][]uint32{sc.words, sc.chars} {
				for _, b := range list {
					if seen[b] != int32(i+1) {
						seen[b] = int32(i + 1)
						df[b]++
					}
				}
			}
		}
		dfs[w] = df
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	df := dfs[0]
	for _, other := range dfs[1:] {
		for b, n := range other {
			df[b] += n
		}
	}
	v := &vocabulary{}
	n := float64(len(texts))
	for b, k := range df {
		if int(k) >= f.s.MinDF {
			v.buckets = append(v.buckets, uint32(b))
			v.idf = append(v.idf, float32(math.Log((1+n)/(1+float64(k)))+1))
		}
	}
	v.index()
	return v, nil
}

// featurise turns examples into a dataset over the vocabulary, with dim
// dense columns after it. labelOf maps a label to its index.
func featurise(ctx context.Context, f *featurizer, v *vocabulary, examples []Example, labelOf map[string]int32, dim, nw int) (*dataset, error) {
	type part struct {
		cols   []int32
		vals   []float32
		counts []int
	}
	parts := make([]part, nw)
	errs := make([]error, nw)
	nFeat := int32(len(v.buckets))
	parallel(nw, func(w int) {
		var sc scratch
		p := &parts[w]
		dense := make([]float32, dim)
		lo, hi := span(len(examples), nw, w)
		for i := lo; i < hi; i++ {
			if (i-lo)%512 == 0 && ctx.Err() != nil {
				errs[w] = ctx.Err()
				return
			}
			f.vector(v, examples[i].Text, &sc)
			p.cols = append(p.cols, sc.cols...)
			p.vals = append(p.vals, sc.vals...)
			count := len(sc.cols)
			if dim > 0 && len(examples[i].Dense) == dim {
				normaliseInto(dense, examples[i].Dense)
				for j, x := range dense {
					if x != 0 {
						p.cols = append(p.cols, nFeat+int32(j))
						p.vals = append(p.vals, x)
						count++
					}
				}
			}
			p.counts = append(p.counts, count)
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	d := &dataset{indptr: make([]int, 1, len(examples)+1)}
	for _, p := range parts {
		d.cols = append(d.cols, p.cols...)
		d.vals = append(d.vals, p.vals...)
		for _, k := range p.counts {
			d.indptr = append(d.indptr, d.indptr[len(d.indptr)-1]+k)
		}
	}
	d.labels = make([]int32, len(examples))
	for i, e := range examples {
		y, ok := labelOf[e.Label]
		if !ok {
			return nil, fmt.Errorf("classify: example %d: unknown label %q", i+1, e.Label)
		}
		d.labels[i] = y
	}
	return d, nil
}

// centroids returns the centroid of each of the k labels over the first
// nFeat columns of d (the TF-IDF vectors, not the dense ones), laid out as
// the weights are, k values a column, each label's scaled to unit length.
func centroids(d *dataset, nFeat, k int) []float32 {
	c := make([]float32, nFeat*k)
	for i := range d.len() {
		cols, vals := d.row(i)
		y := int(d.labels[i])
		for x, col := range cols {
			if int(col) < nFeat {
				c[int(col)*k+y] += vals[x]
			}
		}
	}
	scale := make([]float64, k)
	for i, v := range c {
		scale[i%k] += float64(v) * float64(v)
	}
	for j, sum := range scale {
		if sum > 0 {
			scale[j] = 1 / math.Sqrt(sum)
		}
	}
	for i := range c {
		c[i] *= float32(scale[i%k])
	}
	return c
}

// normaliseInto writes src scaled to unit length into dst (zeros if src is
// empty or all zero). dst and src have the same length unless src is nil.
func normaliseInto(dst, src []float32) {
	var sum float64
	for _, x := range src {
		sum += float64(x) * float64(x)
	}
	if len(src) == 0 || sum == 0 {
		clear(dst)
		return
	}
	k := float32(1 / math.Sqrt(sum))
	for i, x := range src {
		dst[i] = x * k
	}
}
