package freshdesk

import (
	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// Hook receives Freshdesk's automation webhooks. Freshdesk does not sign
// them: Verify checks the shared secret the rule sends in the
// helpdesk.SecretHeader header. Changes reads a ticket as API v2 writes it,
// alone or as {"ticket": {...}} (the rule's JSON body, built from its
// placeholders); "deleted": true deletes it. It is safe for concurrent
// use.
type Hook struct {
	helpdesk.SharedSecret
}

// Changes implements the API's Hook.
func (h *Hook) Changes(body []byte) ([]models.Change, error) {
	o, err := helpdesk.DecodeBody(body)
	if err != nil {
		return nil, err
	}
	if t := o.Object("ticket"); t != nil {
		o = t
	}
	return helpdesk.HookRecord(New(), "tickets", o)
}
