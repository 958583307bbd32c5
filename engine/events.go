package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/models"
)

// EventStore is the durable log of portal events.
type EventStore interface {
	// Append stores events durably, skipping ids already stored, and
	// returns the new ones, in order. On an error, none, some or all of
	// the events may be stored.
	Append(ctx context.Context, events []models.Event) (added []models.Event, err error)
	// Replay calls fn with every stored event, in no set order, and stops
	// at the first error from fn.
	Replay(ctx context.Context, fn func(models.Event) error) error
}

// EventFeed delivers the events of a log that several replicas share:
// every event any of them appended, once each, in the order appended.
type EventFeed interface {
	// CatchUp calls apply with the events appended since the last one it
	// delivered (all of them, the first time), in batches, until none are
	// left; a batch apply fails comes again next time.
	CatchUp(ctx context.Context, apply func([]models.Event) error) error
}

// MaxEventBatch bounds the events of one RecordEvents call.
const MaxEventBatch = 1000

// UseEvents gives the engine an event log and the settings of its
// deflection metrics, and counts the log's events into the metrics' rollup
// and the article views of type-ahead popularity. Without a feed the log
// is this engine's alone: it is replayed now, and the engine counts what
// it appends. With a feed (a log replicas share) the engine counts what
// the feed delivers, its own appends included, at each CatchUpEvents: the
// first counts the whole log, which takes a while over millions of
// events, so a replica runs it in the background while it serves; until
// it has, metrics answer unavailable and readiness says the metrics are
// loading. Call it before the engine serves requests.
func (e *Engine) UseEvents(ctx context.Context, store EventStore, feed EventFeed, cfg analytics.Config) error {
	rollup, err := analytics.NewRollup(cfg)
	if err != nil {
		return err
	}
	e.events, e.eventFeed, e.rollup = store, feed, rollup
	if feed != nil {
		e.SetReadiness(ComponentMetrics, Loading)
		e.startRecorder()
		return nil
	}
	// Popularity is added once at the end, one re-rank per article, not
	// one per batch read.
	views := map[string]int64{}
	batch := make([]models.Event, 0, 1024)
	err = store.Replay(ctx, func(ev models.Event) error {
		if batch = append(batch, ev); len(batch) == cap(batch) {
			e.tally(views, batch)
			batch = batch[:0]
		}
		return nil
	})
	e.tally(views, batch)
	e.addViews(views)
	if err != nil {
		return fmt.Errorf("read event log: %w", err)
	}
	e.eventsCounted.Store(true)
	e.startRecorder()
	return nil
}

// CatchUpEvents counts the events the feed has that the engine has not
// counted yet: other replicas' and its own, the whole log the first time.
// It does nothing without a feed. Run it periodically, so metrics and
// popularity follow every replica's events.
func (e *Engine) CatchUpEvents(ctx context.Context) error {
	if e.eventFeed == nil {
		return nil
	}
	// Popularity is added once at the end, as in UseEvents.
	views := map[string]int64{}
	err := e.eventFeed.CatchUp(ctx, func(batch []models.Event) error {
		e.tally(views, batch)
		return nil
	})
	e.addViews(views)
	if err != nil {
		return err
	}
	if e.eventsCounted.CompareAndSwap(false, true) {
		e.SetReadiness(ComponentMetrics, Ready)
	}
	return nil
}

// count adds stored events to the metrics and to type-ahead popularity.
func (e *Engine) count(events []models.Event) {
	views := map[string]int64{}
	e.tally(views, events)
	e.addViews(views)
}

// tally adds stored events to the metrics, and their article views to
// views, by article.
func (e *Engine) tally(views map[string]int64, events []models.Event) {
	e.rollup.Add(events...)
	for _, ev := range events {
		if ev.Type == models.EventArticleView {
			views[ev.ArticleID]++
		}
	}
}

// WarmMetrics computes the metrics' day summaries after the replay at
// start, so the first metrics query is as fast as the next. It does
// nothing without an event log.
func (e *Engine) WarmMetrics() {
	if e.rollup != nil {
		e.rollup.Warm()
	}
}

// EventProblem says why one event of a batch was rejected.
type EventProblem struct {
	Index   int    `json:"index"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// EventsResult is the outcome of recording a batch.
type EventsResult struct {
	Accepted   int            `json:"accepted"`
	Duplicates int            `json:"duplicates"`
	Rejected   []EventProblem `json:"rejected"`
}

// RecordEvents validates a batch of portal events and stores the valid
// ones durably; an invalid event is reported by its index and the others
// are kept. Events whose id was recorded before count as duplicates, so a
// retried batch is not counted twice.
func (e *Engine) RecordEvents(ctx context.Context, events []models.Event) (EventsResult, error) {
	res := EventsResult{Rejected: []EventProblem{}}
	if e.events == nil {
		return res, models.Invalid("", "this server has no event log")
	}
	if len(events) == 0 {
		return res, models.Invalid("events", "is empty")
	}
	if len(events) > MaxEventBatch {
		return res, models.TooLarge("events", "has %d events, at most %d allowed", len(events), MaxEventBatch)
	}
	valid := make([]models.Event, 0, len(events))
	for i := range events {
		ev := events[i]
		if ev.Portal == "" {
			ev.Portal = models.PortalCustomer
		}
		ev.Time = ev.Time.UTC()
		if err := ev.Validate(); err != nil {
			p := EventProblem{Index: i, Message: err.Error()}
			var appErr *models.Error
			if errors.As(err, &appErr) {
				p.Field = appErr.Field
			}
			res.Rejected = append(res.Rejected, p)
			continue
		}
		valid = append(valid, ev)
	}
	if len(valid) == 0 {
		return res, nil
	}
	added, err := e.events.Append(ctx, valid)
	if err != nil {
		// Events stored before the error are counted when the log is next
		// replayed (at start); a retry of the batch counts them now.
		return res, fmt.Errorf("event log: %w", err)
	}
	res.Accepted, res.Duplicates = len(added), len(valid)-len(added)
	switch {
	case e.eventFeed == nil:
		e.count(added)
	case !e.eventsCounted.Load():
		// The first catch-up, counting the whole log in the background,
		// counts these too; waiting for it here would hold the request.
	default:
		if err := e.CatchUpEvents(ctx); err != nil {
			// Stored all the same: the next catch-up counts them.
			e.log.Warn("counting events from the shared log failed; the next catch-up will", "err", err)
		}
	}
	return res, nil
}

// addViews adds view counts by article and re-ranks each article once.
func (e *Engine) addViews(batch map[string]int64) {
	e.viewsMu.Lock()
	defer e.viewsMu.Unlock()
	if e.views == nil {
		e.views = map[string]int64{}
	}
	for id, n := range batch {
		e.views[id] += n
		e.articles.AddPopularity(id, float64(n))
	}
}

// eventViews returns the article views counted from events.
func (e *Engine) eventViews(id string) int64 {
	e.viewsMu.Lock()
	defer e.viewsMu.Unlock()
	return e.views[id]
}

// metrics returns the rollup, or an error when the engine has no event
// log or has not counted it yet.
func (e *Engine) metrics() (*analytics.Rollup, error) {
	if e.rollup == nil {
		return nil, models.Invalid("", "this server has no event log")
	}
	if !e.eventsCounted.Load() {
		return nil, &models.Error{Code: models.CodeUnavailable, Message: "this server started moments ago and is still counting the event log; metrics are back within a minute or two"}
	}
	return e.rollup, nil
}

// DeflectionMetrics reports sessions that reached the ticket form, those
// deflected, the deflection rate, the self-service score and the cost
// saved, as totals and a time series, optionally broken down.
func (e *Engine) DeflectionMetrics(ctx context.Context, q analytics.Query) (analytics.DeflectionReport, error) {
	r, err := e.metrics()
	if err != nil {
		return analytics.DeflectionReport{}, err
	}
	return r.Deflection(q)
}

// SearchMetrics reports top queries, queries with no results, click-through
// and queries whose sessions ended in a ticket anyway.
func (e *Engine) SearchMetrics(ctx context.Context, q analytics.Query, top int) (analytics.SearchReport, error) {
	r, err := e.metrics()
	if err != nil {
		return analytics.SearchReport{}, err
	}
	return r.Search(q, top)
}

// ArticleMetrics reports, per article, views, helpfulness, deflections and
// tickets filed after viewing it.
func (e *Engine) ArticleMetrics(ctx context.Context, q analytics.Query) (analytics.ArticleReport, error) {
	r, err := e.metrics()
	if err != nil {
		return analytics.ArticleReport{}, err
	}
	rep, err := r.Articles(q)
	if err != nil {
		return rep, err
	}
	for i := range rep.Articles {
		if a, err := e.store.Article(ctx, rep.Articles[i].ArticleID); err == nil {
			rep.Articles[i].Title = a.Title
		}
	}
	return rep, nil
}
