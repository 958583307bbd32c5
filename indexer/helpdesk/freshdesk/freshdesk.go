// Package freshdesk reads Freshdesk's exports into Sift's documents:
// solution articles (API v2's article JSON, with their folders and
// categories from files or lists of their own) and tickets (API v2's
// ticket JSON, as the list and view endpoints return it, with companies
// and groups from lists of their own). Freshdesk's list endpoints return
// bare JSON arrays; pages saved one after another read as they are. The
// README's Freshdesk section has the field mapping; every field not mapped
// unchanged is kept in the document's Extra under "freshdesk.".
package freshdesk

import (
	"strconv"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// Prefix starts the Extra member names of Freshdesk fields.
const Prefix = "freshdesk."

// Fingerprint lists members only Freshdesk's records have, for
// helpdesk.Detect: tickets' description_text and fr_due_by, articles'
// folder_id and thumbs_up, folders' articles_count, categories'
// visible_in_portals, groups' unassigned_for, companies' domains.
var Fingerprint = []string{"description_text", "fr_due_by", "folder_id", "thumbs_up", "articles_count", "visible_in_portals", "unassigned_for", "domains"}

// Importer maps Freshdesk records. It remembers the folders, categories,
// companies and groups of everything it has read, so a file of them can
// come before the file that names them. It is not safe for concurrent
// use.
type Importer struct {
	// Portal is the portal of imported tickets; empty means customer.
	Portal models.Portal
	known  helpdesk.Lookups
}

// New returns an importer with nothing remembered.
func New() *Importer {
	return &Importer{known: helpdesk.NewLookups("folders", "categories", "companies", "groups")}
}

// Lists implements helpdesk.Desk. Freshdesk's API returns arrays; these
// names are for files that wrap them in an object.
func (im *Importer) Lists() []string {
	return []string{"articles", "folders", "categories", "tickets", "companies", "groups"}
}

// Guess implements helpdesk.Desk, from the members each kind of record
// has in Freshdesk's API reference.
func (im *Importer) Guess(o helpdesk.Object) string {
	switch {
	case o.Has("folder_id") || o.Has("title") && o.Has("description"):
		return "articles"
	case o.Has("requester_id") || o.Has("subject") || o.Has("description_text"):
		return "tickets"
	case o.Has("visibility"):
		return "folders"
	case o.Has("visible_in_portals"):
		return "categories"
	case o.Has("domains"):
		return "companies"
	case o.Has("agent_ids") || o.Has("escalate_to") || o.Has("unassigned_for"):
		return "groups"
	}
	return ""
}

// Remember implements helpdesk.Desk.
func (im *Importer) Remember(list string, o helpdesk.Object) bool { return im.known.Remember(list, o) }

// Map implements helpdesk.Desk.
func (im *Importer) Map(list string, o helpdesk.Object) (models.Change, error) {
	if list == "articles" {
		return im.article(o)
	}
	return im.ticket(o)
}

// Folder visibilities, as Freshdesk numbers them.
const (
	visibleToAll      = "1"
	visibleToLoggedIn = "2"
)

// Article statuses.
const statusPublished = "2"

// sameArticle maps the article fields copied unchanged.
var sameArticle = map[string]string{"title": "title", "tags": "tags", "updated_at": "updated_at", "hits": "views"}

func (im *Importer) article(o helpdesk.Object) (models.Change, error) {
	id, ok := o.Int("id")
	if !ok {
		return models.Change{}, models.Invalid("id", "want the article's number, got %s", string(o["id"]))
	}
	updated, err := o.Time("updated_at", time.RFC3339)
	if err != nil {
		return models.Change{}, err
	}
	folder := im.known["folders"][o.String("folder_id")]
	categoryID := o.String("category_id")
	if categoryID == "" {
		categoryID = folder.String("category_id")
	}
	a := models.Article{
		ID:         strconv.FormatInt(id, 10),
		Title:      o.String("title"),
		Body:       helpdesk.Markdown(o.String("description")),
		Tags:       o.Strings("tags"),
		Category:   folder.String("name"),
		Product:    im.known["categories"].Name(categoryID),
		Visibility: models.VisibilityPublic,
		UpdatedAt:  updated,
	}
	if a.Body == "" {
		a.Body = o.String("description_text")
	}
	if v, ok := o.Int("hits"); ok && v > 0 {
		a.Views = v
	}
	// Drafts, and folders for agents, bots or selected companies or
	// segments, are kept from the customer portal; a folder this export
	// does not describe too.
	if vis := folder.String("visibility"); o.String("status") != statusPublished || vis != visibleToAll && vis != visibleToLoggedIn {
		a.Visibility = models.VisibilityInternal
	}
	if a.Extra, err = helpdesk.Keep(&a, Prefix, o, sameArticle); err != nil {
		return models.Change{}, err
	}
	return models.NewArticleChange(&a)
}

// sameTicket maps the ticket fields copied unchanged.
var sameTicket = map[string]string{"subject": "subject", "description_text": "body", "type": "category", "created_at": "created_at"}

// priorities and statuses map Freshdesk's numbers to Sift's values.
var (
	priorities = map[string]models.Priority{"1": models.PriorityLow, "2": models.PriorityMedium, "3": models.PriorityHigh, "4": models.PriorityCritical}
	statuses   = map[string]string{"2": "open", "3": "pending", "4": "resolved", "5": "closed"}
)

func (im *Importer) ticket(o helpdesk.Object) (models.Change, error) {
	id, ok := o.Int("id")
	if !ok {
		return models.Change{}, models.Invalid("id", "want the ticket's number, got %s", string(o["id"]))
	}
	if o.Bool("deleted") { // the view of a deleted ticket
		return models.NewDelete(models.KindTicket, strconv.FormatInt(id, 10)), nil
	}
	created, err := o.Time("created_at", time.RFC3339)
	if err != nil {
		return models.Change{}, err
	}
	stats := o.Object("stats") // with include=stats
	resolved, err := stats.Time("resolved_at", time.RFC3339)
	if err != nil {
		return models.Change{}, models.Invalid("stats", "%v", err)
	}
	t := models.Ticket{
		ID:         strconv.FormatInt(id, 10),
		Portal:     im.Portal,
		Org:        im.known["companies"].Name(o.String("company_id")),
		Requester:  o.Object("requester").String("email"), // with include=requester
		Subject:    o.String("subject"),
		Body:       o.String("description_text"),
		Category:   o.String("type"),
		Priority:   priorities[o.String("priority")],
		Group:      im.known["groups"].Name(o.String("group_id")),
		Status:     statuses[o.String("status")],
		CreatedAt:  created,
		ResolvedAt: resolved,
	}
	if t.Portal == "" {
		t.Portal = models.PortalCustomer
	}
	if t.Body == "" {
		t.Body = helpdesk.Markdown(o.String("description"))
	}
	if t.Status == "" && o.String("status") != "" {
		t.Status = "status " + o.String("status") // a custom status
	}
	if t.Extra, err = helpdesk.Keep(&t, Prefix, o, sameTicket); err != nil {
		return models.Change{}, err
	}
	return models.NewTicketChange(&t)
}
