package api

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// LinkStore keeps private access links, so that they can be revoked. The
// embedded store (indexer/bolt) implements it. Implementations must be
// safe for concurrent use.
type LinkStore interface {
	// CreateLink stores a new link; an id already stored is an error
	// matching models.ErrConflict.
	CreateLink(ctx context.Context, l models.Link) error
	// Link returns a link, revoked and expired ones included, or an error
	// matching models.ErrNotFound.
	Link(ctx context.Context, id string) (models.Link, error)
	// RevokeLink marks a link revoked; a link already revoked keeps its
	// first time. An unknown id is an error matching models.ErrNotFound.
	RevokeLink(ctx context.Context, id string, at time.Time) error
}

// linkService signs, stores and checks private links.
type linkService struct {
	store  LinkStore
	secret []byte
}

// createLinkRequest is the body of POST /v1/tickets/{id}/links; it may be
// left out.
type createLinkRequest struct {
	TTLSeconds int64 `json:"ttl_seconds"`
}

// createdLink is the answer to POST /v1/tickets/{id}/links.
type createdLink struct {
	models.Link
	Token string `json:"token"`
	URL   string `json:"url"` // relative to the server
}

var errNoLinks = &models.Error{Code: models.CodeUnavailable, Message: "private links are not configured on this server"}

func (s *server) createLink(c *gin.Context) {
	if s.links == nil {
		writeProblem(c, s.log, errNoLinks)
		return
	}
	var req createLinkRequest
	if !emptyBody(c) {
		if err := decodeStrict(c, &req); err != nil {
			writeProblem(c, s.log, err)
			return
		}
	}
	// Bounded in seconds, before the conversion to a Duration could
	// overflow.
	const maxTTLSeconds = int64(models.MaxLinkTTL / time.Second)
	ttl := models.DefaultLinkTTL
	switch {
	case req.TTLSeconds < 0 || req.TTLSeconds > maxTTLSeconds:
		writeProblem(c, s.log, models.Invalid("ttl_seconds", "must be between 1 and %d (90 days), got %d", maxTTLSeconds, req.TTLSeconds))
		return
	case req.TTLSeconds > 0:
		ttl = time.Duration(req.TTLSeconds) * time.Second
	}
	who := principal(c)
	t, err := s.engine.Ticket(c.Request.Context(), who, c.Param("id"))
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	id := make([]byte, linkIDBytes)
	rand.Read(id)
	now := time.Now().UTC().Truncate(time.Second)
	l := models.Link{ID: hex.EncodeToString(id), TicketID: t.ID, Ticket: models.TicketFingerprint(t), CreatedAt: now, ExpiresAt: now.Add(ttl), CreatedBy: who.KeyID}
	if err := s.links.store.CreateLink(c.Request.Context(), l); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	token := signLinkToken(s.links.secret, id, t.ID, l.ExpiresAt)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, createdLink{Link: l, Token: token, URL: "/v1/links/" + token})
}

// emptyBody reports whether the request has no body, also when it is sent
// chunked, without a length.
func emptyBody(c *gin.Context) bool {
	if c.Request.ContentLength >= 0 {
		return c.Request.ContentLength == 0
	}
	br := bufio.NewReader(c.Request.Body)
	c.Request.Body = struct {
		io.Reader
		io.Closer
	}{br, c.Request.Body}
	_, err := br.Peek(1)
	return errors.Is(err, io.EOF)
}

func (s *server) revokeLink(c *gin.Context) {
	if s.links == nil {
		writeProblem(c, s.log, errNoLinks)
		return
	}
	ctx := c.Request.Context()
	t, err := s.engine.Ticket(ctx, principal(c), c.Param("id"))
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	l, err := s.links.store.Link(ctx, c.Param("link"))
	if err == nil && l.TicketID != t.ID {
		err = models.NotFound("link %q not found", c.Param("link"))
	}
	if err == nil {
		err = s.links.store.RevokeLink(ctx, l.ID, time.Now())
	}
	s.respond(c, http.StatusNoContent, nil, err)
}

// readLink shows what a private link grants: its ticket's status and
// suggested public articles. The token is the only credential. A forged or
// unknown token is 404; an expired or revoked one 410.
func (s *server) readLink(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	if s.links == nil {
		writeProblem(c, s.log, errNoLinks)
		return
	}
	notFound := models.NotFound("no such link")
	claims, err := parseLinkToken(s.links.secret, c.Param("token"))
	if err != nil {
		writeProblem(c, s.log, notFound)
		return
	}
	if !time.Now().Before(claims.ExpiresAt) {
		writeProblem(c, s.log, models.Gone("this link expired at %s", claims.ExpiresAt.Format(time.RFC3339)))
		return
	}
	ctx := c.Request.Context()
	l, err := s.links.store.Link(ctx, claims.LinkID)
	switch {
	case errors.Is(err, models.ErrNotFound) || err == nil && l.TicketID != claims.TicketID:
		writeProblem(c, s.log, notFound)
		return
	case err != nil:
		writeProblem(c, s.log, err)
		return
	case !l.RevokedAt.IsZero():
		writeProblem(c, s.log, models.Gone("this link was revoked"))
		return
	}
	view, err := s.engine.LinkView(ctx, claims.TicketID, l.Ticket)
	if errors.Is(err, models.ErrNotFound) {
		err = models.Gone("the ticket of this link was deleted")
	}
	s.respond(c, http.StatusOK, view, err)
}
