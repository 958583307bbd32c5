package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

func (s *server) suggest(c *gin.Context) {
	aud, limit, err := audienceAndLimit(c)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.Suggest(c.Request.Context(), models.SuggestRequest{
		Query: c.Query("q"), Audience: aud, Limit: limit, SessionID: c.Query("session_id"),
	})
	s.respond(c, http.StatusOK, res, err)
}

func (s *server) search(c *gin.Context) {
	aud, limit, err := audienceAndLimit(c)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	offset, err := intParam(c, "offset")
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	retrieval, err := retrievalParams(c)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.Search(c.Request.Context(), models.SearchRequest{
		Query: c.Query("q"), Audience: aud, Limit: limit, Offset: offset, Retrieval: retrieval,
		SessionID: c.Query("session_id"),
	})
	s.respond(c, http.StatusOK, res, err)
}

// retrievalParams reads the optional mode, vector_weight and explain query
// parameters.
func retrievalParams(c *gin.Context) (models.Retrieval, error) {
	r := models.Retrieval{Mode: c.Query("mode")}
	if v := c.Query("vector_weight"); v != "" {
		w, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return r, models.Invalid("vector_weight", "must be a number between 0 and 1, got %q", v)
		}
		r.VectorWeight = &w
	}
	if v := c.Query("explain"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return r, models.Invalid("explain", "must be true or false, got %q", v)
		}
		r.Explain = b
	}
	return r, nil
}

func (s *server) deflect(c *gin.Context) {
	var req struct {
		Subject   string `json:"subject"`
		Body      string `json:"body"`
		Portal    string `json:"portal"`
		Limit     *int   `json:"limit"`
		SessionID string `json:"session_id"`
		Answer    bool   `json:"answer"`
		models.Retrieval
	}
	if err := decodeStrict(c, &req); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	limit := 0
	if req.Limit != nil {
		limit = *req.Limit
	}
	if err := explicitLimit(req.Limit != nil, limit); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	aud, err := audience(c, req.Portal)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.Deflect(c.Request.Context(), models.DeflectRequest{
		Subject: req.Subject, Body: req.Body, Audience: aud, Limit: limit, Retrieval: req.Retrieval,
		SessionID: req.SessionID, Answer: req.Answer,
	})
	s.respond(c, http.StatusOK, res, err)
}

func (s *server) getArticle(c *gin.Context) {
	aud, err := audience(c, c.Query("portal"))
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	a, err := s.engine.Article(c.Request.Context(), aud, c.Param("id"))
	s.respond(c, http.StatusOK, a, err)
}

func (s *server) getTicket(c *gin.Context) {
	t, err := s.engine.Ticket(c.Request.Context(), principal(c), c.Param("id"))
	s.respond(c, http.StatusOK, t, err)
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

// audience returns what the request's principal may read on the portal
// it asks for (requested; empty means the key's own portal, or the
// customer portal). A key bound to a portal may not ask for another. The
// answer names the portal it is for in the X-Sift-Portal header, so that
// an agent who left portal out can see it got the customer portal's view.
func audience(c *gin.Context, requested string) (models.Audience, error) {
	who := principal(c)
	portal, err := who.ResolvePortal(requested)
	if err != nil {
		return models.Audience{}, err
	}
	c.Header(HeaderPortal, string(portal))
	return who.Audience(portal), nil
}

// audienceAndLimit reads the portal and limit query parameters. An
// absent limit is 0, the engine's default; a limit given as 0 is refused.
func audienceAndLimit(c *gin.Context) (models.Audience, int, error) {
	aud, err := audience(c, c.Query("portal"))
	if err != nil {
		return aud, 0, err
	}
	limit, err := intParam(c, "limit")
	if err == nil {
		err = explicitLimit(c.Query("limit") != "", limit)
	}
	return aud, limit, err
}

// explicitLimit refuses a limit that was given as 0: 0 means the default
// only when the limit is left out.
func explicitLimit(given bool, limit int) error {
	if given && limit == 0 {
		return models.Invalid("limit", "must be 1 or more, got 0 (leave it out for the default)")
	}
	return nil
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
// left out of the body; if given it must equal the id in the path. The
// path's id is checked first, as given, so that an id the store would
// normalise (" a1" to "a1") cannot create a document under another URL.
func decodeDocument(c *gin.Context, doc any, id func() *string) error {
	path := c.Param("id")
	if err := models.ValidateID(path); err != nil {
		return err
	}
	if err := decodeJSON(c, doc, false); err != nil {
		return err
	}
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

// errTrailingData reports a body with more than one JSON value.
var errTrailingData = models.Invalid("", "malformed JSON: unexpected data after the JSON value")

func decodeJSON(c *gin.Context, into any, strict bool) error {
	dec := json.NewDecoder(c.Request.Body)
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(into)
	if err == nil {
		// Only white space may follow the value. (dec.More is not enough:
		// it reports false for a stray ']' or '}'.)
		if _, tokErr := dec.Token(); !errors.Is(tokErr, io.EOF) {
			err = errTrailingData
			if isTooBig(tokErr) {
				err = tokErr
			}
		}
	}
	if tooBig := bodyTooLarge(err); tooBig != nil {
		return tooBig
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		return models.Invalid("body", "is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return models.Invalid("", "malformed JSON: the body ends in the middle of a JSON value")
	case errors.As(err, &typeErr) && typeErr.Field == "":
		// The body as a whole has the wrong type; do not name Go types.
		return models.Invalid("", "want a JSON object, got a JSON %s", typeErr.Value)
	}
	if name, ok := unknownField(err); ok {
		return models.Invalid(name, "unknown field %q; see /openapi.json for the members this endpoint accepts", name)
	}
	if err = models.ExplainJSON(err); models.ErrorCode(err) != models.CodeInternal {
		return err
	}
	return models.Invalid("body", "%v", err)
}

func isTooBig(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}

// bodyTooLarge is the error for a request body read past its limit,
// naming the limit; nil for any other err.
func bodyTooLarge(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return models.TooLarge("body", "request body is over %d bytes", tooBig.Limit)
	}
	return nil
}

// unknownField returns the member named by the error DisallowUnknownFields
// produces. encoding/json has no type for it, only the message
// `json: unknown field "name"`.
func unknownField(err error) (string, bool) {
	rest, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return "", false
	}
	name, err := strconv.Unquote(rest)
	return name, err == nil
}
