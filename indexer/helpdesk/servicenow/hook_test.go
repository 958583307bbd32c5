package servicenow

import (
	"net/http"
	"testing"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
	"github.com/siftdesk/sift/models"
)

func TestHook(t *testing.T) {
	h := &Hook{SharedSecret: []byte("sn-secret")}
	hd := http.Header{}
	hd.Set(helpdesk.SecretHeader, "sn-secret")
	if err := h.Verify(hd, nil); err != nil {
		t.Errorf("the shared secret: %v", err)
	}
	cases := []struct {
		body string
		want models.Change
	}{
		{`{"operation":"delete","sys_id":"abc","sys_class_name":"kb_knowledge"}`, models.Change{Kind: models.KindArticle, ID: "abc", Delete: true}},
		{`{"result":{"sys_id":"def","number":"INC1","short_description":"s"}}`, models.Change{Kind: models.KindTicket, ID: "def"}},
	}
	for _, tc := range cases {
		got, err := h.Changes([]byte(tc.body))
		if err != nil || len(got) != 1 || got[0].Kind != tc.want.Kind || got[0].ID != tc.want.ID || got[0].Delete != tc.want.Delete {
			t.Errorf("Changes(%s) = %+v, %v; want %+v", tc.body, got, err, tc.want)
		}
	}
}

func FuzzImportAndHook(f *testing.F) {
	helpdesktest.FuzzDesk(f, func() helpdesk.Desk { return New() }, (&Hook{}).Changes, "testdata/kb_knowledge.json", "testdata/incident.json")
}
