package jira

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
)

// PageSize is how many issues or pages a sync asks for at once.
const PageSize = 100

// Streams returns what sift sync jira pulls, in order: Confluence pages
// by CQL (lastmodified >= "yyyy-MM-dd HH:mm", oldest first, paged with
// start) and Jira issues by JQL through the enhanced search
// (/rest/api/3/search/jql: updated >= "yyyy/MM/dd HH:mm", oldest first,
// paged with nextPageToken), each page from the last time seen (see
// helpdesk.Window). Both languages count in
// minutes, so the last minute is listed again at the next sync; and in
// the time zone of the user whose token it is, which the times are
// written in as each record's own offset says. Confluence is at /wiki of
// the same site.
func Streams() []helpdesk.Stream {
	return []helpdesk.Stream{pages{}, issues{}}
}

// minute formats t for a query, in the zone it carries: that of the
// latest record seen, as Jira and Confluence wrote it.
func minute(t time.Time, layout string) string { return t.Format(layout) }

// queried returns the time a query would name for t: its minute. A
// window's times are kept to the minute, so that a page of one minute
// moves the listing on instead of starting it again.
func queried(t time.Time) time.Time { return t.Truncate(time.Minute) }

// zoned reads a time member keeping the offset it was written with.
func zoned(o helpdesk.Object, name string) (time.Time, bool) {
	for _, layout := range []string{TimeLayout, time.RFC3339Nano} {
		if t, err := time.Parse(layout, o.String(name)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

type pages struct{}

func (pages) Name() string { return "pages" }

func (pages) URL(base, cursor string, since time.Time) (string, error) {
	w, err := helpdesk.ParseWindow(cursor, since)
	if err != nil {
		return "", err
	}
	q := url.Values{
		"cql":    {`type=page and lastmodified >= "` + minute(w.Since, "2006-01-02 15:04") + `" order by lastmodified asc`},
		"expand": {"body.storage,version,ancestors,space,metadata.labels"},
		"start":  {strconv.Itoa(w.Start)},
		"limit":  {strconv.Itoa(PageSize)},
	}
	return base + "/wiki/rest/api/content/search?" + q.Encode(), nil
}

func (pages) Next(page []byte, _ http.Header, cursor string, since time.Time) (string, bool, error) {
	w, err := helpdesk.ParseWindow(cursor, since)
	if err != nil {
		return "", false, err
	}
	var p struct {
		Results []helpdesk.Object `json:"results"`
		Links   struct {
			Next string `json:"next"`
		} `json:"_links"`
	}
	if err := json.Unmarshal(page, &p); err != nil {
		return "", false, err
	}
	var latest time.Time
	for _, r := range p.Results {
		if t, ok := zoned(r.Object("version"), "when"); ok && t.After(latest) {
			latest = t
		}
	}
	return w.Advance(len(p.Results), queried(latest), p.Links.Next != ""), p.Links.Next != "", nil
}

type issues struct{}

// issueCursor is a Window and, while a listing pages through issues all
// updated in one minute, the search's nextPageToken (Jira's search has
// no offsets).
type issueCursor struct {
	helpdesk.Window
	Token string `json:"token,omitempty"`
}

func parseIssueCursor(cursor string, since time.Time) (issueCursor, error) {
	if cursor == "" {
		w, err := helpdesk.ParseWindow("", since)
		return issueCursor{Window: w}, err
	}
	var c issueCursor
	if err := json.Unmarshal([]byte(cursor), &c); err != nil {
		return c, fmt.Errorf("cursor %q: %w", cursor, err)
	}
	return c, nil
}

func (issues) Name() string { return "issues" }

func (issues) URL(base, cursor string, since time.Time) (string, error) {
	c, err := parseIssueCursor(cursor, since)
	if err != nil {
		return "", err
	}
	q := url.Values{
		"jql":        {`updated >= "` + minute(c.Since, "2006/01/02 15:04") + `" ORDER BY updated ASC, key ASC`},
		"maxResults": {strconv.Itoa(PageSize)},
		"fields":     {"*all"},
	}
	if c.Token != "" {
		q.Set("nextPageToken", c.Token)
	}
	return base + "/rest/api/3/search/jql?" + q.Encode(), nil
}

func (issues) Next(page []byte, _ http.Header, cursor string, since time.Time) (string, bool, error) {
	c, err := parseIssueCursor(cursor, since)
	if err != nil {
		return "", false, err
	}
	var p struct {
		Issues        []helpdesk.Object `json:"issues"`
		NextPageToken string            `json:"nextPageToken"`
		IsLast        bool              `json:"isLast"`
	}
	if err := json.Unmarshal(page, &p); err != nil {
		return "", false, err
	}
	var latest time.Time
	for _, is := range p.Issues {
		if t, ok := zoned(is.Object("fields"), "updated"); ok && t.After(latest) {
			latest = t
		}
	}
	more := len(p.Issues) > 0 && !p.IsLast && p.NextPageToken != ""
	next := issueCursor{Window: c.Window.Next(len(p.Issues), queried(latest), more)}
	if more && next.Start > 0 {
		// A page of one minute: go on with the search's own token.
		next.Token = p.NextPageToken
	}
	b, _ := json.Marshal(next)
	return string(b), more, nil
}
