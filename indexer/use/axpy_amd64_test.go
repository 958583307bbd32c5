package use

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// restoreKernels puts back the kernels' flags as the CPU has them when the
// test ends, so that a test may turn kernels off.
func restoreKernels(t testing.TB) {
	fma, avx512, vnni := haveFMA, haveAVX512, haveVNNI
	t.Cleanup(func() { haveFMA, haveAVX512, haveVNNI = fma, avx512, vnni })
}

// TestEmbedMatchesReferenceWithoutVNNI runs the reference check with the
// 8-bit products computed by the blocked AVX-512 kernel in float32
// (productFloat), which machines with AVX-512 but not its VNNI
// instructions take, and checks that the vectors are those of the VNNI
// kernel: machines with and without it must agree, or models fitted on one
// (engine/relevance, engine/answer, engine/duplicate) would not be the ones
// the other fits.
func TestEmbedMatchesReferenceWithoutVNNI(t *testing.T) {
	restoreKernels(t)
	if !haveVNNI {
		// TestEmbedMatchesReference runs productFloat on this machine.
		t.Skip("no AVX-512 VNNI on this machine to compare with")
	}
	e := loadEncoder(t)
	var texts []string
	for _, c := range loadReference(t).Cases {
		texts = append(texts, c.Text)
	}
	want, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	haveVNNI = false
	checkReference(t)
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range texts {
		if d := maxAbsDiff(got[i], want[i]); d > tolerance {
			t.Errorf("Embed(%q): %.3g apart without VNNI and with, want <= %g", short(texts[i]), d, tolerance)
		} else {
			worst = max(worst, d)
		}
	}
	t.Logf("%d texts: at most %.3g apart without VNNI and with", len(texts), worst)
}

// TestEmbedMatchesReferenceWithoutAVX512 runs the reference check on the
// row-adding path with AVX2 and FMA, which machines without AVX-512 take.
func TestEmbedMatchesReferenceWithoutAVX512(t *testing.T) {
	restoreKernels(t)
	haveAVX512, haveVNNI = false, false
	checkReference(t)
}

// TestEmbedMatchesReferenceWithoutFMA runs the reference check on the
// portable path, which machines without AVX2 and FMA take.
func TestEmbedMatchesReferenceWithoutFMA(t *testing.T) {
	restoreKernels(t)
	haveFMA, haveAVX512, haveVNNI = false, false, false
	checkReference(t)
}

// randomFloats returns n floats drawn uniformly from [-1, 1).
func randomFloats(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	return x
}

// TestGemmBlocked checks the blocked kernel against a plain triple loop,
// for row counts that are and are not multiples of four, depths below and
// above one block of kernelK, and row strides wider than the matrices.
func TestGemmBlocked(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	r := rand.New(rand.NewPCG(3, 4))
	random := func(n int) []float32 { return randomFloats(r, n) }
	for _, rows := range []int{1, 3, 4, 5, 9} {
		for _, k := range []int{1, 7, 256, 300, 600} {
			for _, cols := range []int{64, 192} {
				lda, ldb, ldc := k+3, cols+64, cols+5
				a, b, c := random(rows*lda), random(k*ldb), random(rows*ldc)
				want := append([]float32(nil), c...)
				for i := range rows {
					for j := range cols {
						var sum float64
						for l := range k {
							sum += float64(a[i*lda+l]) * float64(b[l*ldb+j])
						}
						want[i*ldc+j] += float32(sum)
					}
				}
				if !gemmBlocked(rows, k, cols, a, lda, b, ldb, c, ldc) {
					t.Fatal("gemmBlocked did not run")
				}
				for i := range c {
					if d := math.Abs(float64(c[i] - want[i])); d > 1e-4 {
						t.Fatalf("%d×%d·%d×%d: element %d is %g, want %g", rows, k, k, cols, i, c[i], want[i])
					}
				}
			}
		}
	}
	if gemmBlocked(4, 8, 32, make([]float32, 32), 8, make([]float32, 256), 32, make([]float32, 128), 32) {
		t.Error("gemmBlocked ran on 32 columns, not a multiple of 64")
	}
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
	w := randomFloats(r, stride*rows)
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
// sentences on two cores, on each path in one run: 8-bit products with
// AVX-512 VNNI where the weights are quantized, the blocked AVX-512 kernel
// in float32, adding rows four at a time with AVX2, and gonum's Axpy. The
// ratios are the kernels' gains.
func BenchmarkKernel(b *testing.B) {
	e := loadEncoder(b)
	ctx := context.Background()
	query := []string{"My card payment was declined twice when I tried to renew the subscription yesterday"}
	batch := make([]string, 64)
	for i := range batch {
		batch[i] = ticketSentences[i%len(ticketSentences)]
	}
	restoreKernels(b)
	for _, path := range []struct {
		name              string
		fma, avx512, vnni bool
	}{
		{"int8", haveFMA, haveAVX512, haveVNNI},
		{"blocked", haveFMA, haveAVX512, false},
		{"rows", haveFMA, false, false},
		{"gonum", false, false, false},
	} {
		haveFMA, haveAVX512, haveVNNI = path.fma, path.avx512, path.vnni
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

// TestSoftmaxRow checks the AVX-512 softmax against the portable one, on
// rows of scores from -60 to 60 of every length up to two vectors past a
// multiple of 64.
func TestSoftmaxRow(t *testing.T) {
	if !haveAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	r := rand.New(rand.NewPCG(7, 8))
	for n := 1; n <= 96; n++ {
		width := (n + 63) &^ 63
		row := make([]float32, width)
		for j := range row {
			row[j] = r.Float32()*120 - 60
		}
		want := append([]float32(nil), row[:n]...)
		softmax(want)
		softmaxRow(row, n)
		for j, w := range want {
			if d := math.Abs(float64(row[j] - w)); d > 1e-6*float64(w)+1e-12 {
				t.Fatalf("n %d: entry %d is %g, want %g", n, j, row[j], w)
			}
		}
	}
}
