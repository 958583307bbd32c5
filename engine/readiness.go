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
)

// Readiness states of a component.
const (
	Ready     = "ready"     // answers use it
	Preparing = "preparing" // being built in the background: answers that need it are degraded
	Absent    = "absent"    // not configured: answers never use it
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
