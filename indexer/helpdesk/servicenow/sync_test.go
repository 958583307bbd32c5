package servicenow

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/indexer/helpdesk/helpdesktest"
)

// fakeServiceNow speaks the Table API as the sync uses it:
// GET /api/now/table/{table} with sysparm_query "FIELD>=javascript:
// gs.dateGenerate('date','time')^ORDERBYFIELD^ORDERBYsys_id" (after an
// optional "tablenameIN...^"), sysparm_limit and sysparm_offset, answering
// {"result": [...]}. Every fourth request is answered 429 with
// Retry-After.
type fakeServiceNow struct {
	tables map[string][]map[string]any
	srv    *helpdesktest.Server
}

var dateGenerate = regexp.MustCompile(`^(?:tablenameIN[^^]*\^)?(\w+)>=javascript:gs\.dateGenerate\('([^']+)','([^']+)'\)\^ORDERBY(\w+)\^ORDERBYsys_id$`)

func newFakeServiceNow(t *testing.T, kb, incidents int) *fakeServiceNow {
	f := &fakeServiceNow{tables: map[string][]map[string]any{}}
	at := func(i int) string { return time.Date(2024, 1, 1, 0, 0, i/7, 0, time.UTC).Format(TimeLayout) } // 7 records a second: ties
	for i := range kb {
		f.tables[TableKnowledge] = append(f.tables[TableKnowledge], map[string]any{"sys_id": fmt.Sprintf("kb%04d", i),
			"number": fmt.Sprintf("KB%07d", i), "short_description": fmt.Sprintf("Article %d", i), "text": "<p>x</p>",
			"workflow_state": "published", "sys_updated_on": at(i), "sys_class_name": TableKnowledge})
	}
	for i := range incidents {
		f.tables[TableIncident] = append(f.tables[TableIncident], map[string]any{"sys_id": fmt.Sprintf("in%04d", i),
			"number": fmt.Sprintf("INC%07d", i), "short_description": fmt.Sprintf("Incident %d", i), "priority": "3",
			"state": "1", "opened_at": at(0), "sys_updated_on": at(i), "sys_class_name": TableIncident})
	}
	f.srv = helpdesktest.Serve(t, 4, "2", f.serve)
	return f
}

func (f *fakeServiceNow) serve(w http.ResponseWriter, r *http.Request) {
	table, ok := f.tables[filepath.Base(r.URL.Path)]
	if !ok && filepath.Base(r.URL.Path) != TableRequestedItem && filepath.Base(r.URL.Path) != "sys_audit_delete" {
		http.Error(w, `{"error":{"message":"Invalid table"}}`, http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	m := dateGenerate.FindStringSubmatch(q.Get("sysparm_query"))
	limit, err1 := strconv.Atoi(q.Get("sysparm_limit"))
	offset, err2 := strconv.Atoi(q.Get("sysparm_offset"))
	if m == nil || m[1] != m[4] || err1 != nil || err2 != nil {
		http.Error(w, `{"error":{"message":"bad query"}}`, http.StatusBadRequest)
		return
	}
	field, from := m[1], m[2]+" "+m[3]
	var out []map[string]any
	for _, rec := range table {
		if rec[field].(string) >= from {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b map[string]any) int {
		if c := cmpString(a[field], b[field]); c != 0 {
			return c
		}
		return cmpString(a["sys_id"], b["sys_id"])
	})
	out = out[min(offset, len(out)):]
	out = out[:min(limit, len(out))]
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"result": out})
}

func cmpString(a, b any) int {
	switch x, y := a.(string), b.(string); {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func (f *fakeServiceNow) sync(t *testing.T) *helpdesktest.Sync {
	return helpdesktest.NewSync(t, func() helpdesk.Desk { return New() }, Streams(), f.srv.URL,
		func(r *http.Request) { r.SetBasicAuth("sift", "pw") })
}

func TestSyncPullsChangesSinceTheCursor(t *testing.T) {
	f := newFakeServiceNow(t, 30, 1100)
	s := f.sync(t)
	if st := s.Run(t); st.Changes < 1130 || len(s.Store.Docs) != 1130 {
		t.Fatalf("first sync: %+v, %d documents, want 1130", st, len(s.Store.Docs))
	}
	if len(s.Waits) == 0 || s.Waits[0] != 2*time.Second {
		t.Errorf("waits %v, want Retry-After's 2s", s.Waits)
	}
	for key, n := range s.Store.Writes {
		if n > 2 {
			t.Errorf("%s written %d times in one sync, want at most twice (the last second of a page, again)", key, n)
		}
	}

	// An incident is edited and another deleted (its delete audited).
	f.srv.Lock()
	inc := f.tables[TableIncident]
	inc[5]["short_description"], inc[5]["sys_updated_on"] = "Incident 5, edited", "2024-02-01 00:00:00"
	f.tables[TableIncident] = slices.Delete(inc, 6, 7)
	f.tables["sys_audit_delete"] = []map[string]any{{"sys_id": "d1", "tablename": TableIncident, "documentkey": "in0006", "sys_created_on": "2024-02-01 00:00:01"}}
	f.srv.Unlock()
	clear(s.Store.Writes)
	st := s.Run(t)
	if w := s.Store.Writes; w["ticket/in0005"] != 1 || w["ticket/in0006"] != 1 || len(w) > 2+2*7 {
		t.Errorf("second sync wrote %v, want in0005 and in0006 (and the last second's records of each table again)", w)
	}
	if _, ok := s.Store.Docs["ticket/in0006"]; ok || st.Deletes != 1 {
		t.Errorf("deleted incident still there (stats %+v)", st)
	}
	if tk := s.Store.Docs["ticket/in0005"].Ticket; tk == nil || tk.Subject != "Incident 5, edited" {
		t.Errorf("edited incident = %+v", tk)
	}
}

func TestSyncResumesAfterAKill(t *testing.T) {
	f := newFakeServiceNow(t, 10, 1200)
	f.sync(t).KillUntilDone(t, 1210, -1)
}
