// Package jira reads Jira Service Management's exports into Sift's
// documents: request issues as Jira's issue search returns them
// ({"issues": [...]}, REST API v2 or v3, description as text or as
// Atlassian Document Format) and knowledge base pages as Confluence's
// content API returns them ({"results": [...]} with body.storage, API v1
// or v2). The README's Jira section has the field mapping; every field not
// mapped unchanged is kept in the document's Extra under "jira." (issue
// fields under "jira.fields.").
package jira

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// Prefix starts the Extra member names of Jira and Confluence fields.
const Prefix = "jira."

// TimeLayout is how Jira writes times.
const TimeLayout = "2006-01-02T15:04:05.000-0700"

// Fingerprint lists members Jira's issues and Confluence's pages have,
// for helpdesk.Detect; a Zendesk ticket has "fields" too, so Zendesk's
// fingerprint is to be tried first.
var Fingerprint = []string{"fields", "self", "ancestors", "_expandable", "spaceId", "parentId"}

// Importer maps Jira issues and Confluence pages. It is safe for
// concurrent use.
type Importer struct {
	// Portal is the portal of imported tickets; empty means itsm.
	Portal models.Portal
}

// New returns an importer.
func New() *Importer { return &Importer{} }

// Lists implements helpdesk.Desk: Jira's "issues", Confluence's "results".
func (im *Importer) Lists() []string { return []string{"issues", "results"} }

// Guess implements helpdesk.Desk: an object with fields is an issue, one
// with a body or a title a page.
func (im *Importer) Guess(o helpdesk.Object) string {
	switch {
	case o.Has("fields"):
		return "issues"
	case o.Has("body") || o.Has("title"):
		return "results"
	}
	return ""
}

// Remember implements helpdesk.Desk: nothing is side-loaded.
func (im *Importer) Remember(string, helpdesk.Object) bool { return false }

// Map implements helpdesk.Desk.
func (im *Importer) Map(list string, o helpdesk.Object) (models.Change, error) {
	if list == "results" {
		return page(o)
	}
	return im.issue(o)
}

// parseTime reads a Jira or Confluence time.
func parseTime(o helpdesk.Object, name string) (time.Time, error) {
	return o.Time(name, TimeLayout, time.RFC3339Nano, "2006-01-02")
}

// samePage maps the Confluence page fields copied unchanged.
var samePage = map[string]string{"id": "id", "title": "title"}

func page(o helpdesk.Object) (models.Change, error) {
	id := o.String("id")
	if id == "" {
		return models.Change{}, models.Invalid("id", "is required")
	}
	if s := o.String("status"); s == "trashed" || s == "deleted" || s == "purged" {
		return models.NewDelete(models.KindArticle, id), nil
	}
	version := o.Object("version")
	updated, err := parseTime(version, "when") // API v1
	if err == nil && updated.IsZero() {
		updated, err = parseTime(version, "createdAt") // API v2
	}
	if err != nil {
		return models.Change{}, models.Invalid("version", "%v", err)
	}
	labels := o.Object("metadata").Object("labels") // API v1
	if labels == nil {
		labels = o.Object("labels") // API v2
	}
	a := models.Article{
		ID:         id,
		Title:      o.String("title"),
		Body:       helpdesk.Markdown(o.Object("body").Object("storage").String("value")),
		Product:    o.Object("space").String("name"),
		Visibility: models.VisibilityPublic,
		UpdatedAt:  updated,
	}
	for _, l := range labels.Objects("results") {
		a.Tags = append(a.Tags, l.String("name"))
	}
	if anc := o.Objects("ancestors"); len(anc) > 0 {
		a.Category = anc[len(anc)-1].String("title") // the parent page
	}
	if s := o.String("status"); s != "" && s != "current" {
		a.Visibility = models.VisibilityInternal // a draft, or archived
	}
	if a.Extra, err = helpdesk.Keep(&a, Prefix, o, samePage); err != nil {
		return models.Change{}, err
	}
	return models.NewArticleChange(&a)
}

// sameIssue maps the issue fields (flattened, see flatten) copied
// unchanged.
var sameIssue = map[string]string{"key": "id", "fields.summary": "subject", "fields.description": "body"}

// priorities maps Jira's priority names, lower-cased, to Sift's.
var priorities = map[string]models.Priority{
	"highest": models.PriorityCritical, "blocker": models.PriorityCritical, "critical": models.PriorityCritical,
	"high": models.PriorityHigh, "major": models.PriorityHigh,
	"medium": models.PriorityMedium,
	"low":    models.PriorityLow, "lowest": models.PriorityLow, "minor": models.PriorityLow, "trivial": models.PriorityLow,
}

// flatten returns an issue's members with each of its fields as a member
// "fields.NAME", so that each is kept on its own.
func flatten(o helpdesk.Object) helpdesk.Object {
	out := helpdesk.Object{}
	for k, v := range o {
		if k != "fields" {
			out[k] = v
		}
	}
	for k, v := range o.Object("fields") {
		out["fields."+k] = v
	}
	return out
}

func (im *Importer) issue(o helpdesk.Object) (models.Change, error) {
	key := o.String("key")
	if key == "" {
		return models.Change{}, models.Invalid("key", "is required")
	}
	f := o.Object("fields")
	if f == nil {
		return models.Change{}, models.Invalid("fields", "is required: an issue's fields")
	}
	created, err := parseTime(f, "created")
	if err != nil {
		return models.Change{}, err
	}
	resolved, err := parseTime(f, "resolutiondate")
	if err != nil {
		return models.Change{}, err
	}
	t := models.Ticket{
		ID:         key,
		Portal:     im.Portal,
		Subject:    f.String("summary"),
		Body:       description(f),
		Category:   f.Object("issuetype").String("name"),
		Priority:   priorities[strings.ToLower(f.Object("priority").String("name"))],
		Status:     f.Object("status").String("name"),
		Resolution: f.Object("resolution").String("name"),
		CreatedAt:  created,
		ResolvedAt: resolved,
	}
	if t.Portal == "" {
		t.Portal = models.PortalITSM
	}
	if r := f.Object("reporter"); r != nil {
		if t.Requester = r.String("emailAddress"); t.Requester == "" {
			t.Requester = r.String("displayName")
		}
	}
	if c := f.Objects("components"); len(c) > 0 {
		t.Group = c[0].String("name")
	}
	// Jira Service Management keeps the request type and the customer's
	// organisations in custom fields whose ids differ per site: tell them
	// by their values.
	for _, name := range slices.Sorted(maps.Keys(f)) {
		if !strings.HasPrefix(name, "customfield_") {
			continue
		}
		if rt := f.Object(name).Object("requestType"); rt != nil {
			t.Category = rt.String("name")
		}
		if orgs := f.Objects(name); len(orgs) > 0 && t.Org == "" && orgs[0].Has("_links") && orgs[0].Has("name") && !orgs[0].Has("accountId") {
			t.Org = orgs[0].String("name")
		}
	}
	if t.Extra, err = helpdesk.Keep(&t, Prefix, flatten(o), sameIssue); err != nil {
		return models.Change{}, err
	}
	return models.NewTicketChange(&t)
}

// description returns an issue's description: text as it is (API v2), or
// the text of an Atlassian Document Format document (API v3), one block a
// paragraph.
func description(f helpdesk.Object) string {
	doc := f.Object("description")
	if doc == nil {
		return f.String("description")
	}
	var blocks []string
	var walk func(n helpdesk.Object, b *strings.Builder)
	walk = func(n helpdesk.Object, b *strings.Builder) {
		switch n.String("type") {
		case "text":
			b.WriteString(n.String("text"))
		case "hardBreak":
			b.WriteString("\n")
		}
		for _, c := range n.Objects("content") {
			walk(c, b)
		}
	}
	for _, block := range doc.Objects("content") {
		var b strings.Builder
		walk(block, &b)
		if s := strings.TrimSpace(b.String()); s != "" {
			blocks = append(blocks, s)
		}
	}
	return strings.Join(blocks, "\n\n")
}
