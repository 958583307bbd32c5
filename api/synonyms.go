package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// listSynonyms answers GET /v1/synonyms[?portal=]: the team's synonym
// rules that apply to the portal, or all of them.
func (s *server) listSynonyms(c *gin.Context) {
	listRules(s, c, "synonyms", s.engine.Synonyms)
}

// putSynonym answers PUT /v1/synonyms/:id: a rule, recorded as written by
// the calling key.
func (s *server) putSynonym(c *gin.Context) {
	var syn models.Synonym
	if err := decodeDocument(c, &syn, func() *string { return &syn.ID }); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	syn.UpdatedBy = principal(c).KeyID
	created, err := s.engine.PutSynonym(c.Request.Context(), &syn)
	s.respond(c, createdStatus(created), syn, err)
}

// deleteSynonym answers DELETE /v1/synonyms/:id.
func (s *server) deleteSynonym(c *gin.Context) {
	err := s.engine.DeleteSynonym(c.Request.Context(), c.Param("id"))
	s.respond(c, http.StatusNoContent, nil, err)
}
