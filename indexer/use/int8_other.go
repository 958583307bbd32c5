//go:build !amd64

package use

// haveVNNI is false: the 8-bit kernel is written for amd64 only, and no
// weights are quantized.
var haveVNNI = false

// matMulInt8 is never called where haveVNNI is false.
func matMulInt8(s *scratch, rows int, a []float32, m *int8Matrix, c []float32) {
	panic("use: 8-bit kernel without VNNI")
}
