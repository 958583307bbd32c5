package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// listIncidents answers GET /v1/incidents[?portal=]: the incidents of the
// portal (its own and both portals'), or all of them; an agent bound to a
// portal sees its portal's.
func (s *server) listIncidents(c *gin.Context) {
	list := s.engine.Incidents
	if p := principal(c).Portal; p != "" {
		list = func(models.Portal) []models.Incident { return s.engine.Incidents(p) }
	}
	listRules(s, c, "incidents", list)
}

// putIncident answers PUT /v1/incidents/:id: an incident agents confirmed,
// recorded as written by the calling key, now. An agent bound to a portal
// writes that portal's incidents only.
func (s *server) putIncident(c *gin.Context) {
	var i models.Incident
	if err := decodeDocument(c, &i, func() *string { return &i.ID }); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	who := principal(c)
	if who.Portal != "" && i.Portal != who.Portal {
		writeProblem(c, s.log, models.Forbidden("portal", "this key is bound to the %s portal: an incident it writes must be of that portal", who.Portal))
		return
	}
	i.UpdatedBy = who.KeyID
	created, err := s.engine.PutIncident(c.Request.Context(), &i)
	s.respond(c, createdStatus(created), i, err)
}

// deleteIncident answers DELETE /v1/incidents/:id.
func (s *server) deleteIncident(c *gin.Context) {
	if p := principal(c).Portal; p != "" {
		for _, i := range s.engine.Incidents("") {
			if i.ID == c.Param("id") && i.Portal != p {
				writeProblem(c, s.log, models.Forbidden("portal", "this key is bound to the %s portal and may not delete incident %q", p, i.ID))
				return
			}
		}
	}
	err := s.engine.DeleteIncident(c.Request.Context(), c.Param("id"))
	s.respond(c, http.StatusNoContent, nil, err)
}
