package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/siftdesk/sift/engine/answer"
	"github.com/siftdesk/sift/models"
)

// SuggestedReply is a reply an agent may send the ticket's requester:
// the answer the articles give and how similar solved tickets were
// resolved, with the sources it rests on.
type SuggestedReply struct {
	Text    string        `json:"text"`
	Mode    string        `json:"mode"` // models.AnswerExtractive, or generative
	Sources []ReplySource `json:"sources"`
	// Fallback says why a generative reply was not given when the server
	// has a chat model: the reply is then the extractive one.
	Fallback string `json:"fallback,omitempty"`
}

// TriageOptions tune a triage.
type TriageOptions struct {
	// ReplyMode is models.AnswerExtractive for a suggested reply quoted
	// from its sources even when a chat model could write it (a bulk
	// re-triage, say); empty lets the server choose: generative when it
	// has a chat model (see UseChat).
	ReplyMode string
}

// ReplySource is an article or a ticket a suggested reply draws on.
type ReplySource struct {
	Kind  string `json:"kind"` // "article" or "ticket"
	ID    string `json:"id"`
	Title string `json:"title"`
}

// replyGreeting opens every suggested reply.
const replyGreeting = "Hello,\n\n"

// maxReplyResolutions bounds the resolutions of similar tickets a reply
// quotes.
const maxReplyResolutions = 2

// suggestReply composes a reply to t from what its requester may read:
// the answer of articles with no restriction on t's portal, and the
// resolutions of similar solved tickets the requester may see. Nil when
// there is neither. With a chat model, and unless mode is extractive, the
// model writes it from those sources alone, citing them; a reply that
// fails (see answer.Generate) falls back to the quoted one and says why.
func (e *Engine) suggestReply(ctx context.Context, t *models.Ticket, similar []models.SimilarTicket, mode string) (*SuggestedReply, error) {
	requester := t.RequesterPrincipal()
	aud := models.Audience{Portal: t.Portal} // the requester's entitlements are unknown: unrestricted articles only
	def, err := e.Deflect(ctx, models.DeflectRequest{Subject: t.Subject, Body: t.Body, Audience: aud, Limit: answerCandidates, Answer: true})
	if err != nil {
		return nil, err
	}
	r := &SuggestedReply{Mode: models.AnswerExtractive, Sources: []ReplySource{}}
	var parts []string
	var sources []answer.Source // what a chat model may write the reply from
	if a := def.Answer; a != nil {
		p := a.Passages[0]
		parts = append(parts, a.Text, fmt.Sprintf("(From our article %q.)", p.Title))
		r.Sources = append(r.Sources, ReplySource{Kind: "article", ID: p.ArticleID, Title: p.Title})
		sources = append(sources, answer.Source{Title: p.Title, Heading: p.Heading, Text: a.Text})
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
		sources = append(sources, answer.Source{Title: "How a similar request was resolved", Heading: s.Subject, Text: s.Resolution})
		quoted++
	}
	if len(parts) == 0 {
		return nil, nil
	}
	r.Text = replyGreeting + strings.Join(parts, "\n\n")
	if e.chat != nil && mode != models.AnswerExtractive {
		e.generateReply(ctx, t, r, sources)
	}
	return r, nil
}

// generateReply has the chat model write r from its sources (in the
// order of r.Sources), keeping only the sources it cites; on failure r
// stays as quoted and Fallback says why.
func (e *Engine) generateReply(ctx context.Context, t *models.Ticket, r *SuggestedReply, sources []answer.Source) {
	g, fallback := e.chatGenerate(ctx, t.Subject+"\n"+t.Body, sources, nil, "generative reply fell back to the quoted one")
	if fallback != "" {
		r.Fallback = fallback
		return
	}
	cited := make([]ReplySource, len(g.Cited))
	for i, k := range g.Cited {
		cited[i] = r.Sources[k]
	}
	r.Text, r.Mode, r.Sources = replyGreeting+g.Text, models.AnswerGenerative, cited
}
