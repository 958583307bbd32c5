package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/models"
)

// EventStore is the durable log of portal events.
type EventStore interface {
	// Append stores events durably, skipping ids already stored, and
	// reports how many were new and how many duplicates.
	Append(ctx context.Context, events []models.Event) (accepted, duplicates int, err error)
	// Scan calls fn with the events of [from, to) in time order.
	Scan(ctx context.Context, from, to time.Time, fn func(models.Event) error) error
}

// endOfTime is the open upper bound of a scan.
var endOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// MaxEventBatch bounds the events of one RecordEvents call.
const MaxEventBatch = 1000

// UseEvents gives the engine an event log and the settings of its
// deflection metrics, and replays the article views in the log into
// type-ahead popularity. Call it before the engine serves requests.
func (e *Engine) UseEvents(ctx context.Context, store EventStore, cfg analytics.Config) error {
	e.events, e.analytics = store, cfg
	counts := map[string]int64{}
	err := store.Scan(ctx, time.Time{}, endOfTime, func(ev models.Event) error {
		if ev.Type == models.EventArticleView {
			counts[ev.ArticleID]++
		}
		return nil
	})
	e.addViews(counts)
	e.startRecorder()
	return err
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
	accepted, dups, err := e.events.Append(ctx, valid)
	if err != nil {
		return res, fmt.Errorf("event log: %w", err)
	}
	res.Accepted, res.Duplicates = accepted, dups
	if dups == 0 { // with duplicates we cannot tell which views are new
		e.countViews(valid)
	}
	return res, nil
}

// countViews feeds article views back into type-ahead popularity, one
// re-rank per article.
func (e *Engine) countViews(events []models.Event) {
	batch := map[string]int64{}
	for _, ev := range events {
		if ev.Type == models.EventArticleView {
			batch[ev.ArticleID]++
		}
	}
	e.addViews(batch)
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

// aggregate scans the events of q's range into an aggregator.
func (e *Engine) aggregate(ctx context.Context, q analytics.Query) (*analytics.Aggregator, error) {
	if e.events == nil {
		return nil, models.Invalid("", "this server has no event log")
	}
	agg, err := analytics.New(e.analytics, q)
	if err != nil {
		return nil, err
	}
	to := q.To
	if to.IsZero() {
		to = endOfTime
	}
	err = e.events.Scan(ctx, q.From, to, func(ev models.Event) error {
		if err := agg.Add(ev); err != nil {
			e.log.Warn("event out of order for its session; not counted", "event", ev.ID, "err", err)
		}
		return nil
	})
	return agg, err
}

// DeflectionMetrics reports sessions that reached the ticket form, those
// deflected, the deflection rate, the self-service score and the cost
// saved, as totals and a time series, optionally broken down.
func (e *Engine) DeflectionMetrics(ctx context.Context, q analytics.Query) (analytics.DeflectionReport, error) {
	agg, err := e.aggregate(ctx, q)
	if err != nil {
		return analytics.DeflectionReport{}, err
	}
	return agg.Deflection(), nil
}

// SearchMetrics reports top queries, queries with no results, click-through
// and queries whose sessions ended in a ticket anyway.
func (e *Engine) SearchMetrics(ctx context.Context, q analytics.Query, top int) (analytics.SearchReport, error) {
	agg, err := e.aggregate(ctx, q)
	if err != nil {
		return analytics.SearchReport{}, err
	}
	return agg.Search(top), nil
}

// ArticleMetrics reports, per article, views, helpfulness, deflections and
// tickets filed after viewing it.
func (e *Engine) ArticleMetrics(ctx context.Context, q analytics.Query) (analytics.ArticleReport, error) {
	agg, err := e.aggregate(ctx, q)
	if err != nil {
		return analytics.ArticleReport{}, err
	}
	rep := agg.Articles()
	for i := range rep.Articles {
		if a, err := e.store.Article(ctx, rep.Articles[i].ArticleID); err == nil {
			rep.Articles[i].Title = a.Title
		}
	}
	return rep, nil
}
