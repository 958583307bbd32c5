package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/siftdesk/sift/models"
)

// Recording Sift's own calls: suggest, search and deflect made with a
// session id become events, so a portal that reports nothing still gets
// search analytics. They are queued and written in batches off the request
// path; when the queue is full an event is dropped rather than slowing a
// search down.
const (
	recordQueue = 10_000
	recordBatch = 500
	recordEvery = 200 * time.Millisecond
)

// recorder batches the engine's own events into the event log.
type recorder struct {
	queue chan models.Event
	done  chan struct{}
	once  sync.Once
}

// startRecorder runs the batching loop until Close.
func (e *Engine) startRecorder() {
	r := &recorder{queue: make(chan models.Event, recordQueue), done: make(chan struct{})}
	e.recorder = r
	go func() {
		defer close(r.done)
		tick := time.NewTicker(recordEvery)
		defer tick.Stop()
		var batch []models.Event
		flush := func() {
			if len(batch) == 0 {
				return
			}
			if _, err := e.RecordEvents(context.Background(), batch); err != nil {
				e.log.Warn("recording search events failed", "events", len(batch), "err", err)
			}
			batch = batch[:0]
		}
		for {
			select {
			case ev, ok := <-r.queue:
				if !ok {
					flush()
					return
				}
				if batch = append(batch, ev); len(batch) == recordBatch {
					flush()
				}
			case <-tick.C:
				flush()
			}
		}
	}()
}

// record queues one of the engine's own events, if it has an event log
// and the call named a session.
func (e *Engine) record(session string, p models.Portal, ev models.Event) {
	if e.recorder == nil || session == "" {
		return
	}
	var id [12]byte
	rand.Read(id[:])
	ev.ID, ev.SessionID, ev.Portal, ev.Time = "sift-"+hex.EncodeToString(id[:]), session, p, time.Now().UTC()
	if ev.Validate() != nil {
		return // e.g. an overlong session id: not worth failing the call for
	}
	select {
	case e.recorder.queue <- ev:
	default:
		e.log.Warn("event queue full; dropped the record of a call", "type", ev.Type)
	}
}

// hitIDs lists the article ids of hits.
func hitIDs(hits []models.ArticleHit) []string {
	ids := make([]string, 0, len(hits))
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// Close flushes the events the engine recorded of its own calls. Call it
// before closing the event log.
func (e *Engine) Close() {
	if e.recorder == nil {
		return
	}
	e.recorder.once.Do(func() { close(e.recorder.queue) })
	<-e.recorder.done
}
