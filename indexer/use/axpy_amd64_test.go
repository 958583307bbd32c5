package use

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestEmbedMatchesReferenceWithoutFMA runs the reference check on the
// portable path, which machines without AVX2 and FMA take.
func TestEmbedMatchesReferenceWithoutFMA(t *testing.T) {
	defer func(had bool) { haveFMA = had }(haveFMA)
	haveFMA = false
	checkReference(t)
}

// TestAddRowsMatchesGeneric checks the AVX2 kernel against one Axpy per
// row, for widths that are and are not multiples of eight and any number
// of rows.
func TestAddRowsMatchesGeneric(t *testing.T) {
	if !haveFMA {
		t.Skip("no AVX2 and FMA on this machine")
	}
	r := rand.New(rand.NewPCG(1, 2))
	const stride, rows = 40, 12
	w := make([]float32, stride*rows)
	for i := range w {
		w[i] = r.Float32()*2 - 1
	}
	for _, width := range []int{1, 7, 8, 13, 24, 33} {
		for n := 0; n <= 7; n++ {
			idx, val := make([]int, n), make([]float32, n)
			for j := range n {
				idx[j], val[j] = r.IntN(rows), r.Float32()*2-1
			}
			c0 := r.IntN(stride - width + 1)
			got, want := make([]float32, width), make([]float32, width)
			for i := range got {
				got[i] = r.Float32()
				want[i] = got[i]
			}
			addRows(got, w, stride, c0, idx, val)
			addRowsGeneric(want, w, stride, c0, idx, val)
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5 {
					t.Fatalf("width %d, %d rows, column %d: %g, want %g", width, n, i, got[i], want[i])
				}
			}
		}
	}
}

// BenchmarkKernel embeds one query-like text, and a batch of 64 short
// sentences on two cores, with the AVX2 kernel and with gonum's Axpy, in
// one run: the ratio of the two is the kernel's gain.
func BenchmarkKernel(b *testing.B) {
	e := loadEncoder(b)
	ctx := context.Background()
	query := []string{"My card payment was declined twice when I tried to renew the subscription yesterday"}
	batch := make([]string, 64)
	for i := range batch {
		batch[i] = ticketSentences[i%len(ticketSentences)]
	}
	defer func(had bool) { haveFMA = had }(haveFMA)
	for _, path := range []struct {
		name string
		fma  bool
	}{{"kernel", haveFMA}, {"gonum", false}} {
		haveFMA = path.fma
		for _, texts := range [][]string{query, batch} {
			b.Run(fmt.Sprintf("%s/texts=%d", path.name, len(texts)), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
				for b.Loop() {
					if _, err := e.Embed(ctx, texts); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "texts/s")
			})
		}
	}
}
