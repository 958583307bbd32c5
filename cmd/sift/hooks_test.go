package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/siftdesk/sift/api"
	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/jira"
	"github.com/siftdesk/sift/indexer/helpdesk/zendesk"
)

// TestHelpdeskWebhooks sends each desk's webhook, as the desk signs it, to
// the API with the hooks SIFT_<DESK>_WEBHOOK_SECRET configures: signed, it
// is written (and written again, unchanged, when delivered twice); with a
// bad signature it is refused with 401 and nothing is written.
func TestHelpdeskWebhooks(t *testing.T) {
	for _, desk := range []string{"zendesk", "servicenow", "jira", "freshdesk"} {
		t.Setenv("SIFT_"+strings.ToUpper(desk)+"_WEBHOOK_SECRET", desk+"-secret")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := openDataDir(t.TempDir(), 0, log)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	eng, err := engine.New(context.Background(), engine.Config{}, d.store, d.textIndex(), d.writer, log)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	srv := httptest.NewServer(api.New(api.Config{Hooks: helpdeskHooks(), Keys: d.store}, eng, prometheus.NewRegistry(), log))
	defer srv.Close()

	now := time.Now().UTC().Format(time.RFC3339)
	hmacOf := func(secret, msg string) []byte {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	cases := []struct {
		desk, id, body string
		sign           func(body string, h http.Header)
	}{
		{"zendesk", "35436", `{"ticket":{"id":35436,"subject":"Printer on fire","description":"It is very colorful.","status":"open","priority":"urgent","created_at":"2024-07-20T22:55:29Z"}}`,
			func(body string, h http.Header) {
				h.Set(zendesk.TimestampHeader, now)
				h.Set(zendesk.SignatureHeader, base64.StdEncoding.EncodeToString(hmacOf("zendesk-secret", now+body)))
			}},
		{"servicenow", "9d385017c611228701d22104cc95c371", `{"result":{"sys_id":"9d385017c611228701d22104cc95c371","number":"INC0000060","short_description":"Unable to connect to email","priority":"2","sys_class_name":"incident"}}`,
			func(_ string, h http.Header) { h.Set(helpdesk.SecretHeader, "servicenow-secret") }},
		{"jira", "ITSM-42", `{"webhookEvent":"jira:issue_updated","issue":{"id":"10068","key":"ITSM-42","fields":{"summary":"VPN drops every hour","priority":{"name":"High"},"created":"2024-01-29T08:15:00.000+0000"}}}`,
			func(body string, h http.Header) {
				h.Set(jira.SignatureHeader, "sha256="+hex.EncodeToString(hmacOf("jira-secret", body)))
			}},
		{"freshdesk", "20", `{"ticket":{"id":20,"subject":"Parcel arrived damaged","description_text":"The box was crushed.","status":2,"priority":4,"created_at":"2024-03-01T09:00:00Z"}}`,
			func(_ string, h http.Header) { h.Set(helpdesk.SecretHeader, "freshdesk-secret") }},
	}
	post := func(desk, body string, sign func(string, http.Header)) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/hooks/"+desk, strings.NewReader(body))
		sign(body, req.Header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range cases {
		t.Run(tc.desk, func(t *testing.T) {
			// Signed for another body: refused, nothing written.
			forged := func(_ string, h http.Header) { tc.sign(strings.Replace(tc.body, "}", ` }`, 1), h) }
			if tc.desk == "servicenow" || tc.desk == "freshdesk" {
				forged = func(_ string, h http.Header) { h.Set(helpdesk.SecretHeader, "guess") }
			}
			if code := post(tc.desk, tc.body, forged); code != http.StatusUnauthorized {
				t.Errorf("bad signature: %d, want 401", code)
			}
			if _, err := d.store.Ticket(context.Background(), tc.id); err == nil {
				t.Fatal("a webhook with a bad signature wrote the ticket")
			}
			for range 2 {
				if code := post(tc.desk, tc.body, tc.sign); code != http.StatusOK {
					t.Fatalf("signed webhook: %d, want 200", code)
				}
			}
			tk, err := d.store.Ticket(context.Background(), tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(tk); tk.Subject == "" || !bytes.Contains(b, []byte(`"`+tc.desk+`.`)) {
				t.Errorf("stored %+v (%v), want the ticket with its kept fields", tk, err)
			}
		})
	}
}
