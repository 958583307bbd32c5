package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/siftdesk/sift/models"
)

// SuggestedReply is a reply an agent may send the ticket's requester:
// the answer the articles give and how similar solved tickets were
// resolved, with the sources it rests on.
type SuggestedReply struct {
	Text    string        `json:"text"`
	Mode    string        `json:"mode"` // models.AnswerExtractive, or generative
	Sources []ReplySource `json:"sources"`
}

// ReplySource is an article or a ticket a suggested reply draws on.
type ReplySource struct {
	Kind  string `json:"kind"` // "article" or "ticket"
	ID    string `json:"id"`
	Title string `json:"title"`
}

// maxReplyResolutions bounds the resolutions of similar tickets a reply
// quotes.
const maxReplyResolutions = 2

// suggestReply composes a reply to t from what its requester may read:
// the answer of articles with no restriction on t's portal, and the
// resolutions of similar solved tickets the requester may see. Nil when
// there is neither.
func (e *Engine) suggestReply(ctx context.Context, t *models.Ticket, similar []models.SimilarTicket) (*SuggestedReply, error) {
	requester := t.RequesterPrincipal()
	aud := models.Audience{Portal: t.Portal} // the requester's entitlements are unknown: unrestricted articles only
	def, err := e.Deflect(ctx, models.DeflectRequest{Subject: t.Subject, Body: t.Body, Audience: aud, Limit: answerCandidates, Answer: true})
	if err != nil {
		return nil, err
	}
	r := &SuggestedReply{Mode: models.AnswerExtractive, Sources: []ReplySource{}}
	var parts []string
	if a := def.Answer; a != nil {
		p := a.Passages[0]
		parts = append(parts, a.Text, fmt.Sprintf("(From our article %q.)", p.Title))
		r.Sources = append(r.Sources, ReplySource{Kind: "article", ID: p.ArticleID, Title: p.Title})
	}
	quoted := 0
	for _, s := range similar {
		if quoted == maxReplyResolutions || s.Resolution == "" || openStatus(s.Status) {
			continue
		}
		other, err := e.store.Ticket(ctx, s.ID)
		if err != nil || !requester.CanSeeTicket(other, e.orgs.Shares) {
			continue // deleted meanwhile, or another person's
		}
		parts = append(parts, fmt.Sprintf("A similar request (%s) was resolved this way: %s", s.ID, s.Resolution))
		r.Sources = append(r.Sources, ReplySource{Kind: "ticket", ID: s.ID, Title: s.Subject})
		quoted++
	}
	if len(parts) == 0 {
		return nil, nil
	}
	r.Text = "Hello,\n\n" + strings.Join(parts, "\n\n")
	return r, nil
}
