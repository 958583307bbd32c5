package api

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// Hook receives one help desk's webhooks at POST /v1/hooks/{source}. cmd
// wires one per desk whose webhook secret is configured; the help desk
// connectors implement it.
type Hook interface {
	// Verify returns nil when the request's headers carry the desk's valid
	// signature (or shared secret) of body, and an error saying what is
	// wrong otherwise. It is called before the body is read as anything.
	Verify(header http.Header, body []byte) error
	// Changes returns the upserts and deletes a verified body stands for;
	// an error is the body's problem, naming the field.
	Changes(body []byte) ([]models.Change, error)
}

// HookResult is the answer to a webhook: how many documents it wrote and
// deleted.
type HookResult struct {
	Upserted int `json:"upserted"`
	Deleted  int `json:"deleted"`
}

// hookRoutes serves the inbound webhooks. They carry no API key: the
// desk's signature is the credential, so requests are rate-limited by
// address, like private links.
func (s *server) hookRoutes(r *gin.Engine) {
	r.POST("/v1/hooks/:source", s.rateLimitByAddress, s.hook)
}

// hook verifies a webhook and applies what it carries. A bad signature is
// refused with 401 before anything is read or written; writes are upserts
// and deletes by id, so a delivery repeated changes nothing more.
func (s *server) hook(c *gin.Context) {
	source := c.Param("source")
	h, ok := s.cfg.Hooks[source]
	if !ok {
		configured := strings.Join(slices.Sorted(maps.Keys(s.cfg.Hooks)), ", ")
		if configured == "" {
			configured = "none"
		}
		writeProblem(c, s.log, models.NotFound("no webhook for %q is configured (configured: %s)", source, configured))
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if tooBig := bodyTooLarge(err); tooBig != nil {
			err = tooBig
		}
		writeProblem(c, s.log, err)
		return
	}
	if err := h.Verify(c.Request.Header, body); err != nil {
		s.log.Warn("refused a webhook", "source", source, "err", err, "address", c.ClientIP())
		writeProblem(c, s.log, models.Unauthorized("webhook signature: %v", err))
		return
	}
	changes, err := h.Changes(body)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	ctx := c.Request.Context()
	var res HookResult
	for _, ch := range changes {
		switch {
		case ch.Delete && ch.Kind == models.KindArticle:
			err = s.engine.DeleteArticle(ctx, ch.ID)
		case ch.Delete && ch.Kind == models.KindTicket:
			err = s.engine.DeleteTicket(ctx, ch.ID)
		case ch.Article != nil:
			_, err = s.engine.PutArticle(ctx, ch.Article)
		case ch.Ticket != nil:
			_, err = s.engine.PutTicket(ctx, ch.Ticket)
		default:
			err = models.Invalid("", "a webhook may write articles and tickets only, not a %s", ch.Kind)
		}
		if errors.Is(err, models.ErrNotFound) && ch.Delete {
			err = nil // deleted already: the same delivery again
		}
		if err != nil {
			writeProblem(c, s.log, err)
			return
		}
		if ch.Delete {
			res.Deleted++
		} else {
			res.Upserted++
		}
	}
	c.JSON(http.StatusOK, res)
}
