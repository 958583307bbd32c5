package use

import "math"

// int8Matrix is a k×n weight matrix quantized to 8-bit integers, one scale
// per output column, and packed for kernel4x64Int8: for each block of 64
// columns, for each group of four rows, the 64 columns' four weights in
// turn (256 bytes). k is a multiple of 4 and n of 64.
type int8Matrix struct {
	k, n     int
	packed   []int8
	colScale []float32 // n: weight [l][j] is about colScale[j] × its integer
	colSum   []float32 // n: sum of column j's integers
}

// quantizeColumns quantizes w (k×n, row-major) symmetrically per column:
// integers from -127 to 127, scaled by the column's largest magnitude.
func quantizeColumns(w []float32, k, n int) *int8Matrix {
	m := &int8Matrix{k: k, n: n, packed: make([]int8, k*n), colScale: make([]float32, n), colSum: make([]float32, n)}
	for j := range n {
		var hi float64
		for l := range k {
			hi = max(hi, math.Abs(float64(w[l*n+j])))
		}
		scale := hi / 127
		if scale == 0 {
			continue // a zero column: integers and scale 0
		}
		m.colScale[j] = float32(scale)
		sum := 0
		block, col := j/kernelCols, j%kernelCols
		for l := range k {
			q := int(math.Round(float64(w[l*n+j]) / scale))
			sum += q
			m.packed[((block*k/4+l/4)*kernelCols+col)*4+l%4] = int8(q)
		}
		m.colSum[j] = float32(sum)
	}
	return m
}
