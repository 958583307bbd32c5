package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"runtime"
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
	targetGapsTime    = 2 * time.Second // topic gaps over a million events
	eventBatch        = 100
	metricsRuns       = 5
)

// eventsReport is what the events phase measured.
type eventsReport struct {
	Ingest  httpLoad `json:"ingest"`
	Events  int      `json:"events"`
	PerSec  float64  `json:"events_per_second"`
	Metrics struct {
		Events       int     `json:"events_in_log"`
		AddedPerSec  float64 `json:"added_in_process_per_second"`
		ReplaySec    float64 `json:"replay_seconds"`
		WarmSec      float64 `json:"warm_seconds"`
		Deflection   float64 `json:"deflection_max_ms"`
		Search       float64 `json:"search_max_ms"`
		Articles     float64 `json:"articles_max_ms"`
		CutDays      float64 `json:"cut_days_max_ms"`
		Gaps         float64 `json:"gaps_max_ms"`
		HeapPerEvent float64 `json:"heap_bytes_per_event"`
	} `json:"metrics"`
}

// events posts synthetic portal events in batches of 100 to POST
// /v1/events for --events-duration, adds events in process until the log
// holds --metrics-events, restarts the engine over the log (replay and
// warm-up timed, as sift serve starts), then times each metrics query.
func (b *bench) events(ctx context.Context) error {
	d, err := openDataDir(b.f.data, 0, b.log)
	if err != nil {
		return err
	}
	defer d.Close()
	log, err := eventlog.OpenOptions(filepath.Join(b.f.data, "events-bench"), eventlog.Options{Logger: b.log})
	if err != nil {
		return err
	}
	defer log.Close()
	open := func() (*engine.Engine, error) {
		eng, err := engine.New(ctx, engine.Config{}, d.store, d.text, d.indexer, b.log)
		if err != nil {
			return nil, err
		}
		return eng, eng.UseEvents(ctx, log, nil, analytics.Config{})
	}
	eng, err := open()
	if err != nil {
		return err
	}
	addr, stop, err := b.serveAPI(eng)
	if err != nil {
		return err
	}
	rep := &eventsReport{}
	b.rep.Events = rep
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	b.progress("events: %d clients posting batches of %d for %s", b.f.eventsConcurrency, eventBatch, b.f.eventsDuration)
	rep.Ingest, err = b.drive(ctx, "events", b.f.eventsConcurrency, b.f.eventsDuration, func(ctx context.Context, client *http.Client, i int) error {
		body, err := json.Marshal(map[string]any{"events": syntheticEvents(b.f.seed, i, start)})
		if err != nil {
			return err
		}
		return b.post(ctx, client, "http://"+addr+"/v1/events", body)
	})
	stop()
	if err != nil {
		return err
	}
	rep.Events = rep.Ingest.Requests * eventBatch
	rep.PerSec = rep.Ingest.RequestsPerSecond * eventBatch
	rep.Metrics.AddedPerSec, err = b.topUpEvents(ctx, eng, log, rep.Ingest.Requests, start)
	eng.Close()
	if err != nil {
		return err
	}

	b.progress("events: restarting over %s events", humanInt(log.Count()))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	if eng, err = open(); err != nil {
		return err
	}
	defer eng.Close()
	rep.Metrics.ReplaySec = time.Since(t0).Seconds()
	t0 = time.Now()
	eng.WarmMetrics()
	rep.Metrics.WarmSec = time.Since(t0).Seconds()
	if err := eng.WarmTickets(ctx); err != nil { // the timeline topic gaps read, as sift serve loads it
		return err
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	rep.Metrics.Events = log.Count()
	rep.Metrics.HeapPerEvent = float64(after.HeapAlloc) - float64(before.HeapAlloc)
	if rep.Metrics.Events > 0 {
		rep.Metrics.HeapPerEvent /= float64(rep.Metrics.Events)
	}

	whole := analytics.Query{From: start, To: start.AddDate(0, 2, 0), Interval: analytics.IntervalDay, By: analytics.ByCategory}
	cut := analytics.Query{From: start.Add(36 * time.Hour), To: start.Add(10*24*time.Hour + 6*time.Hour), By: analytics.ByArticle}
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
	m := &rep.Metrics
	for _, step := range []struct {
		into *float64
		call func() error
	}{
		{&m.Deflection, func() error { _, err := eng.DeflectionMetrics(ctx, whole); return err }},
		{&m.Search, func() error { _, err := eng.SearchMetrics(ctx, whole, 20); return err }},
		{&m.Articles, func() error { _, err := eng.ArticleMetrics(ctx, whole); return err }},
		{&m.CutDays, func() error { _, err := eng.DeflectionMetrics(ctx, cut); return err }},
		{&m.Gaps, func() error { _, err := eng.Gaps(ctx, whole, false); return err }},
	} {
		if *step.into, err = timeIt(step.call); err != nil {
			return err
		}
	}
	return nil
}

// topUpEvents records synthetic batches in process, after the first
// posted ones (batch numbers from next), until the log holds
// --metrics-events, and returns the rate.
func (b *bench) topUpEvents(ctx context.Context, eng *engine.Engine, log *eventlog.Log, next int, start time.Time) (float64, error) {
	missing := b.f.metricsEvents - log.Count()
	if missing <= 0 {
		return 0, nil
	}
	b.progress("events: adding %s events in process", humanInt(missing))
	t0 := time.Now()
	added := 0
	for i := next; added < missing; i += engine.MaxEventBatch / eventBatch {
		batch := make([]models.Event, 0, engine.MaxEventBatch)
		for j := i; j < i+engine.MaxEventBatch/eventBatch; j++ {
			batch = append(batch, syntheticEvents(b.f.seed, j, start)...)
		}
		res, err := eng.RecordEvents(ctx, batch[:min(len(batch), missing-added)])
		if err != nil {
			return 0, err
		}
		added += res.Accepted
		if added%500_000 < res.Accepted {
			rate := float64(added) / time.Since(t0).Seconds()
			b.progress("events: %s of %s added (%s/s)", humanInt(added), humanInt(missing), humanInt(int(rate)))
		}
	}
	return float64(added) / time.Since(t0).Seconds(), nil
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
	slowest := max(e.Metrics.Deflection, e.Metrics.Search, e.Metrics.Articles, e.Metrics.CutDays)
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
		{
			Name:     fmt.Sprintf("topic gaps over %s events (target is for 1 million)", humanInt(e.Metrics.Events)),
			Target:   "< " + fmtDuration(targetGapsTime),
			Measured: fmtDuration(time.Duration(e.Metrics.Gaps * float64(time.Millisecond))),
			Pass:     e.Metrics.Events >= 1_000_000 && e.Metrics.Gaps > 0 && e.Metrics.Gaps < float64(targetGapsTime.Milliseconds()),
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
	m := e.Metrics
	if m.AddedPerSec > 0 {
		line("added in process to fill the log", humanInt(int(m.AddedPerSec))+"/s")
	}
	section(fmt.Sprintf("Metrics over the %s events in the log, after a restart (slowest of %d runs)", humanInt(m.Events), metricsRuns))
	line("replay of the log at start", fmtSeconds(m.ReplaySec))
	line("day summaries computed (background, at start)", fmtSeconds(m.WarmSec))
	line("memory of the rollup", fmt.Sprintf("%.0f bytes/event", m.HeapPerEvent))
	ms := func(x float64) string { return fmtDuration(time.Duration(x * float64(time.Millisecond))) }
	line("deflection, 2 months by category", ms(m.Deflection))
	line("search, top 20", ms(m.Search))
	line("articles", ms(m.Articles))
	line("deflection, a range that cuts two days, by article", ms(m.CutDays))
	line("topic gaps, 2 months (the period before too)", ms(m.Gaps))
}
