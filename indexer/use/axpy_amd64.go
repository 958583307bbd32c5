package use

import "golang.org/x/sys/cpu"

// haveFMA reports whether axpy4 can run: it needs AVX2 and FMA.
var haveFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// axpy4 adds a[0]·x0 + a[1]·x1 + a[2]·x2 + a[3]·x3 to y, over the first n
// floats of each, n a multiple of 8. In axpy_amd64.s.
//
//go:noescape
func axpy4(y, x0, x1, x2, x3 *float32, a *[4]float32, n int)

// addRows adds val[j] times row idx[j] of w (rows of stride floats, read
// from column c0) to y, for every j. With AVX2 and FMA it takes the rows
// four at a time, reading and writing y once for four of them.
func addRows(y, w []float32, stride, c0 int, idx []int, val []float32) {
	width := len(y) &^ 7
	if !haveFMA || width == 0 {
		addRowsGeneric(y, w, stride, c0, idx, val)
		return
	}
	row := func(j int) *float32 { return &w[idx[j]*stride+c0] }
	for j := 0; j < len(idx); j += 4 {
		// Past the last row, the group's first row stands in, scaled by 0.
		var a [4]float32
		var r [4]*float32
		for t := range r {
			r[t] = row(j)
			if j+t < len(idx) {
				a[t], r[t] = val[j+t], row(j+t)
			}
		}
		axpy4(&y[0], r[0], r[1], r[2], r[3], &a, width)
	}
	if width < len(y) {
		addRowsGeneric(y[width:], w, stride, c0+width, idx, val)
	}
}
