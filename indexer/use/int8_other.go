//go:build !amd64

package use

// haveVNNI is false: the 8-bit kernel is written for amd64 only, and
// matMulInt8 takes productFloat.
var haveVNNI = false

// int8Columns is never called where haveVNNI is false.
func int8Columns(rows int, q []uint8, rowScale, rowMin []float32, m *int8Matrix, c []float32, c0, c1 int) {
	panic("use: 8-bit kernel without VNNI")
}

// valueRange returns the least and the greatest of x.
func valueRange(x []float32) (lo, hi float32) { return valueRangeGeneric(x) }

// toBytes sets q[l] to (x[l]-lo)·inv, in float32, rounded to the nearest
// integer (ties to even) and saturated to 0..255.
func toBytes(x []float32, q []uint8, lo, inv float32) { toBytesGeneric(x, q, lo, inv) }

// scaleAdd sets c[j] to colScale[j]·(scale·sum[j] + lo·colSum[j]) + c[j],
// as kernel4x64Int8 scales a sum back.
func scaleAdd(c, sum, colSum, colScale []float32, scale, lo float32) {
	scaleAddGeneric(c, sum, colSum, colScale, scale, lo)
}
