//go:build !amd64

package use

// addRows adds val[j] times row idx[j] of w (rows of stride floats, read
// from column c0) to y, for every j.
func addRows(y, w []float32, stride, c0 int, idx []int, val []float32) {
	addRowsGeneric(y, w, stride, c0, idx, val)
}

// gemmBlocked reports false: the blocked kernel is written for amd64
// only.
func gemmBlocked(rows, k, cols int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) bool {
	return false
}

// softmaxRow replaces row[:n] by its softmax.
func softmaxRow(row []float32, n int) { softmax(row[:n]) }
