package bm25

import (
	"slices"
	"testing"
)

// TestCommonWords checks that a word held by more than models.CommonWordShare of the
// documents is common, except the rarest word some document holds, which
// always finds; a word no document holds is never the rarest.
func TestCommonWords(t *testing.T) {
	for _, tc := range []struct {
		holders []int32
		want    []bool
	}{
		{[]int32{10, 900, 40}, []bool{false, true, false}},  // 5% of 1,000 is 50
		{[]int32{800, 900, 600}, []bool{true, true, false}}, // all common: the rarest finds
		{[]int32{0, 700, 900}, []bool{false, false, true}},  // held by none: not the rarest
		{[]int32{51, 50, 0}, []bool{true, false, false}},
	} {
		if got := CommonWords(tc.holders, 1000); !slices.Equal(got, tc.want) {
			t.Errorf("CommonWords(%v, 1000) = %v, want %v", tc.holders, got, tc.want)
		}
	}
}
