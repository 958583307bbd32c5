package freshdesk

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
)

// PageSize is how many records a sync asks for at once, Freshdesk's most.
const PageSize = 100

// Streams returns what sift sync freshdesk pulls, in order: companies and
// groups (all of them each time, for the names tickets refer to), then
// tickets updated since the last sync (updated_since, oldest first, with
// requester and stats), page by page while the Link header names a next
// one, each page from the latest update of the one before (see
// helpdesk.Window), which also keeps clear of Freshdesk's limit of 300
// pages a listing. Solution
// articles have no updated_since listing: import them with sift index
// --from freshdesk, or let the webhook keep them.
func Streams() []helpdesk.Stream {
	return []helpdesk.Stream{listing{"companies"}, listing{"groups"}, tickets{}}
}

// hasNext reports whether a Link header names a next page.
func hasNext(h http.Header) bool {
	return strings.Contains(h.Get("Link"), `rel="next"`)
}

// listing lists a whole collection, page by page.
type listing struct{ name string }

func (l listing) Name() string { return l.name }

func (l listing) URL(base, cursor string, _ time.Time) (string, error) {
	page := cursor
	if page == "" {
		page = "1"
	}
	return base + "/api/v2/" + l.name + "?per_page=" + strconv.Itoa(PageSize) + "&page=" + url.QueryEscape(page), nil
}

func (l listing) Next(_ []byte, h http.Header, cursor string, _ time.Time) (string, bool, error) {
	if !hasNext(h) {
		return "", false, nil // list them all again next time
	}
	n, _ := strconv.Atoi(cursor)
	return strconv.Itoa(max(n, 1) + 1), true, nil
}

type tickets struct{}

func (tickets) Name() string { return "tickets" }

func (tickets) URL(base, cursor string, since time.Time) (string, error) {
	w, err := helpdesk.ParseWindow(cursor, since)
	if err != nil {
		return "", err
	}
	q := url.Values{
		"updated_since": {w.Since.UTC().Format(time.RFC3339)},
		"order_by":      {"updated_at"},
		"order_type":    {"asc"},
		"include":       {"requester,stats"},
		"per_page":      {strconv.Itoa(PageSize)},
		"page":          {strconv.Itoa(w.Start/PageSize + 1)},
	}
	return base + "/api/v2/tickets?" + q.Encode(), nil
}

func (tickets) Next(page []byte, h http.Header, cursor string, since time.Time) (string, bool, error) {
	w, err := helpdesk.ParseWindow(cursor, since)
	if err != nil {
		return "", false, err
	}
	var list []helpdesk.Object
	if err := json.Unmarshal(page, &list); err != nil {
		return "", false, err
	}
	var latest time.Time
	for _, t := range list {
		if at, err := t.Time("updated_at", time.RFC3339); err == nil && at.After(latest) {
			latest = at
		}
	}
	more := hasNext(h) && len(list) > 0
	return w.Advance(len(list), latest, more), more, nil
}
