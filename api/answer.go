package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// answer answers POST /v1/answer: a question, or a ticket draft, answered
// from the articles the caller may read, or an explicit "no answer".
func (s *server) answer(c *gin.Context) {
	var req struct {
		Question  string `json:"question"`
		Subject   string `json:"subject"`
		Body      string `json:"body"`
		Portal    string `json:"portal"`
		SessionID string `json:"session_id"`
		models.Retrieval
	}
	if err := decodeStrict(c, &req); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	aud, err := audience(c, req.Portal)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.Answer(c.Request.Context(), models.AnswerRequest{
		Question: req.Question, Subject: req.Subject, Body: req.Body, Audience: aud,
		SessionID: req.SessionID, Retrieval: req.Retrieval,
	})
	s.respond(c, http.StatusOK, res, err)
}
