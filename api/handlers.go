package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

func (s *server) suggest(c *gin.Context) {
	portal, limit, err := portalAndLimit(c)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.Suggest(c.Request.Context(), models.SuggestRequest{Query: c.Query("q"), Portal: portal, Limit: limit})
	s.respond(c, http.StatusOK, res, err)
}

func (s *server) search(c *gin.Context) {
	portal, limit, err := portalAndLimit(c)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	offset, err := intParam(c, "offset")
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.Search(c.Request.Context(), models.SearchRequest{Query: c.Query("q"), Portal: portal, Limit: limit, Offset: offset})
	s.respond(c, http.StatusOK, res, err)
}

func (s *server) deflect(c *gin.Context) {
	var req struct {
		Subject string `json:"subject"`
		Body    string `json:"body"`
		Portal  string `json:"portal"`
		Limit   int    `json:"limit"`
	}
	if err := decodeStrict(c, &req); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	portal, err := models.ParsePortal(req.Portal)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.Deflect(c.Request.Context(), models.DeflectRequest{Subject: req.Subject, Body: req.Body, Portal: portal, Limit: req.Limit})
	s.respond(c, http.StatusOK, res, err)
}

func (s *server) getArticle(c *gin.Context) {
	portal, err := models.ParsePortal(c.Query("portal"))
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	a, err := s.engine.Article(c.Request.Context(), portal, c.Param("id"))
	s.respond(c, http.StatusOK, a, err)
}

func (s *server) putArticle(c *gin.Context) {
	var a models.Article
	if err := decodeDocument(c, &a, func() *string { return &a.ID }); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	created, err := s.engine.PutArticle(c.Request.Context(), &a)
	s.respond(c, createdStatus(created), a, err)
}

func (s *server) deleteArticle(c *gin.Context) {
	err := s.engine.DeleteArticle(c.Request.Context(), c.Param("id"))
	s.respond(c, http.StatusNoContent, nil, err)
}

func (s *server) putTicket(c *gin.Context) {
	var t models.Ticket
	if err := decodeDocument(c, &t, func() *string { return &t.ID }); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	created, err := s.engine.PutTicket(c.Request.Context(), &t)
	s.respond(c, createdStatus(created), t, err)
}

func (s *server) deleteTicket(c *gin.Context) {
	err := s.engine.DeleteTicket(c.Request.Context(), c.Param("id"))
	s.respond(c, http.StatusNoContent, nil, err)
}

// respond writes body with status, or err as a problem.
func (s *server) respond(c *gin.Context, status int, body any, err error) {
	switch {
	case err != nil:
		writeProblem(c, s.log, err)
	case body == nil:
		c.Status(status)
	default:
		c.JSON(status, body)
	}
}

func createdStatus(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

// portalAndLimit reads the portal and limit query parameters.
func portalAndLimit(c *gin.Context) (models.Portal, int, error) {
	portal, err := models.ParsePortal(c.Query("portal"))
	if err != nil {
		return "", 0, err
	}
	limit, err := intParam(c, "limit")
	return portal, limit, err
}

// intParam reads an optional integer query parameter; absent means 0.
func intParam(c *gin.Context, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, models.Invalid(name, "must be an integer, got %q", v)
	}
	return n, nil
}

// decodeDocument reads an article or ticket from the body. The id may be
// left out of the body; if given it must equal the id in the path.
func decodeDocument(c *gin.Context, doc any, id func() *string) error {
	if err := decodeJSON(c, doc, false); err != nil {
		return err
	}
	path := c.Param("id")
	switch got := id(); {
	case *got == "":
		*got = path
	case *got != path:
		return models.Invalid("id", "%q in the body differs from %q in the path", *got, path)
	}
	return nil
}

// decodeStrict reads a JSON body, rejecting fields the endpoint does not
// know, so a misspelt field is an error rather than silently ignored.
func decodeStrict(c *gin.Context, into any) error { return decodeJSON(c, into, true) }

func decodeJSON(c *gin.Context, into any, strict bool) error {
	dec := json.NewDecoder(c.Request.Body)
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(into)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the JSON value")
	}
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return models.TooLarge("body", "request body is over %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return models.Invalid("body", "is empty; send a JSON object")
	}
	if err = models.ExplainJSON(err); models.ErrorCode(err) != models.CodeInternal {
		return err
	}
	return models.Invalid("body", "%v", err)
}
