package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// listOrgs answers GET /v1/orgs[?portal=]: the organisation records of the
// portal, or all of them.
func (s *server) listOrgs(c *gin.Context) {
	listRules(s, c, "orgs", s.engine.Orgs)
}

// putOrg answers PUT /v1/orgs/:id: whether an organisation's users share
// their tickets, recorded as written by the calling key, now. The id is
// the organisation as tickets name it, URL-encoded ("Acme%20Ltd").
func (s *server) putOrg(c *gin.Context) {
	var org models.Org
	if err := decodeJSON(c, &org, false); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	if path := c.Param("id"); org.ID == "" {
		org.ID = path
	} else if org.ID != path {
		writeProblem(c, s.log, models.Invalid("id", "%q in the body differs from %q in the path", org.ID, path))
		return
	}
	org.UpdatedBy = principal(c).KeyID
	created, err := s.engine.PutOrg(c.Request.Context(), &org)
	s.respond(c, createdStatus(created), org, err)
}

// deleteOrg answers DELETE /v1/orgs/:id.
func (s *server) deleteOrg(c *gin.Context) {
	err := s.engine.DeleteOrg(c.Request.Context(), c.Param("id"))
	s.respond(c, http.StatusNoContent, nil, err)
}
