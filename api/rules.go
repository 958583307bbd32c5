package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// listRules answers a GET of a team's rules or records (synonyms,
// curations, organisations) named name: those of the ?portal= given (its
// own and both portals'), or all of them, as {name: [...]}.
func listRules[T any](s *server, c *gin.Context, name string, list func(models.Portal) []T) {
	p := models.Portal(c.Query("portal"))
	if p != "" && p != models.PortalCustomer && p != models.PortalITSM {
		writeProblem(c, s.log, models.Invalid("portal", "must be customer or itsm, got %q", p))
		return
	}
	rules := list(p)
	if rules == nil {
		rules = []T{}
	}
	s.respond(c, http.StatusOK, gin.H{name: rules}, nil)
}
