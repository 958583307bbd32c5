// Package servicenow reads ServiceNow's exports into Sift's documents:
// knowledge articles (table kb_knowledge) and incidents and requested
// items (tables incident and sc_req_item), as the Table API returns them
// ({"result": [...]}, with sysparm_display_value false, true or all) or as
// a list's CSV export. The README's ServiceNow section has the field
// mapping; every field not mapped unchanged is kept in the document's
// Extra under "servicenow.".
package servicenow

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// Prefix starts the Extra member names of ServiceNow fields.
const Prefix = "servicenow."

// Table names, as ServiceNow spells them.
const (
	TableKnowledge     = "kb_knowledge"
	TableIncident      = "incident"
	TableRequestedItem = "sc_req_item"
)

// TimeLayout is how the Table API writes times (in UTC when display
// values are off).
const TimeLayout = "2006-01-02 15:04:05"

// Fingerprint lists members only ServiceNow's records have, for
// helpdesk.Detect.
var Fingerprint = []string{"sys_id", "sys_class_name", "sys_updated_on", "short_description"}

// Importer maps ServiceNow records. A record's table comes from its
// sys_class_name, else its number's prefix (KB, INC, RITM), else Table.
// It is safe for concurrent use.
type Importer struct {
	// Table is the table of records that do not say theirs: a CSV export
	// without sys_class_name or number, say.
	Table string
	// Portal is the portal of imported tickets; empty means itsm.
	Portal models.Portal
}

// New returns an importer.
func New() *Importer { return &Importer{} }

// Lists implements helpdesk.Desk: the Table API's "result".
func (im *Importer) Lists() []string { return []string{"result", "records"} }

// Guess implements helpdesk.Desk: every record is a record of a table,
// told apart by Map.
func (im *Importer) Guess(helpdesk.Object) string { return "result" }

// Remember implements helpdesk.Desk: a ServiceNow export side-loads
// nothing.
func (im *Importer) Remember(string, helpdesk.Object) bool { return false }

// table tells which table o belongs to.
func (im *Importer) table(o helpdesk.Object) string {
	if c := value(o, "sys_class_name"); c != "" {
		return c
	}
	switch n := value(o, "number"); {
	case strings.HasPrefix(n, "KB"):
		return TableKnowledge
	case strings.HasPrefix(n, "INC"):
		return TableIncident
	case strings.HasPrefix(n, "RITM"):
		return TableRequestedItem
	}
	if im.Table != "" {
		return im.Table
	}
	if o.Has("kb_knowledge_base") || o.Has("text") {
		return TableKnowledge
	}
	return TableIncident
}

// Map implements helpdesk.Desk.
func (im *Importer) Map(_ string, o helpdesk.Object) (models.Change, error) {
	if o.Has("documentkey") { // a sys_audit_delete record
		return deleted(o)
	}
	if im.table(o) == TableKnowledge {
		return article(o)
	}
	return im.ticket(o)
}

// value returns a field's value: a string, or the "value" of a reference
// ({"link", "value"}) or of a field with display values
// ({"display_value", "value"}).
func value(o helpdesk.Object, name string) string {
	if ref := o.Object(name); ref != nil {
		return ref.String("value")
	}
	return o.String(name)
}

// display returns a field's display value when the export has one, else
// its value.
func display(o helpdesk.Object, name string) string {
	if ref := o.Object(name); ref != nil {
		if d := ref.String("display_value"); d != "" {
			return d
		}
		return ref.String("value")
	}
	return o.String(name)
}

// id is the record's sys_id, or its number when the export has no sys_id
// (a CSV of a list's columns).
func id(o helpdesk.Object) (string, error) {
	if s := value(o, "sys_id"); s != "" {
		return s, nil
	}
	if n := value(o, "number"); n != "" {
		return n, nil
	}
	return "", models.Invalid("sys_id", "is required (or number)")
}

// timeField returns the time of field name: the Table API's value, in
// UTC, or an RFC 3339 time or a date.
func timeField(o helpdesk.Object, name string) (time.Time, error) {
	v, _ := json.Marshal(value(o, name))
	return helpdesk.Object{name: v}.Time(name, TimeLayout, time.RFC3339, "2006-01-02")
}

// sameArticle maps the kb_knowledge fields copied unchanged.
var sameArticle = map[string]string{"sys_id": "id", "short_description": "title", "kb_category": "category", "kb_knowledge_base": "product"}

// published is the workflow state of an article customers may read.
const published = "published"

func article(o helpdesk.Object) (models.Change, error) {
	docID, err := id(o)
	if err != nil {
		return models.Change{}, err
	}
	updated, err := timeField(o, "sys_updated_on")
	if err != nil {
		return models.Change{}, err
	}
	a := models.Article{
		ID:         docID,
		Title:      display(o, "short_description"),
		Body:       helpdesk.Markdown(display(o, "text")),
		Tags:       helpdesk.SplitList(display(o, "meta")),
		Category:   display(o, "kb_category"),
		Product:    display(o, "kb_knowledge_base"),
		Visibility: models.VisibilityPublic,
		UpdatedAt:  updated,
	}
	// Who can read is decided by user criteria; an article with any, or
	// not published, is for employees only.
	if value(o, "can_read_user_criteria") != "" || strings.ToLower(value(o, "workflow_state")) != published && o.Has("workflow_state") {
		a.Visibility = models.VisibilityInternal
	}
	if v, err := strconv.ParseInt(value(o, "sys_view_count"), 10, 64); err == nil && v > 0 {
		a.Views = v
	}
	if a.Extra, err = helpdesk.Keep(&a, Prefix, o, sameArticle); err != nil {
		return models.Change{}, err
	}
	return models.NewArticleChange(&a)
}

// sameTicket maps the incident and sc_req_item fields copied unchanged.
var sameTicket = map[string]string{"sys_id": "id", "short_description": "subject", "description": "body",
	"category": "category", "close_notes": "resolution"}

// priorities maps ServiceNow's priorities (1 - Critical to 5 - Planning)
// to Sift's.
var priorities = map[byte]models.Priority{'1': models.PriorityCritical, '2': models.PriorityHigh,
	'3': models.PriorityMedium, '4': models.PriorityLow, '5': models.PriorityLow}

// states names the states of incidents and requested items by value,
// for exports without display values.
var states = map[string]map[string]string{
	TableIncident: {"1": "new", "2": "in progress", "3": "on hold", "6": "resolved", "7": "closed", "8": "canceled"},
	TableRequestedItem: {"-5": "pending", "1": "open", "2": "work in progress", "3": "closed complete",
		"4": "closed incomplete", "7": "closed skipped"},
}

func (im *Importer) ticket(o helpdesk.Object) (models.Change, error) {
	docID, err := id(o)
	if err != nil {
		return models.Change{}, err
	}
	table := im.table(o)
	t := models.Ticket{
		ID:         docID,
		Portal:     im.Portal,
		Org:        display(o, "company"),
		Subject:    display(o, "short_description"),
		Body:       display(o, "description"),
		Category:   display(o, "category"),
		Group:      display(o, "assignment_group"),
		Department: "it",
		Resolution: display(o, "close_notes"),
	}
	if t.Portal == "" {
		t.Portal = models.PortalITSM
	}
	for _, f := range []string{"caller_id", "requested_for", "opened_by"} {
		if t.Requester = display(o, f); t.Requester != "" {
			break
		}
	}
	if t.Category == "" {
		t.Category = display(o, "cat_item")
	}
	if p := value(o, "priority"); p != "" {
		t.Priority = priorities[p[0]]
	}
	t.Status = strings.ToLower(display(o, "state"))
	if name, ok := states[table][t.Status]; ok {
		t.Status = name
	}
	for _, f := range []string{"opened_at", "sys_created_on"} {
		if t.CreatedAt, err = timeField(o, f); err != nil || !t.CreatedAt.IsZero() {
			break
		}
	}
	for _, f := range []string{"resolved_at", "closed_at"} {
		if err != nil {
			break
		}
		if t.ResolvedAt, err = timeField(o, f); !t.ResolvedAt.IsZero() {
			break
		}
	}
	if err != nil {
		return models.Change{}, err
	}
	if t.Extra, err = helpdesk.Keep(&t, Prefix, o, sameTicket); err != nil {
		return models.Change{}, err
	}
	return models.NewTicketChange(&t)
}
