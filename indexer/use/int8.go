package use

import "math"

// int8Group is how many rows of a weight matrix (and columns of its
// input) share a scale when quantized to 8 bits. One scale for a whole row
// of inputs (up to 1,536 after a ReLU, most of them small) gives them a
// coarse step: groups of 128 take the least cosine similarity to the
// reference vectors from 0.99965 to 0.99979 (256: 0.99977, 64: 0.99980),
// for an epilogue per group in the kernel's loop.
const int8Group = 128

// int8Matrix is a k×n weight matrix quantized to 8-bit integers, with a
// scale for each output column in each group of int8Group rows, packed
// for kernel4x64Int8: for each block of 64 columns, for each four rows,
// the 64 columns' four weights in turn (256 bytes). k is a multiple of the
// group and n of 64.
type int8Matrix struct {
	k, n, group int
	packed      []int8
	colScale    []float32 // k/group × n: weight [l][j] is about colScale[l/group][j] × its integer
	colSum      []float32 // k/group × n: sum of column j's integers in each group
}

// quantizeColumns quantizes w (k×n, row-major) symmetrically per column
// and group of rows: integers from -127 to 127, scaled by the largest
// magnitude among them.
func quantizeColumns(w []float32, k, n int) *int8Matrix {
	group := min(int8Group, k)
	groups := k / group
	m := &int8Matrix{k: k, n: n, group: group, packed: make([]int8, k*n),
		colScale: make([]float32, groups*n), colSum: make([]float32, groups*n)}
	for g := range groups {
		for j := range n {
			var hi float64
			for l := g * group; l < (g+1)*group; l++ {
				hi = max(hi, math.Abs(float64(w[l*n+j])))
			}
			scale := hi / 127
			if scale == 0 {
				continue // zero weights: integers and scale 0
			}
			m.colScale[g*n+j] = float32(scale)
			sum := 0
			block, col := j/kernelCols, j%kernelCols
			for l := g * group; l < (g+1)*group; l++ {
				q := int(math.Round(float64(w[l*n+j]) / scale))
				sum += q
				m.packed[((block*k/4+l/4)*kernelCols+col)*4+l%4] = int8(q)
			}
			m.colSum[g*n+j] = float32(sum)
		}
	}
	return m
}
