package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/models"
)

// createKeyRequest is the body of POST /v1/keys.
type createKeyRequest struct {
	Role    string   `json:"role"`
	Portal  string   `json:"portal"`
	Name    string   `json:"name"`
	Origins []string `json:"origins"`
}

// createdKey is the answer to POST /v1/keys: the only time the secret is
// shown.
type createdKey struct {
	Key    models.APIKey `json:"key"`
	Secret string        `json:"secret"`
}

func (s *server) createKey(c *gin.Context) {
	var req createKeyRequest
	if err := decodeStrict(c, &req); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	role, err := models.ParseRole(req.Role)
	if err != nil {
		writeProblem(c, s.log, err)
		return
	}
	k, secret, err := NewKey(models.APIKey{Role: role, Portal: models.Portal(req.Portal), Name: req.Name, Origins: req.Origins}, time.Now())
	if err == nil {
		err = s.keys.CreateKey(c.Request.Context(), k)
	}
	if err == nil {
		s.origins.forget()
		s.log.Info("API key created", "id", k.ID, "role", k.Role, "portal", k.Portal, "by", principal(c).KeyID)
	}
	s.respond(c, http.StatusCreated, createdKey{Key: publicKey(k), Secret: secret}, err)
}

func (s *server) listKeys(c *gin.Context) {
	keys, err := s.keys.Keys(c.Request.Context())
	out := make([]models.APIKey, len(keys))
	for i, k := range keys {
		out[i] = publicKey(k)
	}
	s.respond(c, http.StatusOK, gin.H{"keys": out}, err)
}

func (s *server) revokeKey(c *gin.Context) {
	k, err := s.keys.RevokeKey(c.Request.Context(), c.Param("id"), time.Now())
	if err == nil {
		s.origins.forget()
		s.log.Info("API key revoked", "id", k.ID, "by", principal(c).KeyID)
	}
	s.respond(c, http.StatusOK, publicKey(k), err)
}
