package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// answer answers POST /v1/answer: a question, or a ticket draft, answered
// from the articles the caller may read, or an explicit "no answer". With
// "stream": true the answer comes as server-sent events: "delta" events
// with the text of a generative answer as the model writes it, then one
// "answer" event with the whole answer (its text, passages, and the
// fallback when the model's reply could not be used: the page replaces
// what it showed), or an "error" event with a problem.
func (s *server) answer(c *gin.Context) {
	var req struct {
		Question   string `json:"question"`
		Subject    string `json:"subject"`
		Body       string `json:"body"`
		Portal     string `json:"portal"`
		SessionID  string `json:"session_id"`
		AnswerMode string `json:"answer_mode"`
		Stream     bool   `json:"stream"`
		models.Retrieval
	}
	if err := decodeStrict(c, &req); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	if req.AnswerMode != "" && req.AnswerMode != models.AnswerExtractive && req.AnswerMode != models.AnswerGenerative {
		writeProblem(c, s.log, models.Invalid("answer_mode", "must be extractive or generative, got %q", req.AnswerMode))
		return
	}
	aud, err := audience(c, req.Portal)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	areq := models.AnswerRequest{
		Question: req.Question, Subject: req.Subject, Body: req.Body, Audience: aud,
		SessionID: req.SessionID, AnswerMode: req.AnswerMode, Retrieval: req.Retrieval,
	}
	if !req.Stream {
		res, err := s.engine.Answer(c.Request.Context(), areq, nil)
		s.respond(c, http.StatusOK, res, err)
		return
	}
	events := &eventStream{c: c}
	res, err := s.engine.Answer(c.Request.Context(), areq, func(delta string) error {
		return events.send("delta", gin.H{"text": delta})
	})
	switch {
	case err != nil && !events.started:
		writeProblem(c, s.log, err) // nothing streamed yet: an ordinary error
	case err != nil:
		events.send("error", problemFor(err))
	default:
		events.send("answer", res)
	}
}

// eventStream writes server-sent events, starting the stream (status and
// headers) with the first one.
type eventStream struct {
	c       *gin.Context
	started bool
}

// send writes one event with v as its JSON data, and flushes it.
func (e *eventStream) send(event string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w := e.c.Writer
	if !e.started {
		e.started = true
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no") // proxies: do not hold the stream back
		w.WriteHeader(http.StatusOK)
	}
	if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
		return err
	}
	w.Flush()
	return nil
}
