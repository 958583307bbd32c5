package engine

import (
	"context"

	"github.com/siftdesk/sift/models"
)

// LinkView is what a private access link shows: one ticket's status and
// the public articles that may resolve it, nothing else.
type LinkView struct {
	TicketID string              `json:"ticket_id"`
	Status   string              `json:"status"`
	Articles []models.ArticleHit `json:"suggested_articles"`
}

// linkArticles is how many articles a link suggests.
const linkArticles = 5

// LinkView returns what the private link to a ticket shows. The articles
// are those an anonymous customer may read: public and restricted to no
// product or tier, whoever the ticket belongs to. fingerprint, when not
// empty, is the ticket's the link was issued for: another ticket under the
// same id is reported not found.
func (e *Engine) LinkView(ctx context.Context, ticketID, fingerprint string) (LinkView, error) {
	t, err := e.store.Ticket(ctx, ticketID)
	if err != nil {
		return LinkView{}, err
	}
	if fingerprint != "" && fingerprint != models.TicketFingerprint(t) {
		return LinkView{}, models.NotFound("ticket %q is not the one the link was issued for", ticketID)
	}
	out := LinkView{TicketID: t.ID, Status: t.Status, Articles: []models.ArticleHit{}}
	if out.Status == "" {
		out.Status = "open"
	}
	def, err := e.Deflect(ctx, models.DeflectRequest{Subject: t.Subject, Body: t.Body, Audience: models.Audience{}, Limit: linkArticles})
	if err != nil {
		return LinkView{}, err
	}
	for _, h := range def.Articles {
		h.Explain = nil
		out.Articles = append(out.Articles, h)
	}
	return out, nil
}
