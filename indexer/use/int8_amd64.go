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
	s.rowScale = grow(s.rowScale, rows*m.k/m.group)
	s.rowMin = grow(s.rowMin, rows*m.k/m.group)
	quantizeRows(rows, m.k, m.group, a, s.q, s.rowScale, s.rowMin)
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

// quantizeRows quantizes each row of a (rows×k) to 8-bit unsigned integers
// over the range of each group of its columns (group a multiple of 16
// dividing k): a[i][l] is about rowScale[g][i]·q[i][l] + rowMin[g][i] for
// g = l/group, to within half of rowScale[g][i]. rowScale and rowMin are
// group-major (k/group × rows), so that four rows' scales of a group are
// side by side for the kernel. A constant group gets scale 0.
func quantizeRows(rows, k, group int, a []float32, q []uint8, rowScale, rowMin []float32) {
	var los, his [16]float32
	for i := range rows {
		for g := range k / group {
			at := i*k + g*group
			rowRange(&a[at], group, &los, &his)
			lo, hi := slices.Min(los[:]), slices.Max(his[:])
			rowMin[g*rows+i] = lo
			if hi == lo {
				rowScale[g*rows+i] = 0
				clear(q[at : at+group])
				continue
			}
			rowScale[g*rows+i] = (hi - lo) / 255
			toBytes(&a[at], &q[at], group, lo, 255/(hi-lo))
		}
	}
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
