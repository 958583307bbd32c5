package servicenow

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// PageSize is how many records a sync asks the Table API for at once.
const PageSize = 500

// Streams returns what sift sync servicenow pulls, in order, through the
// Table API: kb_knowledge, incident and sc_req_item records by
// sys_updated_on, then their deletes from sys_audit_delete by
// sys_created_on. Each listing is ordered by that time and then sys_id,
// and goes on from the last time seen (see helpdesk.Window).
func Streams() []helpdesk.Stream {
	return []helpdesk.Stream{
		table{name: TableKnowledge, field: "sys_updated_on"},
		table{name: TableIncident, field: "sys_updated_on"},
		table{name: TableRequestedItem, field: "sys_updated_on"},
		table{name: "sys_audit_delete", field: "sys_created_on",
			filter: "tablenameIN" + TableKnowledge + "," + TableIncident + "," + TableRequestedItem + "^"},
	}
}

// table lists one table's records changed at or after a time.
type table struct {
	name, field, filter string
}

func (t table) Name() string { return t.name }

func (t table) URL(base, cursor string, since time.Time) (string, error) {
	w, err := helpdesk.ParseWindow(cursor, since)
	if err != nil {
		return "", err
	}
	at := w.Since.UTC()
	q := url.Values{
		"sysparm_query": {fmt.Sprintf("%s%s>=javascript:gs.dateGenerate('%s','%s')^ORDERBY%s^ORDERBYsys_id",
			t.filter, t.field, at.Format(time.DateOnly), at.Format(time.TimeOnly), t.field)},
		"sysparm_limit":         {strconv.Itoa(PageSize)},
		"sysparm_offset":        {strconv.Itoa(w.Start)},
		"sysparm_display_value": {"all"},
	}
	return base + "/api/now/table/" + t.name + "?" + q.Encode(), nil
}

// Next moves the window to the time of the page's last record (see
// helpdesk.Window).
func (t table) Next(page []byte, _ http.Header, cursor string, since time.Time) (string, bool, error) {
	w, err := helpdesk.ParseWindow(cursor, since)
	if err != nil {
		return "", false, err
	}
	var p struct {
		Result []helpdesk.Object `json:"result"`
	}
	if err := json.Unmarshal(page, &p); err != nil {
		return "", false, err
	}
	if len(p.Result) == 0 {
		return cursor, false, nil
	}
	last, err := timeField(p.Result[len(p.Result)-1], t.field)
	if err != nil {
		return "", false, err
	}
	more := len(p.Result) == PageSize
	return w.Advance(len(p.Result), last, more), more, nil
}

// deleted returns the delete a sys_audit_delete record stands for.
func deleted(o helpdesk.Object) (models.Change, error) {
	key := value(o, "documentkey")
	if key == "" {
		return models.Change{}, models.Invalid("documentkey", "is required")
	}
	if value(o, "tablename") == TableKnowledge {
		return models.NewDelete(models.KindArticle, key), nil
	}
	return models.NewDelete(models.KindTicket, key), nil
}
