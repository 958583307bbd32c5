package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// listCurations answers GET /v1/curations[?portal=]: the curation rules
// of the portal, or all of them.
func (s *server) listCurations(c *gin.Context) {
	listRules(s, c, "curations", s.engine.Curations)
}

// putCuration answers PUT /v1/curations/:id: a rule, recorded as written
// by the calling key, now.
func (s *server) putCuration(c *gin.Context) {
	var rule models.Curation
	if err := decodeDocument(c, &rule, func() *string { return &rule.ID }); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	rule.UpdatedBy = principal(c).KeyID
	created, err := s.engine.PutCuration(c.Request.Context(), &rule)
	s.respond(c, createdStatus(created), rule, err)
}

// deleteCuration answers DELETE /v1/curations/:id.
func (s *server) deleteCuration(c *gin.Context) {
	err := s.engine.DeleteCuration(c.Request.Context(), c.Param("id"))
	s.respond(c, http.StatusNoContent, nil, err)
}
