package outbound

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/siftdesk/sift/models"
)

// Spike is a burst of near-duplicate tickets, as the engine finds them.
type Spike struct {
	Portal   models.Portal `json:"portal"`
	Size     int           `json:"size"`
	FirstAt  time.Time     `json:"first_at"`
	Subject  string        `json:"subject"`
	Category string        `json:"category,omitempty"`
	Tickets  []string      `json:"tickets"`
}

// Gap is a topic self-service fails on, as the content gaps report has it.
type Gap struct {
	Topic string `json:"topic"`
	Size  int    `json:"size"` // searches and tickets in the period
}

// Watcher turns what the engine knows into events: each Check compares
// known issues, spikes and content gaps with the last Check's and
// publishes what changed. The first Check only takes stock, so a restart
// does not announce what was already there. Nil sources are not watched.
type Watcher struct {
	Incidents func() []models.Incident
	Spikes    func(ctx context.Context) ([]Spike, error)
	Gaps      func(ctx context.Context) ([]Gap, error)
	// GapThreshold is the size at which a gap is announced, once, until
	// it falls below again.
	GapThreshold int
	Publish      func(ctx context.Context, ev Event)

	started bool
	issues  map[string]string // status by incident id
	spikes  map[string]bool   // by first ticket
	gaps    map[string]bool   // topics over the threshold
}

// Check takes stock once and publishes the changes since the last Check.
// The sources are read first: when one fails nothing is taken stock of,
// so the next Check publishes every change since the last good one. It is
// not safe for concurrent use.
func (w *Watcher) Check(ctx context.Context) error {
	var spikes []Spike
	var gaps []Gap
	var err error
	if w.Spikes != nil {
		if spikes, err = w.Spikes(ctx); err != nil {
			return fmt.Errorf("spikes: %w", err)
		}
	}
	if w.Gaps != nil {
		if gaps, err = w.Gaps(ctx); err != nil {
			return fmt.Errorf("content gaps: %w", err)
		}
	}
	var events []Event
	if w.Incidents != nil {
		events = append(events, w.issueEvents(w.Incidents())...)
	}
	if w.Spikes != nil {
		events = append(events, w.spikeEvents(spikes)...)
	}
	if w.Gaps != nil {
		events = append(events, w.gapEvents(gaps)...)
	}
	if !w.started {
		w.started = true
		return nil
	}
	for _, ev := range events {
		w.Publish(ctx, ev)
	}
	return nil
}

// issueEvents are the known issues opened and resolved since the last
// Check; it takes stock of incidents.
func (w *Watcher) issueEvents(incidents []models.Incident) []Event {
	var events []Event
	now := map[string]string{}
	for _, inc := range incidents {
		now[inc.ID] = inc.Status
		was, seen := w.issues[inc.ID]
		switch {
		case inc.Status == models.IncidentResolved && seen && was != models.IncidentResolved:
			events = append(events, Event{Type: KnownIssueResolved, Data: inc})
		case inc.Status != models.IncidentResolved && (!seen || was == models.IncidentResolved):
			events = append(events, Event{Type: KnownIssueOpened, Data: inc})
		}
	}
	w.issues = now
	return events
}

// spikeEvents are the spikes new since the last Check; it takes stock of
// spikes.
func (w *Watcher) spikeEvents(spikes []Spike) []Event {
	var events []Event
	now := map[string]bool{}
	for _, s := range spikes {
		if len(s.Tickets) == 0 {
			continue
		}
		key := string(s.Portal) + "/" + s.Tickets[0]
		now[key] = true
		if !w.spikes[key] {
			events = append(events, Event{Type: SpikeDetected, Data: s})
		}
	}
	w.spikes = now
	return events
}

// gapEvents are the content gaps that reached GapThreshold since the last
// Check; it takes stock of gaps.
func (w *Watcher) gapEvents(gaps []Gap) []Event {
	var events []Event
	now := map[string]bool{}
	for _, g := range gaps {
		key := strings.ToLower(g.Topic)
		if g.Size < w.GapThreshold || now[key] {
			continue
		}
		now[key] = true
		if !w.gaps[key] {
			events = append(events, Event{Type: ContentGapCrossed, Data: map[string]any{"topic": g.Topic, "size": g.Size, "threshold": w.GapThreshold}})
		}
	}
	w.gaps = now
	return events
}

// Run calls Check every interval until ctx ends, logging through report
// the checks that fail.
func (w *Watcher) Run(ctx context.Context, every time.Duration, report func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := w.Check(ctx); err != nil && report != nil {
			report(err)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}
