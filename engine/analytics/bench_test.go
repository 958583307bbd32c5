package analytics

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// syntheticEvents returns n events of sessions shaped like the fixture's:
// a search or two with suggestions, article views and feedback, and about
// half of them opening the ticket form, over 30 days and both portals,
// with 2,000 articles and 500 distinct queries.
func syntheticEvents(n int) []models.Event {
	rng := rand.New(rand.NewPCG(1, 2))
	queries := make([]string, 500)
	for i := range queries {
		queries[i] = fmt.Sprintf("query %d", i)
	}
	articles := make([]string, 2000)
	for i := range articles {
		articles[i] = fmt.Sprintf("a-%d", i)
	}
	yes, no := true, false
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	events := make([]models.Event, 0, n)
	for s := 0; len(events) < n; s++ {
		sid := fmt.Sprintf("s%d", s)
		portal := models.PortalCustomer
		if s%3 == 0 {
			portal = models.PortalITSM
		}
		t := start.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
		add := func(e models.Event) {
			t = t.Add(time.Duration(1+rng.IntN(600)) * time.Second)
			e.ID, e.SessionID, e.Portal, e.Time = fmt.Sprintf("%s-%d", sid, len(events)), sid, portal, t
			events = append(events, e)
		}
		for range 1 + rng.IntN(2) {
			results := rng.IntN(5)
			add(models.Event{Type: models.EventSearch, Query: queries[rng.IntN(len(queries))], ResultCount: results})
			if results > 0 {
				ids := []string{articles[rng.IntN(len(articles))], articles[rng.IntN(len(articles))]}
				add(models.Event{Type: models.EventSuggestionShown, ArticleIDs: ids})
				if rng.IntN(2) == 0 {
					add(models.Event{Type: models.EventArticleView, ArticleID: ids[0]})
					h := &yes
					if rng.IntN(3) == 0 {
						h = &no
					}
					add(models.Event{Type: models.EventArticleFeedback, ArticleID: ids[0], Helpful: h})
				}
			}
		}
		if rng.IntN(2) == 0 {
			add(models.Event{Type: models.EventTicketFormStarted})
			add(models.Event{Type: models.EventDeflectionShown, ArticleIDs: []string{articles[rng.IntN(len(articles))]}})
			if rng.IntN(3) == 0 {
				add(models.Event{Type: models.EventTicketAbandoned})
			} else {
				add(models.Event{Type: models.EventTicketSubmitted, TicketID: "T-" + sid, Category: "billing"})
			}
		}
	}
	return events[:n]
}

// BenchmarkAggregate streams 1,000,000 events through an Aggregator and
// reads all three reports, and reports the rate in events/s.
func BenchmarkAggregate(b *testing.B) {
	const n = 1_000_000
	events := syntheticEvents(n)
	b.ReportAllocs()
	for b.Loop() {
		a, err := New(Config{}, Query{Interval: IntervalDay, By: ByCategory})
		if err != nil {
			b.Fatal(err)
		}
		for i := range events {
			if err := a.Add(events[i]); err != nil {
				b.Fatal(err)
			}
		}
		a.Deflection()
		a.Search(20)
		a.Articles()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
