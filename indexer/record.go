// Package indexer is Sift's write side: it reads articles, tickets and query
// records from JSON Lines, CSV and Markdown sources, validates them, and
// writes what changed to the system of record and the full-text index.
package indexer

import (
	"encoding/json"
	"fmt"

	"github.com/siftdesk/sift/models"
)

// decodeRecord turns one JSON object into an upsert. kind forces the
// document kind; empty means guess it from the fields present.
func decodeRecord(data []byte, kind models.Kind) (models.Change, error) {
	if kind == "" {
		var err error
		if kind, err = guessKind(data); err != nil {
			return models.Change{}, err
		}
	}
	var err error
	var c models.Change
	switch kind {
	case models.KindArticle:
		var a models.Article
		if err = json.Unmarshal(data, &a); err == nil {
			c, err = models.NewArticleChange(&a)
		}
	case models.KindTicket:
		var t models.Ticket
		if err = json.Unmarshal(data, &t); err == nil {
			c, err = models.NewTicketChange(&t)
		}
	case models.KindQuery:
		var q models.QueryRecord
		if err = json.Unmarshal(data, &q); err == nil {
			c, err = models.NewQueryChange(&q)
		}
	case models.KindSynonym:
		var syn models.Synonym
		if err = json.Unmarshal(data, &syn); err == nil {
			c, err = models.NewSynonymChange(&syn)
		}
	case models.KindCuration:
		var cur models.Curation
		if err = json.Unmarshal(data, &cur); err == nil {
			c, err = models.NewCurationChange(&cur)
		}
	case models.KindOrg:
		var o models.Org
		if err = json.Unmarshal(data, &o); err == nil {
			c, err = models.NewOrgChange(&o)
		}
	case models.KindIncident:
		var i models.Incident
		if err = json.Unmarshal(data, &i); err == nil {
			c, err = models.NewIncidentChange(&i)
		}
	default:
		return c, fmt.Errorf("unknown kind %q", kind)
	}
	return c, models.ExplainJSON(err)
}

// guessKind tells articles (a title), curation rules (a query with pins,
// hide or boost), query records (a query), synonym rules (synonyms),
// organisations (shares_tickets) and tickets (a subject or portal) apart,
// in that order; a title with a status is an incident.
func guessKind(data []byte) (models.Kind, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return "", models.ExplainJSON(err)
	}
	has := func(k string) bool { _, ok := keys[k]; return ok }
	switch {
	case has("title") && has("status"):
		return models.KindIncident, nil
	case has("title"):
		return models.KindArticle, nil
	case has("query") && (has("pins") || has("hide") || has("boost")):
		return models.KindCuration, nil
	case has("query"):
		return models.KindQuery, nil
	case has("synonyms"):
		return models.KindSynonym, nil
	case has("shares_tickets"):
		return models.KindOrg, nil
	case has("subject") || has("portal"):
		return models.KindTicket, nil
	}
	return "", models.Invalid("", "cannot tell the kind of record: an article needs \"title\", a ticket \"subject\" and \"portal\", a query record \"query\", a synonym rule \"synonyms\", a curation rule \"query\" with \"pins\", \"hide\" or \"boost\", an organisation \"shares_tickets\"")
}
