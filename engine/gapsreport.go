package engine

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/engine/gaps"
	"github.com/siftdesk/sift/models"
)

// Gap grouping settings.
const (
	// maxGapSignals bounds the distinct queries of a period grouped into
	// topics, heaviest first: past them the rest weigh little.
	maxGapSignals = 500
	// gapThresholdVectors and gapThresholdLexical are the cosine to a
	// topic's centroid a signal needs to join it, with sentence
	// embeddings and with TF-IDF vectors of stems.
	gapThresholdVectors = 0.62
	gapThresholdLexical = 0.35
	// gapTopics bounds a report's topics.
	gapTopics = 20
)

// GapTopic is a topic self-service failed on, with the article nearest to
// it: "no article" (nothing relevant) is told apart from "an article
// that fails" (one relevant enough, which did not help).
type GapTopic struct {
	gaps.Topic
	// Title is a readable title a chat model wrote from the topic's
	// sample queries, when the server has one; Label is always there.
	Title string `json:"title,omitempty"`
	// Growth is Size over Previous minus one; null when there was nothing
	// the period before.
	Growth *float64 `json:"growth"`
	// Cost is the tickets of the topic at the agent cost.
	Cost float64 `json:"cost"`
	// Nearest is the article nearest the topic, if any, with its relevance.
	Nearest *GapArticle `json:"nearest_article,omitempty"`
	// Verdict is "no article" or "an article that fails".
	Verdict string `json:"verdict"`
}

// GapArticle is the article nearest a gap topic.
type GapArticle struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Relevance float64 `json:"relevance"`
}

// GapsReport is the topics of a period, largest first.
type GapsReport struct {
	From       time.Time     `json:"from,omitzero"`
	To         time.Time     `json:"to,omitzero"`
	Portal     models.Portal `json:"portal,omitempty"`
	Grouping   string        `json:"grouping"` // "embeddings" or "words"
	Topics     []GapTopic    `json:"topics"`
	TookMicros int64         `json:"took_us"`
}

// Gaps groups what self-service failed on in the period of q (and the
// period before it, for trends) into topics: searches with no confident
// answer (none, or none at models.ConfidentRelevance), queries after
// which a ticket was filed anyway, and tickets no article answers with
// confidence (their text groups them but is never shown to analysts). Each topic has
// its size, trend, key words, nearest article and the cost of its
// tickets. withTickets keeps the ticket ids, for agents and admins.
func (e *Engine) Gaps(ctx context.Context, q analytics.Query, withTickets bool) (GapsReport, error) {
	start := time.Now()
	r, err := e.metrics()
	if err != nil {
		return GapsReport{}, err
	}
	cur, err := r.Search(q, maxGapSignals)
	if err != nil {
		return GapsReport{}, err
	}
	signals := gapSignals(cur, false)
	prevFrom := q.From
	if !q.From.IsZero() && !q.To.IsZero() {
		prev := q
		prev.From, prev.To = q.From.Add(-q.To.Sub(q.From)), q.From
		prevFrom = prev.From
		if before, err := r.Search(prev, maxGapSignals); err == nil {
			signals = append(signals, gapSignals(before, true)...)
		}
	}
	tickets, err := e.ticketSignals(ctx, q, prevFrom)
	if err != nil {
		return GapsReport{}, err
	}
	signals = append(signals, tickets...)
	defl, err := r.Deflection(q)
	if err != nil {
		return GapsReport{}, err
	}
	analyze := func(text string) [][2]string {
		var out [][2]string
		for _, t := range e.fulltext.Analyze(text) {
			out = append(out, [2]string{t.Term, strings.ToLower(text[t.Start:t.End])})
		}
		return out
	}
	rep := GapsReport{From: q.From, To: q.To, Portal: q.Portal, Grouping: "words", Topics: []GapTopic{}}
	vectors, threshold := gaps.Lexical(signals, analyze), gapThresholdLexical
	if e.embedder != nil && len(signals) > 0 {
		texts := make([]string, len(signals))
		for i, s := range signals {
			texts[i] = s.Text
		}
		if vecs, err := e.embedder.Embed(ctx, texts); err == nil {
			vectors, threshold, rep.Grouping = vecs, gapThresholdVectors, "embeddings"
		}
	}
	topics := gaps.Group(signals, vectors, threshold, analyze)
	aud := models.Audience{Portal: q.Portal}
	if aud.Portal == "" {
		aud.Portal = models.PortalCustomer
	}
	for _, t := range topics[:min(len(topics), gapTopics)] {
		g := GapTopic{Topic: t, Cost: round(float64(t.Tickets)*defl.AgentCost*100) / 100, Verdict: "no article"}
		if !withTickets {
			g.TicketIDs = nil
			if len(t.Samples) == 0 {
				g.Label = "" // words of tickets alone: analysts see no ticket text
			}
		}
		if t.Previous > 0 {
			growth := round(float64(t.Size)/float64(t.Previous) - 1)
			g.Growth = &growth
		}
		res, best, mode, err := e.rankArticles(ctx, models.SearchRequest{Query: t.Label + " " + strings.Join(t.Samples, " "), Audience: aud, Limit: 1})
		if err == nil && len(res.Hits) > 0 && e.matched(best, mode) {
			h := res.Hits[0]
			g.Nearest = &GapArticle{ID: h.ID, Title: h.Title, Relevance: h.Relevance}
			if h.Relevance >= models.ConfidentRelevance {
				g.Verdict = "an article that fails"
			}
		}
		rep.Topics = append(rep.Topics, g)
	}
	e.titleGaps(ctx, rep.Topics)
	rep.TookMicros = time.Since(start).Microseconds()
	return rep, nil
}

// titledGaps is how many of a report's largest topics a chat model titles.
const titledGaps = 5

// gapTitleTimeout bounds the titling of a report's topics, all together.
const gapTitleTimeout = 5 * time.Second

// titleGaps has the chat model, when the engine has one, write a short
// title for each of the largest topics from its label and sample queries
// (search phrases only, never ticket text). A topic whose title fails
// keeps its key words alone.
func (e *Engine) titleGaps(ctx context.Context, topics []GapTopic) {
	if e.chat == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, gapTitleTimeout)
	defer cancel()
	const system = "You name groups of help-centre searches that found no answer, so a support team knows what article to write. " +
		"Reply with a title of at most eight words and nothing else."
	for i := range topics[:min(len(topics), titledGaps)] {
		t := &topics[i]
		if len(t.Samples) == 0 || t.Label == "" {
			continue // a topic of tickets alone: its words are private
		}
		user := "Key words: " + t.Label + "\nSearches:\n- " + strings.Join(t.Samples, "\n- ")
		title, err := e.chat.Complete(ctx, system, user)
		title = strings.Trim(strings.TrimSpace(title), "\"'.")
		if err != nil || title == "" || len(title) > 120 || strings.Contains(title, "\n") {
			continue
		}
		t.Title = title
	}
}

// maxGapTickets bounds the tickets of each period read for gaps, the most
// recent first.
const maxGapTickets = 300

// ticketSignals returns the tickets created in the period of q (and, from
// prevFrom, the period before) on its portal that no article answers with
// confidence: the best found for the subject and opening of the body is
// below models.ConfidentRelevance, or none is.
func (e *Engine) ticketSignals(ctx context.Context, q analytics.Query, prevFrom time.Time) ([]gaps.Signal, error) {
	cur, prev, err := e.periodTickets(ctx, q, prevFrom)
	if err != nil {
		return nil, err
	}
	var out []gaps.Signal
	for _, set := range []struct {
		tickets  []*models.Ticket
		previous bool
	}{{cur, false}, {prev, true}} {
		slices.SortFunc(set.tickets, func(a, b *models.Ticket) int { return b.CreatedAt.Compare(a.CreatedAt) })
		for _, t := range set.tickets[:min(len(set.tickets), maxGapTickets)] {
			text := clip(models.FirstWords(t.Subject+"\n"+t.Body, gapTicketWords), models.MaxSearchQueryLength)
			if strings.TrimSpace(text) == "" {
				continue
			}
			res, best, mode, err := e.rankArticles(ctx, models.SearchRequest{Query: text, Audience: models.Audience{Portal: t.Portal}, Limit: 1})
			if err == nil && len(res.Hits) > 0 && e.matched(best, mode) && best >= models.ConfidentRelevance {
				continue // an article answers it
			}
			out = append(out, gaps.Signal{Text: text, Kind: gaps.KindTicket, Weight: 1, Previous: set.previous, TicketID: t.ID})
		}
	}
	return out, nil
}

// periodTickets returns the tickets created in the period of q and in the
// one before it (from prevFrom), on its portal: the most recent
// maxGapTickets of each from the timeline once it is built, else every one
// read from the store.
func (e *Engine) periodTickets(ctx context.Context, q analytics.Query, prevFrom time.Time) (cur, prev []*models.Ticket, err error) {
	if ids, ok := e.timeline.between(q.Portal, q.From, q.To, maxGapTickets); ok {
		var before []string
		if !q.From.IsZero() {
			before, _ = e.timeline.between(q.Portal, prevFrom, q.From, maxGapTickets)
		}
		load := func(ids []string) []*models.Ticket {
			var out []*models.Ticket
			for _, id := range ids {
				if t, err := e.store.Ticket(ctx, id); err == nil {
					out = append(out, t)
				}
			}
			return out
		}
		return load(ids), load(before), nil
	}
	err = e.store.Tickets(ctx, func(t *models.Ticket) error {
		switch {
		case q.Portal != "" && t.Portal != q.Portal:
		case !q.To.IsZero() && !t.CreatedAt.Before(q.To):
		case q.From.IsZero() || !t.CreatedAt.Before(q.From):
			cur = append(cur, t)
		case !prevFrom.IsZero() && !t.CreatedAt.Before(prevFrom):
			prev = append(prev, t)
		}
		return nil
	})
	return cur, prev, err
}

// gapTicketWords is how much of a ticket stands for it in gaps: its
// subject and the opening of its body.
const gapTicketWords = 12

// gapSignals turns a search report's unanswered queries and ticket-anyway
// queries into signals.
func gapSignals(rep analytics.SearchReport, previous bool) []gaps.Signal {
	var out []gaps.Signal
	for _, g := range rep.Unanswered {
		out = append(out, gaps.Signal{Text: g.Query, Kind: gaps.KindSearch, Weight: g.Searches, Previous: previous})
	}
	for _, t := range rep.TicketAnyway {
		out = append(out, gaps.Signal{Text: t.Query, Kind: gaps.KindTicketAnyway, Weight: t.Tickets, Previous: previous})
	}
	return out
}
