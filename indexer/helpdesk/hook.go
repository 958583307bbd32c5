package helpdesk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"net/http"

	"github.com/siftdesk/sift/models"
)

// SecretHeader carries the shared secret of the desks whose webhooks are
// not signed (ServiceNow's outbound REST messages, Freshdesk's automation
// webhooks): each lets the sender add a header of its own.
const SecretHeader = "X-Sift-Webhook-Secret"

// CheckSecret returns nil when h's SecretHeader is secret, compared in
// constant time, and an unauthorised error saying what is wrong (never
// the secret) otherwise.
func CheckSecret(h http.Header, secret []byte) error {
	got := h.Get(SecretHeader)
	if got == "" {
		return models.Unauthorized("no %s header", SecretHeader)
	}
	if !hmac.Equal([]byte(got), secret) {
		return models.Unauthorized("the %s header does not match the configured secret", SecretHeader)
	}
	return nil
}

// SharedSecret is the Verify of a desk whose webhooks carry a shared
// secret in SecretHeader instead of a signature.
type SharedSecret []byte

// Verify returns CheckSecret's verdict on header; the body is not signed.
func (s SharedSecret) Verify(header http.Header, _ []byte) error {
	return CheckSecret(header, s)
}

// Sign returns the HMAC-SHA256 of the concatenated parts under secret.
func Sign(secret []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, secret)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// HookRecord maps one record a webhook carries with a new importer of
// the desk (webhooks arrive at once, and importers remember), and returns
// its change. The error is invalid, naming the field.
func HookRecord(d Desk, list string, obj Object) ([]models.Change, error) {
	if obj == nil {
		return nil, models.Invalid("", "the body holds no record Sift knows")
	}
	c, err := d.Map(list, obj)
	if err != nil {
		return nil, err
	}
	return []models.Change{c}, nil
}

// DecodeBody reads a webhook body as a JSON object.
func DecodeBody(body []byte) (Object, error) {
	var o Object
	if err := json.Unmarshal(body, &o); err != nil || o == nil {
		return nil, models.Invalid("", "the body is not a JSON object: %v", models.ExplainJSON(err))
	}
	return o, nil
}
