package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/models"
)

// seedEnd is a fixed end of the seeded history for the tests: a Monday,
// so the 8 weeks before it are whole ISO weeks.
var seedEnd = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func demoCorpus(t *testing.T) ([]models.Article, []demoQuery) {
	t.Helper()
	sources, err := demoSources(filepath.Join("..", "..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	articles, queries, err := loadDemoCorpus(context.Background(), sources)
	if err != nil {
		t.Fatal(err)
	}
	if len(articles) < 100 || len(queries) < 40 {
		t.Fatalf("demo corpus: %d articles, %d queries", len(articles), len(queries))
	}
	return articles, queries
}

func TestDemoEventsDeterministic(t *testing.T) {
	articles, queries := demoCorpus(t)
	a, na := generateDemoEvents(7, seedEnd, articles, queries)
	b, nb := generateDemoEvents(7, seedEnd, articles, queries)
	if na != nb || !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed gave different histories: %d events/%d sessions vs %d/%d", len(a), na, len(b), nb)
	}
	c, _ := generateDemoEvents(8, seedEnd, articles, queries)
	if reflect.DeepEqual(a, c) {
		t.Error("seeds 7 and 8 gave the same history")
	}
	if na < 2000 || na > 6000 {
		t.Errorf("%d sessions, want a few thousand", na)
	}
}

func TestDemoEventsValid(t *testing.T) {
	articles, queries := demoCorpus(t)
	public := map[string]bool{}
	for _, a := range articles {
		public[a.ID] = a.Visibility != models.VisibilityInternal
	}
	events, _ := generateDemoEvents(demoEventSeed, seedEnd, articles, queries)
	start := seedEnd.AddDate(0, 0, -demoHistoryDays)
	seen := map[string]bool{}
	types := map[models.EventType]int{}
	for i, ev := range events {
		if err := ev.Validate(); err != nil {
			t.Fatalf("event %d %+v: %v", i, ev, err)
		}
		if seen[ev.ID] {
			t.Fatalf("duplicate event id %s", ev.ID)
		}
		seen[ev.ID] = true
		types[ev.Type]++
		if ev.Time.Before(start) || !ev.Time.Before(seedEnd) {
			t.Errorf("event %s at %s, outside [%s, %s)", ev.ID, ev.Time, start, seedEnd)
		}
		if i > 0 && ev.Time.Before(events[i-1].Time) {
			t.Fatalf("event %s out of time order", ev.ID)
		}
		if ev.Portal == models.PortalCustomer {
			for _, id := range append([]string{ev.ArticleID}, ev.ArticleIDs...) {
				if id != "" && !public[id] {
					t.Errorf("customer event %s references internal article %s", ev.ID, id)
				}
			}
		}
		for _, id := range append([]string{ev.ArticleID}, ev.ArticleIDs...) {
			if _, ok := public[id]; id != "" && !ok {
				t.Errorf("event %s references unknown article %s", ev.ID, id)
			}
		}
		if ev.Type == models.EventTicketSubmitted && ev.Category == "" {
			t.Errorf("ticket_submitted %s has no category", ev.ID)
		}
	}
	for _, typ := range models.EventTypes {
		if types[typ] == 0 {
			t.Errorf("no %s events", typ)
		}
	}
}

func TestDemoEventsMetrics(t *testing.T) {
	articles, queries := demoCorpus(t)
	events, sessions := generateDemoEvents(demoEventSeed, seedEnd, articles, queries)
	start := seedEnd.AddDate(0, 0, -demoHistoryDays)
	// One rollup of the events answers every query below.
	r, err := analytics.NewRollup(analytics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r.Add(events...)
	deflection := func(q analytics.Query) analytics.DeflectionReport {
		t.Helper()
		rep, err := r.Deflection(q)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}

	rep := deflection(analytics.Query{Interval: analytics.IntervalWeek})
	tot := rep.Totals
	if tot.Sessions != sessions {
		t.Errorf("metrics count %d sessions, generated %d", tot.Sessions, sessions)
	}
	if tot.DeflectionRate < 0.2 || tot.DeflectionRate > 0.8 {
		t.Errorf("deflection rate %.4f, want between 0.2 and 0.8", tot.DeflectionRate)
	}
	var weekly []string
	for _, b := range rep.Series {
		weekly = append(weekly, fmt.Sprintf("%s %d sessions %.2f", b.Start.Format("01-02"), b.Sessions, b.DeflectionRate))
	}
	t.Logf("%d events, %d sessions, %d reached the form, %d deflected there, rate %.4f, %d tickets, %d views, cost saved %.2f",
		len(events), tot.Sessions, tot.ReachedForm, tot.DeflectedAtForm, tot.DeflectionRate, tot.TicketsSubmitted, tot.ArticleViews, tot.CostSaved)
	t.Logf("weekly: %s", strings.Join(weekly, "; "))
	if len(rep.Series) != demoHistoryDays/7 {
		t.Errorf("%d weekly buckets, want %d", len(rep.Series), demoHistoryDays/7)
	}

	search, err := r.Search(analytics.Query{}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(search.ContentGaps) == 0 {
		t.Error("no content gaps")
	}
	t.Logf("content gaps: %+v; click-through %.2f", search.ContentGaps, search.ClickThroughRate)
	var unhelpful int
	artRep, err := r.Articles(analytics.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range artRep.Articles {
		if a.HelpfulNo > a.HelpfulYes && a.TicketsAfterView > 0 {
			unhelpful++
		}
	}
	if unhelpful == 0 {
		t.Error("no article is mostly unhelpful with tickets filed after viewing it")
	}

	first := deflection(analytics.Query{From: start, To: start.AddDate(0, 0, 14)}).Totals
	last := deflection(analytics.Query{From: seedEnd.AddDate(0, 0, -14), To: seedEnd}).Totals
	t.Logf("first two weeks %.4f, last two weeks %.4f", first.DeflectionRate, last.DeflectionRate)
	if last.DeflectionRate <= first.DeflectionRate+0.05 {
		t.Errorf("deflection rate of the last two weeks %.4f, first two %.4f: want a rising trend", last.DeflectionRate, first.DeflectionRate)
	}

	// Weekdays are busier than weekends.
	days := deflection(analytics.Query{Interval: analytics.IntervalDay}).Series
	var weekday, weekend, nWeekday, nWeekend int
	for _, b := range days {
		if d := b.Start.Weekday(); d == time.Saturday || d == time.Sunday {
			weekend += b.Sessions
			nWeekend++
		} else {
			weekday += b.Sessions
			nWeekday++
		}
	}
	if nWeekday == 0 || nWeekend == 0 || weekday/nWeekday < 3*weekend/nWeekend/2 {
		t.Errorf("weekday sessions %d over %d days, weekend %d over %d: want a weekly rhythm", weekday, nWeekday, weekend, nWeekend)
	}
}

// TestDemoSeedsEvents runs sift demo twice over one data directory: the
// first seeds the event history, the second finds it and adds nothing.
func TestDemoSeedsEvents(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	corpus := filepath.Join("..", "..", "testdata", "demo")
	sessions := func(base string, keys map[string]string) int {
		var rep struct {
			Totals struct{ Sessions, ReachedForm int }
		}
		if code := getJSON(t, keys["analyst"], base+"/v1/metrics/deflection?interval=week", &rep); code != 200 {
			t.Fatalf("metrics: status %d", code)
		}
		return rep.Totals.Sessions
	}
	base, keys, stop := startSift(t, "demo", "--addr", "127.0.0.1:0", "--corpus", corpus, "--data", data)
	first := sessions(base, keys)
	if code := stop(); code != 0 {
		t.Errorf("demo exited %d", code)
	}
	if first < 1000 {
		t.Fatalf("%d sessions after the first demo, want a seeded history", first)
	}
	base, keys, stop = startSift(t, "demo", "--addr", "127.0.0.1:0", "--corpus", corpus, "--data", data)
	again := sessions(base, keys)
	stop()
	if again != first {
		t.Errorf("second demo over the same data: %d sessions, first %d", again, first)
	}

	base, keys, stop = startSift(t, "demo", "--addr", "127.0.0.1:0", "--corpus", corpus, "--seed-events=false")
	none := sessions(base, keys)
	stop()
	if none != 0 {
		t.Errorf("--seed-events=false: %d sessions, want 0", none)
	}
	_ = os.RemoveAll(data)
}
