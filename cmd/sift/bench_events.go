package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/indexer/eventlog"
	"github.com/siftdesk/sift/models"
)

// Targets of the events phase, from the analytics issue.
const (
	targetEventRate   = 50_000
	targetMetricsTime = 200 * time.Millisecond
	eventBatch        = 100
	metricsRuns       = 5
)

// eventsReport is what the events phase measured.
type eventsReport struct {
	Ingest  httpLoad `json:"ingest"`
	Events  int      `json:"events"`
	PerSec  float64  `json:"events_per_second"`
	Metrics struct {
		Events     int     `json:"events_in_log"`
		Deflection float64 `json:"deflection_max_ms"`
		Search     float64 `json:"search_max_ms"`
		Articles   float64 `json:"articles_max_ms"`
	} `json:"metrics"`
}

// events posts synthetic portal events in batches of 100 to POST
// /v1/events for --events-duration, then times each metrics query over
// everything ingested.
func (b *bench) events(ctx context.Context) error {
	d, err := openDataDir(b.f.data, 0, b.log)
	if err != nil {
		return err
	}
	defer d.Close()
	eng, err := engine.New(ctx, engine.Config{}, d.store, d.text, d.indexer, b.log)
	if err != nil {
		return err
	}
	log, err := eventlog.OpenOptions(filepath.Join(b.f.data, "events-bench"), eventlog.Options{Logger: b.log})
	if err != nil {
		return err
	}
	defer log.Close()
	if err := eng.UseEvents(ctx, log, analytics.Config{}); err != nil {
		return err
	}
	defer eng.Close()
	addr, stop, err := b.serveAPI(eng)
	if err != nil {
		return err
	}
	defer stop()
	rep := &eventsReport{}
	b.rep.Events = rep
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	b.progress("events: %d clients posting batches of %d for %s", b.f.eventsConcurrency, eventBatch, b.f.eventsDuration)
	rep.Ingest, err = b.drive(ctx, "events", b.f.eventsConcurrency, b.f.eventsDuration, func(ctx context.Context, client *http.Client, i int) error {
		body, err := json.Marshal(map[string]any{"events": syntheticEvents(b.f.seed, i, start)})
		if err != nil {
			return err
		}
		return post(ctx, client, "http://"+addr+"/v1/events", body)
	})
	if err != nil {
		return err
	}
	rep.Events = rep.Ingest.Requests * eventBatch
	rep.PerSec = rep.Ingest.RequestsPerSecond * eventBatch
	rep.Metrics.Events = log.Count()
	q := analytics.Query{From: start, To: start.AddDate(0, 2, 0), Interval: analytics.IntervalDay}
	timeIt := func(call func() error) (float64, error) {
		worst := 0.0
		for range metricsRuns {
			t0 := time.Now()
			if err := call(); err != nil {
				return 0, err
			}
			worst = max(worst, float64(time.Since(t0).Microseconds())/1e3)
		}
		return worst, nil
	}
	if rep.Metrics.Deflection, err = timeIt(func() error { _, err := eng.DeflectionMetrics(ctx, q); return err }); err != nil {
		return err
	}
	if rep.Metrics.Search, err = timeIt(func() error { _, err := eng.SearchMetrics(ctx, q, 20); return err }); err != nil {
		return err
	}
	rep.Metrics.Articles, err = timeIt(func() error { _, err := eng.ArticleMetrics(ctx, q); return err })
	return err
}

// syntheticEvents is request i's batch: one short portal session per ten
// events (a search, a view, a form, a deflection or a ticket), ids unique
// per request.
func syntheticEvents(seed uint64, i int, start time.Time) []models.Event {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	out := make([]models.Event, 0, eventBatch)
	for s := 0; len(out) < eventBatch; s++ {
		session := fmt.Sprintf("s%d-%d", i, s)
		portal := models.PortalCustomer
		if r.IntN(3) == 0 {
			portal = models.PortalITSM
		}
		t := start.Add(time.Duration(r.IntN(60*24*60)) * time.Minute)
		article := fmt.Sprintf("KB-%d", 1000+r.IntN(200))
		steps := []models.Event{
			{Type: models.EventSearch, Query: fmt.Sprintf("query %d", r.IntN(500)), ResultCount: r.IntN(6)},
			{Type: models.EventArticleView, ArticleID: article},
			{Type: models.EventTicketFormStarted},
			{Type: models.EventDeflectionShown, ArticleIDs: []string{article}},
		}
		if r.IntN(3) == 0 {
			steps = append(steps, models.Event{Type: models.EventTicketSubmitted, TicketID: session, Category: "billing"})
		}
		for k, ev := range steps {
			if len(out) == eventBatch {
				break
			}
			ev.ID, ev.SessionID, ev.Portal, ev.Time = fmt.Sprintf("%s-%d", session, k), session, portal, t.Add(time.Duration(k)*time.Minute)
			out = append(out, ev)
		}
	}
	return out
}

func (b *bench) eventsTargets() []benchTarget {
	e := b.rep.Events
	if e == nil {
		return nil
	}
	slowest := max(e.Metrics.Deflection, e.Metrics.Search, e.Metrics.Articles)
	return []benchTarget{
		{
			Name:     fmt.Sprintf("events ingested over HTTP, batches of %d", eventBatch),
			Target:   ">= " + humanInt(targetEventRate) + "/s",
			Measured: humanInt(int(e.PerSec)) + "/s",
			Pass:     e.PerSec >= targetEventRate && e.Ingest.Errors == 0,
		},
		{
			Name:     fmt.Sprintf("slowest metrics query over %s events (target is for 10 million)", humanInt(e.Metrics.Events)),
			Target:   "< " + fmtDuration(targetMetricsTime),
			Measured: fmtDuration(time.Duration(slowest * float64(time.Millisecond))),
			Pass:     e.Metrics.Events >= 10_000_000 && slowest < float64(targetMetricsTime.Milliseconds()),
		},
	}
}

func (b *bench) printEvents(line func(...string), section func(string)) {
	e := b.rep.Events
	section(fmt.Sprintf("Events over HTTP (POST /v1/events, batches of %d, %d clients, %s; clients and server share the CPUs)",
		eventBatch, e.Ingest.Concurrency, fmtSeconds(e.Ingest.Seconds)))
	line("events", humanInt(e.Events))
	line("events/s", humanInt(int(e.PerSec)))
	printHTTPLoad(line, e.Ingest)
	section(fmt.Sprintf("Metrics over the %s events in the log (slowest of %d runs)", humanInt(e.Metrics.Events), metricsRuns))
	ms := func(x float64) string { return fmtDuration(time.Duration(x * float64(time.Millisecond))) }
	line("deflection", ms(e.Metrics.Deflection))
	line("search", ms(e.Metrics.Search))
	line("articles", ms(e.Metrics.Articles))
}
