package zendesk

import (
	"crypto/hmac"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// Headers of Zendesk's webhook signature.
const (
	SignatureHeader = "X-Zendesk-Webhook-Signature"
	TimestampHeader = "X-Zendesk-Webhook-Signature-Timestamp"
)

// Hook receives Zendesk's webhooks. Verify checks Zendesk's signature:
// base64(HMAC-SHA256(timestamp + body)) under the webhook's signing
// secret, and refuses a timestamp older than MaxAge (a replay). Changes
// reads a body that holds a ticket or an article ({"ticket": {...}}, as a
// trigger's JSON body sends it, or {"article": {...}}), or an event of an
// event-subscribed webhook ({"type": "zen:event-type:ticket...",
// "detail": {...}}; a deleted ticket's event deletes it). It is safe for
// concurrent use.
type Hook struct {
	Secret []byte
	// MaxAge bounds a signature's age; 0 means 5 minutes.
	MaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify implements the API's Hook.
func (h *Hook) Verify(header http.Header, body []byte) error {
	ts, sig := header.Get(TimestampHeader), header.Get(SignatureHeader)
	if ts == "" || sig == "" {
		return models.Unauthorized("no %s and %s headers", SignatureHeader, TimestampHeader)
	}
	want := base64.StdEncoding.EncodeToString(helpdesk.Sign(h.Secret, []byte(ts), body))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return models.Unauthorized("the %s does not match the body and timestamp", SignatureHeader)
	}
	at, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return models.Unauthorized("%s %q is not an RFC 3339 time", TimestampHeader, ts)
	}
	now, maxAge := time.Now(), h.MaxAge
	if h.Now != nil {
		now = h.Now()
	}
	if maxAge == 0 {
		maxAge = 5 * time.Minute
	}
	if age := now.Sub(at); age > maxAge || age < -maxAge {
		return models.Unauthorized("the signature's timestamp %s is more than %v from now", ts, maxAge)
	}
	return nil
}

// Changes implements the API's Hook.
func (h *Hook) Changes(body []byte) ([]models.Change, error) {
	o, err := helpdesk.DecodeBody(body)
	if err != nil {
		return nil, err
	}
	im := New()
	switch typ := o.String("type"); {
	case o.Has("ticket"):
		return helpdesk.HookRecord(im, "tickets", o.Object("ticket"))
	case o.Has("article"):
		return helpdesk.HookRecord(im, "articles", o.Object("article"))
	case strings.HasPrefix(typ, "zen:event-type:ticket."):
		detail := o.Object("detail")
		if strings.HasSuffix(typ, "deleted") {
			id, ok := detail.Int("id")
			if !ok {
				return nil, models.Invalid("detail.id", "want the deleted ticket's number")
			}
			return []models.Change{models.NewDelete(models.KindTicket, strconv.FormatInt(id, 10))}, nil
		}
		return helpdesk.HookRecord(im, "tickets", detail)
	}
	return nil, models.Invalid("", "want a body with \"ticket\" or \"article\", or a zen:event-type:ticket event")
}
