package use

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestInt8Columns checks the 8-bit kernel against the same quantized
// product computed in float64, for row counts that are and are not
// multiples of four, and checks that the product is close to the float one.
func TestInt8Columns(t *testing.T) {
	if !haveVNNI {
		t.Skip("no AVX-512 VNNI on this machine")
	}
	r := rand.New(rand.NewPCG(5, 6))
	const k, n = 512, 128
	w := randomFloats(r, k*n)
	m := quantizeColumns(w, k, n)
	for _, rows := range []int{1, 4, 6, 9} {
		a := make([]float32, rows*k)
		for i := range a {
			a[i] = float32(r.NormFloat64())
			if i%3 == 0 {
				a[i] = 0
			}
		}
		q := make([]uint8, rows*k)
		scale, lo := make([]float32, rows*k/m.group), make([]float32, rows*k/m.group)
		quantizeRows(rows, k, m.group, a, q, scale, lo)
		c := make([]float32, rows*n)
		for i := range c {
			c[i] = float32(i)
		}
		int8Columns(rows, q, scale, lo, m, c, 0, n)
		for i := range rows {
			for j := range n {
				var want, exact float64
				for l := range k {
					wq := float64(m.packed[m.at(l, j)])
					g := l / m.group
					want += (float64(scale[g*rows+i])*float64(q[i*k+l]) + float64(lo[g*rows+i])) * float64(m.colScale[g*n+j]) * wq
					exact += float64(a[i*k+l]) * float64(w[l*n+j])
				}
				got := float64(c[i*n+j]) - float64(i*n+j)
				if math.Abs(got-want) > 1e-3 {
					t.Fatalf("%d rows: [%d][%d] = %g, want %g", rows, i, j, got, want)
				}
				if math.Abs(got-exact) > 0.05*math.Sqrt(k) {
					t.Errorf("%d rows: [%d][%d] = %g, float product %g", rows, i, j, got, exact)
				}
			}
		}
	}
}
