package ticketindex_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/siftdesk/sift/engine/bm25"
	"github.com/siftdesk/sift/engine/ticketindex"
	"github.com/siftdesk/sift/models"
)

// BenchmarkSearch times one similar-ticket search of a 40-word ticket
// among 100,000 tickets whose words follow a Zipf law over 5,000 words,
// as a help desk's do.
func BenchmarkSearch(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.1, 2, 4999)
	words := func(n int) string {
		var sb strings.Builder
		for range n {
			fmt.Fprintf(&sb, "word%d ", zipf.Uint64())
		}
		return sb.String()
	}
	x := ticketindex.New(bm25.English())
	for i := range 100_000 {
		x.Put(&models.Ticket{ID: fmt.Sprint(i), Portal: models.PortalCustomer, Org: fmt.Sprint("org", i%300),
			Subject: words(8), Body: words(60)})
	}
	x.MarkLoaded()
	queries := make([]string, 100)
	for i := range queries {
		queries[i] = words(40)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		x.Search(queries[i%len(queries)], 6, ticketindex.Scope{Portal: models.PortalCustomer})
	}
}
