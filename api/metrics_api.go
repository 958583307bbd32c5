package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/engine/analytics"
	"github.com/siftdesk/sift/models"
)

// defaultMetricsRange is how far back metrics look without a from.
const defaultMetricsRange = 30 * 24 * time.Hour

func (s *server) postEvents(c *gin.Context) {
	var req struct {
		Events []models.Event `json:"events"`
	}
	if err := decodeStrict(c, &req); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	if err := ownPortalEvents(principal(c), req.Events); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.RecordEvents(c.Request.Context(), req.Events)
	if err == nil && res.Accepted+res.Duplicates == 0 {
		// Nothing in the batch was valid. Like every error this is a
		// problem+json body; the reasons go in a "rejected" extension
		// member, as in a 200 answer.
		p := problemFor(models.Invalid("events", "no valid event in the batch: %d rejected, see rejected", len(res.Rejected)))
		c.Header("Content-Type", "application/problem+json")
		c.AbortWithStatusJSON(p.Status, rejectedProblem{Problem: p, Rejected: res.Rejected})
		return
	}
	s.respond(c, http.StatusOK, res, err)
}

// ownPortalEvents gives a bound key's events its portal, and refuses an
// event of the other portal: a portal reports its own users only.
func ownPortalEvents(who models.Principal, events []models.Event) error {
	if who.Portal == "" {
		return nil
	}
	for i := range events {
		switch events[i].Portal {
		case "":
			events[i].Portal = who.Portal
		case who.Portal:
		default:
			return models.Forbidden(fmt.Sprintf("events[%d].portal", i), "this key is bound to the %s portal and may not report events of %q", who.Portal, events[i].Portal)
		}
	}
	return nil
}

// rejectedProblem is the 400 answer to a batch with no valid event.
type rejectedProblem struct {
	Problem
	Rejected []engine.EventProblem `json:"rejected"`
}

// metricsQuery reads from, to, portal, interval and by. from and to are
// RFC 3339 times or dates (YYYY-MM-DD, UTC); to defaults to the end of
// today (the next 00:00 UTC) and from to 30 days before to, so the default
// range is whole days, which the metrics answer from day summaries.
func metricsQuery(c *gin.Context) (analytics.Query, error) {
	q := analytics.Query{Interval: c.Query("interval"), By: c.Query("by")}
	var err error
	if q.To, err = timeParam(c, "to", time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)); err != nil {
		return q, err
	}
	if q.From, err = timeParam(c, "from", q.To.Add(-defaultMetricsRange)); err != nil {
		return q, err
	}
	if p := c.Query("portal"); p != "" {
		if q.Portal, err = models.ParsePortal(p); err != nil {
			return q, err
		}
	}
	return q, nil
}

func timeParam(c *gin.Context, name string, def time.Time) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, models.Invalid(name, "want an RFC 3339 time or a date such as 2026-11-01, got %q", v)
}

func (s *server) deflectionMetrics(c *gin.Context) {
	q, err := metricsQuery(c)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.DeflectionMetrics(c.Request.Context(), q)
	s.respond(c, http.StatusOK, res, err)
}

func (s *server) searchMetrics(c *gin.Context) {
	q, err := metricsQuery(c)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	top, err := intParam(c, "top")
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	if top == 0 {
		top = 20
	}
	if top < 1 || top > 100 {
		writeProblem(c, s.log, models.Invalid("top", "must be between 1 and 100, got %d", top))
		return
	}
	res, err := s.engine.SearchMetrics(c.Request.Context(), q, top)
	s.respond(c, http.StatusOK, res, err)
}

func (s *server) articleMetrics(c *gin.Context) {
	q, err := metricsQuery(c)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.ArticleMetrics(c.Request.Context(), q)
	s.respond(c, http.StatusOK, res, err)
}

// gapMetrics answers GET /v1/metrics/gaps: the topics self-service failed
// on in the period, with ticket ids for agents and admins only (analysts
// see figures and search phrases, never tickets).
func (s *server) gapMetrics(c *gin.Context) {
	q, err := metricsQuery(c)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	res, err := s.engine.Gaps(c.Request.Context(), q, principal(c).Role != models.RoleAnalyst)
	s.respond(c, http.StatusOK, res, err)
}
