package jira

import (
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
)

func TestHook(t *testing.T) {
	h := &Hook{Secret: []byte("jira-secret")}
	body := []byte(`{"webhookEvent":"jira:issue_deleted","issue":{"id":"1","key":"ITSM-9","fields":{}}}`)
	hd := http.Header{}
	hd.Set(SignatureHeader, "sha256="+hex.EncodeToString(helpdesk.Sign([]byte("jira-secret"), body)))
	if err := h.Verify(hd, body); err != nil {
		t.Errorf("signed: %v", err)
	}
	if err := h.Verify(hd, append(body, ' ')); err == nil {
		t.Error("another body verified")
	}
	if err := h.Verify(http.Header{}, body); err == nil {
		t.Error("no signature verified")
	}
	got, err := h.Changes(body)
	if err != nil || len(got) != 1 || !got[0].Delete || got[0].ID != "ITSM-9" {
		t.Errorf("issue_deleted: %+v, %v; want a delete of ITSM-9", got, err)
	}
}

func FuzzImportAndHook(f *testing.F) {
	helpdesktest.FuzzDesk(f, func() helpdesk.Desk { return New() }, (&Hook{}).Changes, "testdata/issues.json", "testdata/pages.json")
}
