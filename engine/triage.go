package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siftdesk/sift/engine/classify"
	"github.com/siftdesk/sift/engine/sentiment"
	"github.com/siftdesk/sift/models"
)

// UseClassifiers gives the engine trained ticket classifiers, one per
// labelled field ("category", "priority", "group", "department", ...).
// It may be called at any time, to swap in retrained models.
func (e *Engine) UseClassifiers(byField map[string]*classify.Model) {
	e.classifiers.Store(&byField)
	if len(byField) > 0 {
		e.SetReadiness(ComponentClassifiers, Ready)
	}
}

// models returns the current classifiers, by field.
func (e *Engine) models() map[string]*classify.Model {
	if m := e.classifiers.Load(); m != nil {
		return *m
	}
	return nil
}

// FieldPrediction is a classifier's answer for one field, with the
// version of the model that gave it.
type FieldPrediction struct {
	classify.Prediction
	ModelVersion string `json:"model_version"`
}

// MaxClassifyTextBytes bounds the subject plus body of a text to classify
// or analyse.
const MaxClassifyTextBytes = models.MaxDeflectTextBytes

// Classify predicts every field the engine has a classifier for, from a
// ticket's subject and body. A field whose support (confidence weighed by
// how familiar the text is, see classify.Prediction) is below its model's
// threshold is marked abstain, for a human queue.
func (e *Engine) Classify(ctx context.Context, subject, body string) (map[string]FieldPrediction, error) {
	text := strings.TrimSpace(subject + "\n" + body)
	if text == "" {
		return nil, models.Invalid("subject", "subject or body is required")
	}
	if len(text) > MaxClassifyTextBytes {
		return nil, models.TooLarge("body", "subject and body are %d bytes, at most %d allowed", len(text), MaxClassifyTextBytes)
	}
	classifiers := e.models()
	if len(classifiers) == 0 {
		return nil, models.Invalid("", "no classifiers are trained yet: run sift train on a data directory with labelled tickets")
	}
	var dense []float32
	out := make(map[string]FieldPrediction, len(classifiers))
	for field, m := range classifiers {
		if m.DenseDim() > 0 && dense == nil {
			if e.embedder == nil || e.embedder.Dimensions() != m.DenseDim() {
				return nil, fmt.Errorf("classifier %q needs %d-dimensional embeddings, and the server's embedder does not give them", field, m.DenseDim())
			}
			var err error
			t := models.Ticket{Subject: subject, Body: body}
			if dense, err = e.embedQuery(ctx, t.EmbeddingText()); err != nil {
				return nil, err
			}
		}
		var in []float32
		if m.DenseDim() > 0 {
			in = dense
		}
		man := m.Manifest()
		out[field] = FieldPrediction{Prediction: m.Predict(text, in), ModelVersion: field + "@" + man.TrainedAt.UTC().Format(time.RFC3339)}
	}
	return out, nil
}

// Sentiment scores text for polarity and the support signals
// (frustration, urgency, churn risk) with the words that triggered them.
func (e *Engine) Sentiment(text string) (sentiment.Result, error) {
	if strings.TrimSpace(text) == "" {
		return sentiment.Result{}, models.Invalid("text", "is required")
	}
	if len(text) > MaxClassifyTextBytes {
		return sentiment.Result{}, models.TooLarge("text", "is %d bytes, at most %d allowed", len(text), MaxClassifyTextBytes)
	}
	return e.sentiment.Analyze(text), nil
}

// SuggestedPriority is the priority Sift proposes for a ticket, and why.
type SuggestedPriority struct {
	Priority models.Priority `json:"priority"`
	Reasons  []string        `json:"reasons"`
}

// Routing is where a ticket should go.
type Routing struct {
	Group      string `json:"group,omitempty"`
	Department string `json:"department,omitempty"`
	// Abstain is set when a classifier was not confident enough: route to
	// a human queue.
	Abstain bool `json:"abstain"`
}

// Triage is everything an agent needs on opening a ticket.
type Triage struct {
	TicketID       string                     `json:"ticket_id,omitempty"`
	Classification map[string]FieldPrediction `json:"classification"`
	Sentiment      sentiment.Result           `json:"sentiment"`
	Priority       SuggestedPriority          `json:"priority"`
	Routing        Routing                    `json:"routing"`
	Similar        []models.SimilarTicket     `json:"similar_tickets"`
	// SimilarPending is set when similar tickets could not be searched in
	// time while this server loads its ticket search (a replica's first
	// minutes over many tickets): Similar is then empty because nothing
	// was searched, not because nothing matches; ask again shortly.
	SimilarPending bool                `json:"similar_tickets_pending,omitempty"`
	Articles       []models.ArticleHit `json:"suggested_articles"`
	// KnownIssue is the open incident the ticket is about (linked to it, or
	// matching it), if any: the agent can answer with its notice.
	KnownIssue *models.KnownIssue `json:"known_issue,omitempty"`
	// Reply is a reply the agent may send, from what the requester may
	// read; nil when nothing answers the ticket.
	Reply      *SuggestedReply `json:"suggested_reply,omitempty"`
	TookMicros int64           `json:"took_us"`
}

// TriageTicket classifies a ticket, reads its sentiment, proposes a
// priority and routing, and finds similar tickets and the articles that
// may resolve it. Without trained classifiers the classification is empty
// and priority and routing come from the ticket and its signals alone. who
// must work the tickets of t's portal, and sees only the similar tickets
// and articles it may see.
func (e *Engine) TriageTicket(ctx context.Context, who models.Principal, t *models.Ticket, opts TriageOptions) (Triage, error) {
	start := time.Now()
	t.Normalize()
	if t.Portal == "" {
		t.Portal = models.PortalCustomer
	}
	if _, err := models.ParsePortal(string(t.Portal)); err != nil {
		return Triage{}, err
	}
	if !who.CanWorkTickets(t.Portal) {
		return Triage{}, models.Forbidden("portal", "this key may not triage tickets of the %s portal", t.Portal)
	}
	clipped := *t // a stored ticket may be longer than the analysers take
	clipped.Body = clip(t.Body, MaxClassifyTextBytes-len(t.Subject)-1)
	t = &clipped
	out := Triage{TicketID: t.ID, Classification: map[string]FieldPrediction{}}
	var err error
	if len(e.models()) > 0 {
		if out.Classification, err = e.Classify(ctx, t.Subject, t.Body); err != nil {
			return Triage{}, err
		}
	}
	if out.Sentiment, err = e.Sentiment(t.Subject + "\n" + t.Body); err != nil {
		return Triage{}, err
	}
	out.Priority = suggestPriority(t, out.Classification, out.Sentiment)
	out.Routing = route(t, out.Classification)
	out.Similar, err = e.SimilarTickets(ctx, who, t, 5)
	if errors.Is(err, ErrSimilarTicketsPending) {
		out.Similar, out.SimilarPending, err = []models.SimilarTicket{}, true, nil
	}
	if err != nil {
		return Triage{}, err
	}
	def, err := e.Deflect(ctx, models.DeflectRequest{Subject: t.Subject, Body: t.Body, Audience: who.Audience(t.Portal), Limit: 3})
	if err != nil {
		return Triage{}, err
	}
	out.Articles = def.Articles
	out.KnownIssue = e.ticketIncident(t, who.Audience(t.Portal))
	if out.Reply, err = e.suggestReply(ctx, t, out.Similar, opts.ReplyMode); err != nil {
		return Triage{}, err
	}
	out.TookMicros = time.Since(start).Microseconds()
	return out, nil
}

// signalEscalation is the signal strength from which a signal raises the
// priority by one level.
const signalEscalation = 0.5

// suggestPriority starts from the predicted priority (or the ticket's own,
// or medium) and raises it one level for each strong signal: urgency,
// frustration with negative sentiment, churn risk, impact.
func suggestPriority(t *models.Ticket, cls map[string]FieldPrediction, s sentiment.Result) SuggestedPriority {
	base, why := models.PriorityMedium, "no priority given: medium"
	p, predicted := cls["priority"]
	switch {
	case predicted && !p.Abstain:
		base, why = models.Priority(p.Label), fmt.Sprintf("the priority model predicts %s (%.0f%%)", p.Label, 100*p.Confidence)
	case t.Priority != "":
		base, why = t.Priority, "the ticket says "+string(t.Priority)
	}
	if predicted && p.Abstain {
		why = fmt.Sprintf("the priority model says %s at %.2f with familiarity %.2f: support %.2f, below the %.2f it needs; %s",
			p.Label, p.Confidence, p.Familiarity, p.Support, p.Threshold, why)
	}
	level := slices.Index(models.Priorities, base)
	if level < 0 {
		level = 1
	}
	reasons := []string{why}
	for _, sig := range s.Signals {
		if sig.Strength < signalEscalation || sig.Kind == "frustration" && s.Label != "negative" {
			continue
		}
		if level < len(models.Priorities)-1 {
			level++
			reasons = append(reasons, fmt.Sprintf("raised: %s signal %.2f (%s)", sig.Kind, sig.Strength, strings.Join(sig.Evidence, ", ")))
		}
	}
	return SuggestedPriority{Priority: models.Priorities[level], Reasons: reasons}
}

// route takes group and department from the classifiers when confident,
// else from the ticket itself.
func route(t *models.Ticket, cls map[string]FieldPrediction) Routing {
	r := Routing{Group: t.Group, Department: t.Department}
	for field, dst := range map[string]*string{"group": &r.Group, "department": &r.Department} {
		p, ok := cls[field]
		switch {
		case ok && !p.Abstain:
			*dst = p.Label
		case ok:
			r.Abstain = true
		}
	}
	return r
}

// clip cuts s to at most n bytes, at a rune boundary.
func clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
