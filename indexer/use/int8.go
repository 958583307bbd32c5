package use

import (
	"math"
	"sync"
)

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

	// integers holds the same integers as float32, row-major k×n, for
	// products without VNNI (productFloat); made on first use.
	integers     []float32
	integersOnce sync.Once
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
			for l := g * group; l < (g+1)*group; l++ {
				q := int(math.Round(float64(w[l*n+j]) / scale))
				sum += q
				m.packed[m.at(l, j)] = int8(q)
			}
			m.colSum[g*n+j] = float32(sum)
		}
	}
	return m
}

// at returns the index in m.packed of weight [l][j].
func (m *int8Matrix) at(l, j int) int {
	return ((j/kernelCols*m.k/4+l/4)*kernelCols+j%kernelCols)*4 + l%4
}

// matMulInt8 adds a·m to c, for a rows×m.k and c rows×m.n, with a
// quantized per row and group into s's buffers (quantizeRows): with
// kernel4x64Int8 where it runs (haveVNNI), else with productFloat, which
// computes the same integer sums and the same scaling in float32.
func matMulInt8(s *scratch, rows int, a []float32, m *int8Matrix, c []float32) {
	s.q = grow(s.q, rows*m.k)
	s.rowScale = grow(s.rowScale, rows*m.k/m.group)
	s.rowMin = grow(s.rowMin, rows*m.k/m.group)
	quantizeRows(rows, m.k, m.group, a, s.q, s.rowScale, s.rowMin)
	if !haveVNNI {
		productFloat(s, rows, m, c)
		return
	}
	striped(rows*m.k*m.n, m.n, s.stripes, func(c0, c1 int) {
		int8Columns(rows, s.q, s.rowScale, s.rowMin, m, c, c0, c1)
	})
}

// productFloat is matMulInt8's product on CPUs without VNNI: for each
// group of m's rows, the quantized inputs times the integer weights with
// the float32 kernels (matMul), then kernel4x64Int8's scaling, operation
// for operation. Every sum is of integers below 2^24 (at most 128 products
// of 255 by 127), so float32 holds it exactly, and the vectors are those
// of the VNNI kernel to within a rare last-place rounding of math.FMA.
func productFloat(s *scratch, rows int, m *int8Matrix, c []float32) {
	m.integersOnce.Do(func() {
		m.integers = make([]float32, m.k*m.n)
		for l := range m.k {
			for j := range m.n {
				m.integers[l*m.n+j] = float32(m.packed[m.at(l, j)])
			}
		}
	})
	k, n, group := m.k, m.n, m.group
	s.qFloat = grow(s.qFloat, rows*group)
	s.qSum = grow(s.qSum, rows*n)
	for g := range k / group {
		for i := range rows {
			for l, v := range s.q[i*k+g*group : i*k+(g+1)*group] {
				s.qFloat[i*group+l] = float32(v)
			}
		}
		clear(s.qSum)
		matMul(rows, group, n, s.qFloat, m.integers[g*group*n:(g+1)*group*n], s.qSum, s.stripes)
		for i := range rows {
			scaleAdd(c[i*n:(i+1)*n], s.qSum[i*n:(i+1)*n], m.colSum[g*n:(g+1)*n], m.colScale[g*n:(g+1)*n],
				s.rowScale[g*rows+i], s.rowMin[g*rows+i])
		}
	}
}

// quantizeRows quantizes each row of a (rows×k) to 8-bit unsigned integers
// over the range of each group of its columns (group a multiple of 16
// dividing k): a[i][l] is about rowScale[g][i]·q[i][l] + rowMin[g][i] for
// g = l/group, to within half of rowScale[g][i]. rowScale and rowMin are
// group-major (k/group × rows), so that four rows' scales of a group are
// side by side for the kernel. A constant group gets scale 0.
func quantizeRows(rows, k, group int, a []float32, q []uint8, rowScale, rowMin []float32) {
	for i := range rows {
		for g := range k / group {
			at := i*k + g*group
			lo, hi := valueRange(a[at : at+group])
			rowMin[g*rows+i] = lo
			if hi == lo {
				rowScale[g*rows+i] = 0
				clear(q[at : at+group])
				continue
			}
			rowScale[g*rows+i] = (hi - lo) / 255
			toBytes(a[at:at+group], q[at:at+group], lo, 255/(hi-lo))
		}
	}
}

// scaleAddGeneric sets c[j] to colScale[j]·(scale·sum[j] + lo·colSum[j])
// + c[j], as kernel4x64Int8 scales a sum back: a product, then two fused
// multiply-adds.
func scaleAddGeneric(c, sum, colSum, colScale []float32, scale, lo float32) {
	fma := func(x, y, z float32) float32 { return float32(math.FMA(float64(x), float64(y), float64(z))) }
	for j, v := range sum {
		c[j] = fma(colScale[j], fma(lo, colSum[j], scale*v), c[j])
	}
}

// valueRangeGeneric returns the least and the greatest of x.
func valueRangeGeneric(x []float32) (lo, hi float32) {
	lo, hi = x[0], x[0]
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// toBytesGeneric sets q[l] to (x[l]-lo)·inv, in float32, rounded to the
// nearest integer (ties to even) and saturated to 0..255.
func toBytesGeneric(x []float32, q []uint8, lo, inv float32) {
	for l, v := range x {
		q[l] = uint8(min(math.RoundToEven(float64((v-lo)*inv)), 255))
	}
}
