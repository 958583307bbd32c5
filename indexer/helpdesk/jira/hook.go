package jira

import (
	"crypto/hmac"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// SignatureHeader carries the signature of Jira's admin webhooks that
// have a secret: "sha256=" and the hex HMAC-SHA256 of the body.
const SignatureHeader = "X-Hub-Signature"

// Hook receives Jira's webhooks (jira:issue_created, jira:issue_updated,
// jira:issue_deleted, with the issue in "issue"). Verify checks the
// X-Hub-Signature of a webhook registered with a secret. It is safe for
// concurrent use.
type Hook struct {
	Secret []byte
}

// Verify implements the API's Hook.
func (h *Hook) Verify(header http.Header, body []byte) error {
	got, ok := strings.CutPrefix(header.Get(SignatureHeader), "sha256=")
	if !ok {
		return models.Unauthorized("no %s header of the form sha256=HEX", SignatureHeader)
	}
	want := hex.EncodeToString(helpdesk.Sign(h.Secret, body))
	if !hmac.Equal([]byte(strings.ToLower(got)), []byte(want)) {
		return models.Unauthorized("the %s does not match the body", SignatureHeader)
	}
	return nil
}

// Changes implements the API's Hook.
func (h *Hook) Changes(body []byte) ([]models.Change, error) {
	o, err := helpdesk.DecodeBody(body)
	if err != nil {
		return nil, err
	}
	issue := o.Object("issue")
	if o.String("webhookEvent") == "jira:issue_deleted" {
		key := issue.String("key")
		if key == "" {
			return nil, models.Invalid("issue.key", "is required")
		}
		return []models.Change{models.NewDelete(models.KindTicket, key)}, nil
	}
	return helpdesk.HookRecord(New(), "issues", issue)
}
