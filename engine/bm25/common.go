package bm25

import (
	"math"

	"github.com/siftdesk/sift/models"
)

// CommonWords reports, for the words of a text, each held by holders[i]
// of n documents, which are common: held by more than models.CommonWordShare
// of them. The rarest word some document holds is never common: it always
// finds.
func CommonWords(holders []int32, n int) []bool {
	rarest := -1
	for i, h := range holders {
		if h > 0 && (rarest < 0 || h < holders[rarest]) {
			rarest = i
		}
	}
	common := make([]bool, len(holders))
	for i, h := range holders {
		common[i] = i != rarest && h > int32(models.CommonWordShare*float64(n))
	}
	return common
}

// IDF is BM25's inverse document frequency of a term held by df of n
// documents.
func IDF(df int32, n int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}
