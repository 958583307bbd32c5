// Package zendesk reads Zendesk's exports into Sift's documents: Help
// Center articles (the Help Center API's article JSON, with its sections,
// categories and user segments side-loaded or in files of their own) and
// Support tickets (the Support API's ticket JSON and its incremental
// export, with users, groups and organisations side-loaded). The README's
// Zendesk section has the field mapping; every field not mapped unchanged
// is kept in the document's Extra under "zendesk.".
package zendesk

import (
	"strconv"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
	"github.com/siftdesk/sift/models"
)

// Prefix starts the Extra member names of Zendesk fields.
const Prefix = "zendesk."

// Fingerprint lists members only Zendesk's records have, for
// helpdesk.Detect: tickets' via and raw_subject, articles' section_id and
// label_names, user segments' user_type, organisations' domain_names.
var Fingerprint = []string{"via", "raw_subject", "section_id", "label_names", "user_type", "domain_names"}

// Importer maps Zendesk records. It remembers the side-loaded records of
// everything it has read, so a file of sections can come before the file
// of articles that names them. It is not safe for concurrent use.
type Importer struct {
	// Portal is the portal of imported tickets; empty means customer.
	Portal models.Portal
	known  helpdesk.Lookups
}

// New returns an importer with nothing remembered.
func New() *Importer {
	return &Importer{known: helpdesk.NewLookups("sections", "categories", "user_segments", "users", "groups", "organizations")}
}

// Lists implements helpdesk.Desk.
func (im *Importer) Lists() []string {
	return []string{"articles", "sections", "categories", "user_segments", "tickets", "users", "groups", "organizations"}
}

// Guess implements helpdesk.Desk: a record with a section_id is an
// article, one with a requester_id or a via a ticket.
func (im *Importer) Guess(o helpdesk.Object) string {
	switch {
	case o.Has("section_id") || o.Has("title") && o.Has("body"):
		return "articles"
	case o.Has("requester_id") || o.Has("via") || o.Has("subject"):
		return "tickets"
	case o.Has("category_id"):
		return "sections"
	case o.Has("user_type"):
		return "user_segments"
	case o.Has("email") || o.Has("role"):
		return "users"
	case o.Has("domain_names"):
		return "organizations"
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

// sameArticle maps the article members copied unchanged to Sift's fields.
var sameArticle = map[string]string{"title": "title", "label_names": "tags", "updated_at": "updated_at"}

func (im *Importer) article(o helpdesk.Object) (models.Change, error) {
	id, ok := o.Int("id")
	if !ok {
		return models.Change{}, models.Invalid("id", "want the article's number, got %s", string(o["id"]))
	}
	updated, err := o.Time("updated_at", time.RFC3339)
	if err != nil {
		return models.Change{}, err
	}
	section := im.known["sections"][o.String("section_id")]
	a := models.Article{
		ID:         strconv.FormatInt(id, 10),
		Title:      o.String("title"),
		Body:       helpdesk.Markdown(o.String("body")),
		Tags:       o.Strings("label_names"),
		Category:   section.String("name"),
		Product:    im.known["categories"].Name(section.String("category_id")),
		Visibility: models.VisibilityPublic,
		UpdatedAt:  updated,
	}
	if a.Title == "" {
		a.Title = o.String("name")
	}
	if o.Bool("draft") {
		a.Visibility = models.VisibilityInternal
	}
	// A user segment restricts who reads the article: staff only is
	// internal; signed-in users with tags are customers entitled to one
	// of the tags, as tiers. A segment the export does not describe
	// keeps the article from customers.
	if segID := o.String("user_segment_id"); segID != "" {
		switch seg := im.known["user_segments"][segID]; {
		case seg == nil || seg.String("user_type") == "staff":
			a.Visibility = models.VisibilityInternal
		default:
			a.Tiers = append(seg.Strings("tags"), seg.Strings("or_tags")...)
		}
	}
	if a.Extra, err = helpdesk.Keep(&a, Prefix, o, sameArticle); err != nil {
		return models.Change{}, err
	}
	return models.NewArticleChange(&a)
}

// sameTicket maps the ticket members copied unchanged to Sift's fields.
var sameTicket = map[string]string{"subject": "subject", "description": "body", "status": "status", "type": "category", "created_at": "created_at"}

// priorities maps Zendesk's priorities to Sift's.
var priorities = map[string]models.Priority{"urgent": models.PriorityCritical, "high": models.PriorityHigh,
	"normal": models.PriorityMedium, "low": models.PriorityLow}

func (im *Importer) ticket(o helpdesk.Object) (models.Change, error) {
	id, ok := o.Int("id")
	if !ok {
		return models.Change{}, models.Invalid("id", "want the ticket's number, got %s", string(o["id"]))
	}
	if o.String("status") == "deleted" { // the incremental export's deleted tickets
		return models.NewDelete(models.KindTicket, strconv.FormatInt(id, 10)), nil
	}
	created, err := o.Time("created_at", time.RFC3339)
	if err != nil {
		return models.Change{}, err
	}
	requester := im.known["users"][o.String("requester_id")]
	t := models.Ticket{
		ID:        strconv.FormatInt(id, 10),
		Portal:    im.Portal,
		Org:       im.known["organizations"].Name(o.String("organization_id")),
		Requester: requester.String("email"),
		Subject:   o.String("subject"),
		Body:      o.String("description"),
		Category:  o.String("type"),
		Priority:  priorities[o.String("priority")],
		Group:     im.known["groups"].Name(o.String("group_id")),
		Status:    o.String("status"),
		CreatedAt: created,
	}
	if t.Portal == "" {
		t.Portal = models.PortalCustomer
	}
	if t.Subject == "" {
		t.Subject = o.String("raw_subject")
	}
	if t.Status == "solved" || t.Status == "closed" {
		// Zendesk's ticket has no solved time; its last update is the
		// closest it says.
		if t.ResolvedAt, err = o.Time("updated_at", time.RFC3339); err != nil {
			return models.Change{}, err
		}
	}
	if t.Extra, err = helpdesk.Keep(&t, Prefix, o, sameTicket); err != nil {
		return models.Change{}, err
	}
	return models.NewTicketChange(&t)
}
