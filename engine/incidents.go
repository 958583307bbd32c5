package engine

import (
	"context"
	"slices"
	"time"

	"github.com/siftdesk/sift/models"
)

// PutIncident creates or replaces an incident (see models.Incident); while
// it is open, matching searches, type-ahead and drafts show its notice
// first. created reports whether it is new.
func (e *Engine) PutIncident(ctx context.Context, i *models.Incident) (created bool, err error) {
	i.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	ch, err := models.NewIncidentChange(i)
	if err != nil {
		return false, err
	}
	return e.putRule(ctx, e.incidentSet(), ch, i.Portal)
}

// DeleteIncident removes an incident; deleting a missing one reports
// models.ErrNotFound.
func (e *Engine) DeleteIncident(ctx context.Context, id string) error {
	return e.deleteRule(ctx, e.incidentSet(), models.KindIncident, id)
}

func (e *Engine) incidentSet() ruleSet {
	ids := func(p models.Portal) []string {
		var out []string
		for _, i := range e.incidents.List(p) {
			out = append(out, i.ID)
		}
		return out
	}
	return ruleSet{ids: ids, limit: models.MaxIncidents, what: "incidents"}
}

// Incidents returns the incidents of a portal (its own and both
// portals'), or all of them for an empty portal, in id order.
func (e *Engine) Incidents(p models.Portal) []models.Incident { return e.incidents.List(p) }

// knownIssues returns the notices of the open incidents the audience may
// see that text is about (prefix: type-ahead, the last word may be
// partial), nil when there are none, and records each shown in the
// session.
func (e *Engine) knownIssues(session string, a models.Audience, text string, prefix bool) []models.KnownIssue {
	var out []models.KnownIssue
	for _, i := range e.incidents.Matching(a, text, prefix) {
		out = append(out, i.Notice())
		e.record(session, a.Portal, models.Event{Type: models.EventKnownIssueShown, IncidentID: i.ID})
	}
	return out
}

// ticketIncident returns the notice of the open incident a ticket is
// linked to, or else the first its text matches for the audience; nil
// when none.
func (e *Engine) ticketIncident(t *models.Ticket, a models.Audience) *models.KnownIssue {
	for _, i := range e.incidents.List(t.Portal) {
		if i.Open() && t.ID != "" && slices.Contains(i.Tickets, t.ID) {
			n := i.Notice()
			return &n
		}
	}
	if m := e.incidents.Matching(a, t.Subject+"\n"+t.Body, false); len(m) > 0 {
		n := m[0].Notice()
		return &n
	}
	return nil
}

// stems returns the terms of text as the article index analyses them.
func (e *Engine) stems(text string) []string {
	toks := e.fulltext.Analyze(text)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Term
	}
	return out
}
