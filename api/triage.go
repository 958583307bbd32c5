package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/models"
)

// classifyRequest is the body of classify. Each endpoint has its own
// request type so that strict decoding refuses the members of the other.
type classifyRequest struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
	Portal  string `json:"portal"` // validated; the models are shared by both portals
}

// sentimentRequest is the body of sentiment.
type sentimentRequest struct {
	Text string `json:"text"`
}

func (s *server) classify(c *gin.Context) {
	var req classifyRequest
	if err := decodeStrict(c, &req); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	if _, err := principal(c).ResolvePortal(req.Portal); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.Classify(c.Request.Context(), req.Subject, req.Body)
	s.respond(c, http.StatusOK, gin.H{"fields": res}, err)
}

func (s *server) sentiment(c *gin.Context) {
	var req sentimentRequest
	if err := decodeStrict(c, &req); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.Sentiment(req.Text)
	s.respond(c, http.StatusOK, res, err)
}

// triage takes a ticket, or {"ticket_id": ...} naming an indexed one.
//
// The body is decoded as a models.Ticket, which keeps members it does not
// model in Extra; ticket_id is read from there. (A struct embedding
// models.Ticket next to a TicketID field does not work: the embedded
// Ticket's UnmarshalJSON is promoted and decodes the whole body, so
// TicketID is never set.) So is reply_mode: "extractive" asks for a
// suggested reply quoted from its sources even when a chat model could
// write it.
func (s *server) triage(c *gin.Context) {
	var t models.Ticket
	if err := decodeJSON(c, &t, false); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	opts, err := triageOptions(&t)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	ticket := &t
	if raw, ok := t.Extra["ticket_id"]; ok {
		var id string
		if err := json.Unmarshal(raw, &id); err != nil {
			got := "something else"
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				got = "a JSON " + typeErr.Value
			}
			writeProblem(c, s.log, models.Invalid("ticket_id", "want a string, got %s", got))
			return
		}
		if strings.TrimSpace(id) == "" {
			writeProblem(c, s.log, models.Invalid("ticket_id", "is empty: give the id of an indexed ticket, or the ticket itself"))
			return
		}
		stored, err := s.engine.Ticket(c.Request.Context(), principal(c), id)
		if err != nil {
			writeProblem(c, s.log, err)
			return
		}
		ticket = stored
	} else if err := validateInline(principal(c), &t); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.TriageTicket(c.Request.Context(), principal(c), ticket, opts)
	s.respond(c, http.StatusOK, res, err)
}

// triageOptions reads, and takes out of t's extra members, the options
// of a triage request.
func triageOptions(t *models.Ticket) (engine.TriageOptions, error) {
	var opts engine.TriageOptions
	raw, ok := t.Extra["reply_mode"]
	if !ok {
		return opts, nil
	}
	delete(t.Extra, "reply_mode")
	if err := json.Unmarshal(raw, &opts.ReplyMode); err != nil || opts.ReplyMode != models.AnswerExtractive && opts.ReplyMode != models.AnswerGenerative {
		return opts, models.Invalid("reply_mode", "want %q or %q, got %s", models.AnswerExtractive, models.AnswerGenerative, raw)
	}
	return opts, nil
}

// validateInline checks a ticket given in full by the rules a stored
// ticket obeys, except that the id may be left out and the portal defaults
// to the key's (or customer); so an unknown priority or a ticket without
// text is refused naming its member, as PUT /v1/tickets/{id} would.
func validateInline(who models.Principal, t *models.Ticket) error {
	t.Normalize()
	portal, err := who.ResolvePortal(string(t.Portal))
	if err != nil {
		return err
	}
	t.Portal = portal
	v := *t
	if v.ID == "" {
		v.ID = "inline"
	}
	return v.Validate()
}

func (s *server) spikes(c *gin.Context) {
	who := principal(c)
	p := c.Query("portal")
	if p == "" && who.Portal == "" {
		p = string(models.PortalITSM) // spikes are for IT first: omitted or empty means itsm
	}
	portal, err := who.ResolvePortal(p)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	since := time.Now().Add(-24 * time.Hour)
	if v := c.Query("since"); v != "" {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			writeProblem(c, s.log, models.Invalid("since", "want an RFC 3339 time such as 2026-09-14T00:00:00Z, got %q", v))
			return
		}
	}
	res, err := s.engine.Spikes(c.Request.Context(), who, portal, since)
	s.respond(c, http.StatusOK, gin.H{"spikes": res, "since": since}, err)
}
