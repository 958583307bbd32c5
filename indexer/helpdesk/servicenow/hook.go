package servicenow

import (
	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// Hook receives ServiceNow's outbound REST messages (sent by a business
// rule on kb_knowledge, incident or sc_req_item). ServiceNow does not
// sign them: Verify checks the shared secret the message sends in the
// helpdesk.SecretHeader header. Changes reads the record as the Table
// API writes it, alone or as {"result": {...}}; a body with "operation":
// "delete" (the rule's current.operation()) deletes the record. It is
// safe for concurrent use.
type Hook struct {
	helpdesk.SharedSecret
}

// Changes implements the API's Hook.
func (h *Hook) Changes(body []byte) ([]models.Change, error) {
	o, err := helpdesk.DecodeBody(body)
	if err != nil {
		return nil, err
	}
	op := o.String("operation")
	if r := o.Object("result"); r != nil {
		o = r
	}
	im := New()
	if op == "delete" {
		key, err := id(o)
		if err != nil {
			return nil, err
		}
		kind := models.KindTicket
		if im.table(o) == TableKnowledge {
			kind = models.KindArticle
		}
		return []models.Change{models.NewDelete(kind, key)}, nil
	}
	return helpdesk.HookRecord(im, "result", o)
}
