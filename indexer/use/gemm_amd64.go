package use

import (
	"math"

	"golang.org/x/sys/cpu"
)

// haveAVX512 reports whether kernel4x64 can run.
var haveAVX512 = cpu.X86.HasAVX512F

// kernel4x64 adds A·B to C for a 4×k block of A, a k×64 block of B and the
// 4×64 block of C they make, row-major with row strides lda, ldb and ldc
// floats. In gemm_amd64.s; it needs AVX-512.
//
//go:noescape
func kernel4x64(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

// gemmBlocked adds a·b to c for a rows×k, b k×cols and c rows×cols,
// row-major with row strides lda, ldb and ldc, with kernel4x64, and reports
// whether it could: it needs AVX-512 and cols a multiple of 64. Each output
// element sums its terms in order, one fused multiply-add per term, so the
// result does not depend on which other rows and columns are computed with
// it.
func gemmBlocked(rows, k, cols int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) bool {
	if !haveAVX512 || cols%kernelCols != 0 {
		return false
	}
	full := rows &^ (kernelRows - 1)
	var tailA [kernelRows * kernelK]float32
	var tailC [kernelRows * kernelCols]float32
	for l0 := 0; l0 < k; l0 += kernelK {
		kk := min(kernelK, k-l0)
		for j := 0; j < cols; j += kernelCols {
			for i := 0; i < full; i += kernelRows {
				kernel4x64(kk, &a[i*lda+l0], lda, &b[l0*ldb+j], ldb, &c[i*ldc+j], ldc)
			}
			if full == rows {
				continue
			}
			// The last rows, fewer than four, go through a padded copy.
			clear(tailA[:])
			for i := full; i < rows; i++ {
				r := i - full
				copy(tailA[r*kernelK:r*kernelK+kk], a[i*lda+l0:i*lda+l0+kk])
				copy(tailC[r*kernelCols:(r+1)*kernelCols], c[i*ldc+j:i*ldc+j+kernelCols])
			}
			kernel4x64(kk, &tailA[0], kernelK, &b[l0*ldb+j], ldb, &tailC[0], kernelCols)
			for i := full; i < rows; i++ {
				r := i - full
				copy(c[i*ldc+j:i*ldc+j+kernelCols], tailC[r*kernelCols:(r+1)*kernelCols])
			}
		}
	}
	return true
}

// softmax16 replaces row[:n], n a positive multiple of 16, by its softmax.
// In gemm_amd64.s; it needs AVX-512.
//
//go:noescape
func softmax16(row *float32, n int)

// softmaxRow replaces row[:n] by its softmax; the rest of row, at least up
// to the next multiple of 16, is scratch. With AVX-512 the softmax is taken
// over n rounded up to a multiple of 16, the entries past n set to -Inf so
// that they weigh nothing.
func softmaxRow(row []float32, n int) {
	width := (n + 15) &^ 15
	if !haveAVX512 || width > len(row) {
		softmax(row[:n])
		return
	}
	for j := n; j < width; j++ {
		row[j] = float32(math.Inf(-1))
	}
	softmax16(&row[0], width)
}
