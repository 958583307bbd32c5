package hnsw

// dot returns the dot product of a and b, which must have the same length.
// On normalised vectors it is their cosine similarity.
//
// Four independent accumulators let the CPU overlap the additions, and the
// re-slicing to fixed windows lets the compiler drop bounds checks; on
// 512 dimensions this is about three times faster than the plain loop.
// (Eight accumulators measured slower on this code base's machines.)
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		aa := a[i : i+4 : i+4]
		bb := b[i : i+4 : i+4]
		s0 += aa[0] * bb[0]
		s1 += aa[1] * bb[1]
		s2 += aa[2] * bb[2]
		s3 += aa[3] * bb[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
