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

// matMulInt8 adds a·m to c, for a rows×m.k and c rows×m.n, with a
// quantized per row into s's buffers, on s.stripes goroutines as matMul.
func matMulInt8(s *scratch, rows int, a []float32, m *int8Matrix, c []float32) {
	s.q = grow(s.q, rows*m.k)
	s.rowScale = grow(s.rowScale, rows)
	s.rowMin = grow(s.rowMin, rows)
	quantizeRows(rows, m.k, a, s.q, s.rowScale, s.rowMin)
	striped(rows*m.k*m.n, m.n, s.stripes, func(c0, c1 int) {
		int8Columns(rows, s.q, s.rowScale, s.rowMin, m, c, c0, c1)
	})
}

// rowRange writes the lane-wise minimum and maximum of a[:n] to lo and hi,
// for n a positive multiple of 16. In int8_amd64.s.
//
//go:noescape
func rowRange(a *float32, n int, lo, hi *[16]float32)

// toBytes sets q[l] to (a[l]-lo)·inv rounded to the nearest integer and
// saturated to 0..255, for l < n, n a multiple of 16. In int8_amd64.s.
//
//go:noescape
func toBytes(a *float32, q *uint8, n int, lo, inv float32)

// quantizeRows quantizes each row of a (rows×k, k a multiple of 16) to
// 8-bit unsigned integers over the row's own range: a[i][l] is about
// rowScale[i]·q[i][l] + rowMin[i], to within half of rowScale[i]. A
// constant row gets scale 0.
func quantizeRows(rows, k int, a []float32, q []uint8, rowScale, rowMin []float32) {
	var los, his [16]float32
	for i := range rows {
		rowRange(&a[i*k], k, &los, &his)
		lo, hi := slices.Min(los[:]), slices.Max(his[:])
		rowMin[i] = lo
		if hi == lo {
			rowScale[i] = 0
			clear(q[i*k : (i+1)*k])
			continue
		}
		rowScale[i] = (hi - lo) / 255
		toBytes(&a[i*k], &q[i*k], k, lo, 255/(hi-lo))
	}
}

// int8Columns adds the output columns [c0, c1) of a·m to c, for q the
// rows×m.k quantized rows of a (quantizeRows) and c rows×m.n; c0 and c1
// are multiples of 64. Rows past the last multiple of four go through a
// padded copy.
func int8Columns(rows int, q []uint8, rowScale, rowMin []float32, m *int8Matrix, c []float32, c0, c1 int) {
	k, n := m.k, m.n
	full := rows &^ (kernelRows - 1)
	var tailScale, tailMin [kernelRows]float32
	var tailC [kernelRows * kernelCols]float32
	var tailQ []uint8
	if full < rows {
		tailQ = make([]uint8, kernelRows*k)
		copy(tailQ, q[full*k:rows*k])
		copy(tailScale[:], rowScale[full:rows])
		copy(tailMin[:], rowMin[full:rows])
	}
	for j := c0; j < c1; j += kernelCols {
		b := &m.packed[j*k]
		for i := 0; i < full; i += kernelRows {
			kernel4x64Int8(k/4, &q[i*k], k, b, &c[i*n+j], n, &rowScale[i], &rowMin[i], &m.colScale[j], &m.colSum[j])
		}
		if tailQ == nil {
			continue
		}
		for r := range rows - full {
			copy(tailC[r*kernelCols:(r+1)*kernelCols], c[(full+r)*n+j:(full+r)*n+j+kernelCols])
		}
		kernel4x64Int8(k/4, &tailQ[0], k, b, &tailC[0], kernelCols, &tailScale[0], &tailMin[0], &m.colScale[j], &m.colSum[j])
		for r := range rows - full {
			copy(c[(full+r)*n+j:(full+r)*n+j+kernelCols], tailC[r*kernelCols:(r+1)*kernelCols])
		}
	}
}
