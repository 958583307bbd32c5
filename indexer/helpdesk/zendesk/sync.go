package zendesk

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/siftdesk/sift/indexer/helpdesk"
)

// Streams returns what sift sync zendesk pulls, in order: the Help
// Center's sections (with their categories, all of them each time: there
// are few), its incremental article export (time-based, from end_time to
// end_time), and Support's cursor-based incremental ticket export, with
// users, groups and organisations side-loaded. Deleted tickets come as
// tickets with status "deleted", which Map turns into deletes.
func Streams() []helpdesk.Stream {
	return []helpdesk.Stream{sections{}, articles{}, tickets{}}
}

type sections struct{}

func (sections) Name() string { return "sections" }

func (sections) URL(base, cursor string, _ time.Time) (string, error) {
	if cursor != "" {
		return cursor, nil // the next_page of the page before
	}
	return base + "/api/v2/help_center/sections.json?include=categories&per_page=100", nil
}

func (sections) Next(page []byte, _ http.Header, _ string, _ time.Time) (string, bool, error) {
	var p struct {
		NextPage *string `json:"next_page"`
	}
	if err := json.Unmarshal(page, &p); err != nil {
		return "", false, err
	}
	if p.NextPage == nil || *p.NextPage == "" {
		return "", false, nil // list them all again next time
	}
	return *p.NextPage, true, nil
}

type articles struct{}

func (articles) Name() string { return "articles" }

func (articles) URL(base, cursor string, since time.Time) (string, error) {
	start := cursor
	if start == "" {
		start = strconv.FormatInt(since.Unix(), 10)
	}
	return base + "/api/v2/help_center/incremental/articles?start_time=" + url.QueryEscape(start), nil
}

func (articles) Next(page []byte, _ http.Header, cursor string, _ time.Time) (string, bool, error) {
	var p struct {
		EndTime     *int64  `json:"end_time"`
		NextPage    *string `json:"next_page"`
		EndOfStream bool    `json:"end_of_stream"`
	}
	if err := json.Unmarshal(page, &p); err != nil {
		return "", false, err
	}
	next := cursor
	if p.EndTime != nil {
		next = strconv.FormatInt(*p.EndTime, 10)
	}
	more := !p.EndOfStream && p.NextPage != nil && *p.NextPage != "" && next != cursor
	return next, more, nil
}

type tickets struct{}

func (tickets) Name() string { return "tickets" }

func (tickets) URL(base, cursor string, since time.Time) (string, error) {
	q := url.Values{"include": {"users,groups,organizations"}}
	if cursor == "" {
		q.Set("start_time", strconv.FormatInt(since.Unix(), 10))
	} else {
		q.Set("cursor", cursor)
	}
	return base + "/api/v2/incremental/tickets/cursor.json?" + q.Encode(), nil
}

func (tickets) Next(page []byte, _ http.Header, cursor string, _ time.Time) (string, bool, error) {
	var p struct {
		AfterCursor *string `json:"after_cursor"`
		EndOfStream bool    `json:"end_of_stream"`
	}
	if err := json.Unmarshal(page, &p); err != nil {
		return "", false, err
	}
	if p.AfterCursor == nil || *p.AfterCursor == "" {
		return cursor, false, nil
	}
	return *p.AfterCursor, !p.EndOfStream, nil
}
