package engine

import (
	"maps"
	"sync"

	"github.com/siftdesk/sift/models"
)

// The components whose readiness /healthz and /readyz report.
const (
	ComponentFullText    = "full_text"
	ComponentVectors     = "vectors"
	ComponentClassifiers = "classifiers"
	// ComponentTicketSearch is the in-memory ticket search similar tickets
	// come from once WarmTickets has loaded it.
	ComponentTicketSearch = "ticket_search"
	// ComponentMetrics is the rollup of a shared event log, counted in the
	// background at start (UseEvents with a feed, then CatchUpEvents).
	ComponentMetrics = "metrics"
)

// Readiness states of a component.
const (
	Ready     = "ready"     // answers use it
	Preparing = "preparing" // being built in the background: answers that need it are degraded
	Absent    = "absent"    // not configured: answers never use it
	// Loading: being loaded in the background while the server serves:
	// meanwhile a stand-in answers for it (similar tickets come from the
	// full-text index, the database's over PostgreSQL) or what needs it
	// says it is not ready yet (metrics answer 503 until the event log is
	// counted). The server is ready.
	Loading = "loading"
)

// readiness holds each component's state; safe for concurrent use. New
// starts it with full text ready and the rest absent.
type readiness struct {
	mu     sync.RWMutex
	states map[string]string
}

// SetReadiness records a component's state: a server that builds vectors
// or trains classifiers in the background marks them Preparing until
// they are done. UseVectors and UseClassifiers mark theirs Ready.
func (e *Engine) SetReadiness(component, state string) {
	e.ready.mu.Lock()
	defer e.ready.mu.Unlock()
	e.ready.states[component] = state
}

// Readiness returns each component's state.
func (e *Engine) Readiness() map[string]string {
	e.ready.mu.RLock()
	defer e.ready.mu.RUnlock()
	return maps.Clone(e.ready.states)
}

// degraded returns the components an answer in retrieval mode needs that
// are still being prepared, or nil.
func (e *Engine) degraded(mode string) []string {
	e.ready.mu.RLock()
	preparing := e.ready.states[ComponentVectors] == Preparing
	e.ready.mu.RUnlock()
	if mode != models.RetrievalText && preparing {
		return []string{ComponentVectors}
	}
	return nil
}
