package freshdesk

import (
	"net/http"
	"testing"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
)

func TestHook(t *testing.T) {
	h := &Hook{SharedSecret: []byte("fd-secret")}
	if err := h.Verify(http.Header{helpdesk.SecretHeader: {"nope"}}, nil); err == nil {
		t.Error("a wrong secret verified")
	}
	got, err := h.Changes([]byte(`{"ticket":{"id":21,"deleted":true}}`))
	if err != nil || len(got) != 1 || !got[0].Delete || got[0].ID != "21" {
		t.Errorf("a deleted ticket: %+v, %v; want its delete", got, err)
	}
}

func FuzzImportAndHook(f *testing.F) {
	helpdesktest.FuzzDesk(f, func() helpdesk.Desk { return New() }, (&Hook{}).Changes, "testdata/articles.json", "testdata/tickets.json")
}
