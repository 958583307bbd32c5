package use

import (
	"slices"

	"golang.org/x/sys/cpu"
)

// haveVNNI reports whether kernel4x64Int8 can run: it needs AVX-512 with
// the VNNI instructions.
var haveVNNI = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VNNI

// kernel4x64Int8 adds to a 4×64 block of C (row stride ldc floats) the
// product of a 4-row block of quantized inputs (n groups of four bytes per
// row, row stride lda bytes) and a 64-column block of an int8Matrix's
// packed weights, scaled back to floats. In int8_amd64.s.
//
//go:noescape
func kernel4x64Int8(n int, a *uint8, lda int, b *int8, c *float32, ldc int, rowScale, rowMin, colScale, colSum *float32)

// rowRange writes the lane-wise minimum and maximum of a[:n] to lo and hi,
// for n a positive multiple of 16. In int8_amd64.s.
//
//go:noescape
func rowRange(a *float32, n int, lo, hi *[16]float32)

// bytesAVX512 sets q[l] to (a[l]-lo)·inv rounded to the nearest integer
// and saturated to 0..255, for l < n, n a multiple of 16. In
// int8_amd64.s.
//
//go:noescape
func bytesAVX512(a *float32, q *uint8, n int, lo, inv float32)

// scaleAddFMA is scaleAdd for n a multiple of 8, with AVX2 and FMA. In
// int8_amd64.s.
//
//go:noescape
func scaleAddFMA(c, sum, colSum, colScale *float32, n int, scale, lo float32)

// scaleAdd sets c[j] to colScale[j]·(scale·sum[j] + lo·colSum[j]) + c[j],
// as kernel4x64Int8 scales a sum back: a product, then two fused
// multiply-adds.
func scaleAdd(c, sum, colSum, colScale []float32, scale, lo float32) {
	if !haveFMA || len(c)%8 != 0 {
		scaleAddGeneric(c, sum, colSum, colScale, scale, lo)
		return
	}
	scaleAddFMA(&c[0], &sum[0], &colSum[0], &colScale[0], len(c), scale, lo)
}

// valueRange returns the least and the greatest of x.
func valueRange(x []float32) (lo, hi float32) {
	if !haveAVX512 || len(x)%16 != 0 {
		return valueRangeGeneric(x)
	}
	var los, his [16]float32
	rowRange(&x[0], len(x), &los, &his)
	return slices.Min(los[:]), slices.Max(his[:])
}

// toBytes sets q[l] to (x[l]-lo)·inv, in float32, rounded to the nearest
// integer (ties to even) and saturated to 0..255.
func toBytes(x []float32, q []uint8, lo, inv float32) {
	if !haveAVX512 || len(x)%16 != 0 {
		toBytesGeneric(x, q, lo, inv)
		return
	}
	bytesAVX512(&x[0], &q[0], len(x), lo, inv)
}

// int8Columns adds the output columns [c0, c1) of a·m to c, for q,
// rowScale and rowMin a's rows quantized (quantizeRows) and c rows×m.n;
// c0 and c1 are multiples of 64. The kernel runs once per group of rows of
// m, adding each group's product, scaled back to floats, to c. Rows past
// the last multiple of four go through a padded copy.
func int8Columns(rows int, q []uint8, rowScale, rowMin []float32, m *int8Matrix, c []float32, c0, c1 int) {
	k, n, group := m.k, m.n, m.group
	groups := k / group
	full := rows &^ (kernelRows - 1)
	var tailC [kernelRows * kernelCols]float32
	var tailQ []uint8
	var tailScale, tailMin []float32
	if full < rows {
		tailQ = make([]uint8, kernelRows*k)
		copy(tailQ, q[full*k:rows*k])
		tailScale, tailMin = make([]float32, groups*kernelRows), make([]float32, groups*kernelRows)
		for g := range groups {
			copy(tailScale[g*kernelRows:], rowScale[g*rows+full:(g+1)*rows])
			copy(tailMin[g*kernelRows:], rowMin[g*rows+full:(g+1)*rows])
		}
	}
	for j := c0; j < c1; j += kernelCols {
		for g := range groups {
			b := &m.packed[j*k+g*group*kernelCols]
			scale, sum := &m.colScale[g*n+j], &m.colSum[g*n+j]
			for i := 0; i < full; i += kernelRows {
				kernel4x64Int8(group/4, &q[i*k+g*group], k, b, &c[i*n+j], n, &rowScale[g*rows+i], &rowMin[g*rows+i], scale, sum)
			}
		}
		if tailQ == nil {
			continue
		}
		for r := range rows - full {
			copy(tailC[r*kernelCols:(r+1)*kernelCols], c[(full+r)*n+j:(full+r)*n+j+kernelCols])
		}
		for g := range groups {
			b := &m.packed[j*k+g*group*kernelCols]
			kernel4x64Int8(group/4, &tailQ[g*group], k, b, &tailC[0], kernelCols,
				&tailScale[g*kernelRows], &tailMin[g*kernelRows], &m.colScale[g*n+j], &m.colSum[g*n+j])
		}
		for r := range rows - full {
			copy(c[(full+r)*n+j:(full+r)*n+j+kernelCols], tailC[r*kernelCols:(r+1)*kernelCols])
		}
	}
}
