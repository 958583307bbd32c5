package analytics

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/siftdesk/sift/models"
)

// syntheticEvents returns n events (see syntheticChunks).
func syntheticEvents(n int) []models.Event {
	events := make([]models.Event, 0, n)
	for chunk := range syntheticChunks(n, n) {
		events = append(events, chunk...)
	}
	return events
}

// syntheticChunks yields n events, in chunks of at most size, of sessions
// shaped like the fixture's: a search or two with suggestions, article
// views and feedback, and about half of them opening the ticket form, over
// 30 days and both portals, with 2,000 articles, 500 distinct queries and
// 5 categories. Events come in session order; a chunk is reused after
// yield returns.
func syntheticChunks(n, size int) iter.Seq[[]models.Event] {
	return func(yield func([]models.Event) bool) {
		rng := rand.New(rand.NewPCG(1, 2))
		queries := make([]string, 500)
		for i := range queries {
			queries[i] = fmt.Sprintf("query %d", i)
		}
		articles := make([]string, 2000)
		for i := range articles {
			articles[i] = fmt.Sprintf("a-%d", i)
		}
		categories := []string{"billing", "delivery", "account", "network", "hardware"}
		yes, no := true, false
		start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		chunk := make([]models.Event, 0, size)
		made := 0
		for s := 0; made < n; s++ {
			sid := fmt.Sprintf("s%d", s)
			portal := models.PortalCustomer
			if s%3 == 0 {
				portal = models.PortalITSM
			}
			t := start.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
			var session []models.Event
			add := func(e models.Event) {
				t = t.Add(time.Duration(1+rng.IntN(600)) * time.Second)
				e.ID, e.SessionID, e.Portal, e.Time = fmt.Sprintf("%s-%d", sid, len(session)), sid, portal, t
				session = append(session, e)
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
					add(models.Event{Type: models.EventTicketSubmitted, TicketID: "T-" + sid, Category: categories[rng.IntN(len(categories))]})
				}
			}
			for _, e := range session[:min(len(session), n-made)] {
				chunk = append(chunk, e)
				made++
				if len(chunk) == size || made == n {
					if !yield(chunk) {
						return
					}
					chunk = chunk[:0]
				}
			}
		}
	}
}

// BenchmarkRollupAdd adds 1,000,000 events to a Rollup and reports the
// rate in events/s.
func BenchmarkRollupAdd(b *testing.B) {
	const n = 1_000_000
	events := syntheticEvents(n)
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewRollup(Config{})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < n; i += 100 {
			r.Add(events[i : i+100]...)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkReports10M loads 10,000,000 events (30 days, both portals) into
// a Rollup, then times each report: over the whole 30 days (by category,
// the search report's top 20, the article report), and over a range that
// cuts two days, which recounts those days' sessions. It reports the
// latency of each in ms, the first (cold) report after the load, and the
// Rollup's memory per event.
func BenchmarkReports10M(b *testing.B) {
	const n = 10_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := NewRollup(Config{})
	if err != nil {
		b.Fatal(err)
	}
	for chunk := range syntheticChunks(n, 100_000) {
		r.Add(chunk...)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc-before.HeapAlloc) / n
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	whole := Query{From: start, To: start.AddDate(0, 0, 30), By: ByCategory}
	cut := Query{From: start.Add(36 * time.Hour), To: start.Add(10*24*time.Hour + 6*time.Hour), By: ByArticle}
	t0 := time.Now()
	if _, err := r.Deflection(whole); err != nil {
		b.Fatal(err)
	}
	cold := time.Since(t0)
	reports := []struct {
		unit string
		run  func() error
	}{
		{"deflection-ms", func() error { _, err := r.Deflection(whole); return err }},
		{"search-ms", func() error { _, err := r.Search(whole, 20); return err }},
		{"articles-ms", func() error { _, err := r.Articles(whole); return err }},
		{"cut-days-ms", func() error { _, err := r.Deflection(cut); return err }},
	}
	took := make([]time.Duration, len(reports))
	for b.Loop() {
		for i, rep := range reports {
			t := time.Now()
			if err := rep.run(); err != nil {
				b.Fatal(err)
			}
			took[i] += time.Since(t)
		}
	}
	b.ReportMetric(heap, "heap-B/event")
	b.ReportMetric(float64(cold.Microseconds())/1000, "cold-ms")
	for i, rep := range reports {
		b.ReportMetric(float64(took[i].Microseconds())/1000/float64(b.N), rep.unit)
	}
}
