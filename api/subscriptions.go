package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siftdesk/sift/engine/outbound"
	"github.com/siftdesk/sift/models"
)

// errNoOutbound answers the subscription routes of a server without an
// outbound notifier.
var errNoOutbound = &models.Error{Code: models.CodeUnavailable, Message: "outbound webhooks are not configured on this server"}

// SubscriptionRequest subscribes a URL to Sift's events.
type SubscriptionRequest struct {
	ID     string               `json:"id"`
	URL    string               `json:"url"`
	Secret string               `json:"secret"`
	Events []outbound.EventType `json:"events"`
}

// subscriptionRoutes serves the subscriptions to Sift's events (admins).
func (s *server) subscriptionRoutes(v1 *gin.RouterGroup) {
	g := v1.Group("", s.needOutbound)
	g.GET("/subscriptions", s.listSubscriptions)
	g.POST("/subscriptions", s.subscribe)
	g.DELETE("/subscriptions/:id", s.unsubscribe)
	g.GET("/deliveries", s.deliveries)
}

// needOutbound answers errNoOutbound on a server without an outbound
// notifier, before the subscription handlers run.
func (s *server) needOutbound(c *gin.Context) {
	if s.cfg.Outbound == nil {
		writeProblem(c, s.log, errNoOutbound) // aborts the chain
	}
}

func (s *server) listSubscriptions(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"subscriptions": s.cfg.Outbound.Subscriptions()})
}

func (s *server) subscribe(c *gin.Context) {
	var req SubscriptionRequest
	if err := decodeJSON(c, &req, false); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	sub := outbound.Subscription{ID: req.ID, URL: req.URL, Secret: []byte(req.Secret), Events: req.Events}
	if err := s.cfg.Outbound.Subscribe(sub); err != nil {
		writeProblem(c, s.log, err)
		return
	}
	c.JSON(http.StatusCreated, sub)
}

func (s *server) unsubscribe(c *gin.Context) {
	s.respond(c, http.StatusNoContent, nil, s.cfg.Outbound.Unsubscribe(c.Param("id")))
}

func (s *server) deliveries(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"deliveries": s.cfg.Outbound.Deliveries(c.Query("subscription"))})
}
