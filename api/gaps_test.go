package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siftdesk/sift/engine"
	"github.com/siftdesk/sift/indexer/openai"
	"github.com/siftdesk/sift/models"
)

// plantedQueries are 32 searches, in varied wording, for something the
// demo corpus has no article about: using Brightloom on a smartwatch.
var plantedQueries = []string{
	"apple watch app", "smartwatch app", "wear os watch app", "garmin watch support", "apple watch complication",
	"control cameras from my apple watch", "smartwatch notifications", "is there a watch app", "watchos app",
	"galaxy watch support", "apple watch", "watch app for thermostat", "pixel watch app", "smartwatch", "wrist notifications",
	"apple watch doorbell alerts", "wear os", "fitbit watch", "watch face complication", "smartwatch support",
	"apple watch arm alarm", "see camera on smartwatch", "garmin", "watch app missing", "apple watch app download",
	"samsung watch app", "smartwatch integration", "wearable app", "apple watch widget", "watch app for hub",
	"smart watch app", "apple watch notifications",
}

// TestGapsFromLiveTraffic plants a topic in live traffic through the API:
// 32 searches, worded in many ways, for something no article covers,
// among other searches that find nothing. It must be the top gap, with
// its key words in the label and no article near; ticket ids go to agents
// only; once an article about it exists, the next period's searches find
// it and the topic leaves the gaps.
func TestGapsFromLiveTraffic(t *testing.T) {
	s := newDemoServer(t, true)
	// A chat model titles the largest topics from their search phrases.
	chat := &fakeChat{reply: "Brightloom on smartwatches"}
	chatServer := httptest.NewServer(chat)
	defer chatServer.Close()
	m, err := openai.NewChat(openai.ChatConfig{BaseURL: chatServer.URL + "/v1", Model: "m", Timeout: time.Second}, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	s.eng.UseChat(m, time.Second)
	// As sift serve does at start: afterwards, gaps find a period's
	// tickets through the timeline every write keeps fresh.
	if err := s.eng.WarmTickets(context.Background()); err != nil {
		t.Fatal(err)
	}
	cust := s.newKey(models.RolePortal, models.PortalCustomer)
	analyst := s.newKey(models.RoleAnalyst, "")
	search := func(q string, i int) {
		t.Helper()
		v := url.Values{"q": {q}, "session_id": {"gap-" + strconv.Itoa(i)}}
		s.as(cust).do(http.MethodGet, "/v1/search?"+v.Encode(), nil).mustStatus(t, http.StatusOK)
	}
	start := time.Now().UTC().Add(-time.Second)
	noise := []string{"gift card balance", "gift card", "homekit", "homekit support", "lifetime warranty", "student discount"}
	for i, q := range plantedQueries {
		search(q, i)
		if i%3 == 0 {
			search(noise[i%len(noise)], 1000+i)
		}
	}
	// Tickets about it that no article answers join the topic.
	for i, subject := range []string{"Apple Watch app?", "Is there a smartwatch app for the cameras", "Garmin watch support"} {
		s.do(http.MethodPut, "/v1/tickets/TW-"+strconv.Itoa(i), map[string]any{"portal": "customer", "subject": subject,
			"body": "I would like to see my camera alerts on my watch. Private detail " + strconv.Itoa(i) + ".", "created_at": time.Now().UTC().Format(time.RFC3339)}).
			mustStatus(t, http.StatusCreated)
	}
	// The next period starts on the next whole second (the API reads
	// times to the second).
	mid := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	gaps := func(key string, from, to time.Time) engine.GapsReport {
		t.Helper()
		var rep engine.GapsReport
		target := "/v1/metrics/gaps?" + url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}.Encode()
		s.as(key).do(http.MethodGet, target, nil).mustStatus(t, http.StatusOK).decode(t, &rep)
		return rep
	}
	// Events are recorded in the background: wait for them.
	var rep engine.GapsReport
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		rep = gaps(analyst, start, mid)
		total := 0
		for _, g := range rep.Topics {
			total += g.Searches
		}
		if total >= len(plantedQueries) || time.Now().After(deadline) {
			break
		}
	}
	if len(rep.Topics) == 0 {
		t.Fatal("no gap topics")
	}
	top := rep.Topics[0]
	t.Logf("top gap: %+v (grouping %s, %d topics)", top, rep.Grouping, len(rep.Topics))
	if top.Searches < 25 || !strings.Contains(top.Label, "watch") || top.Verdict != "no article" {
		t.Errorf("top gap %q: %d searches, verdict %q; want the planted smartwatch topic (at least 25 of its 32 searches), no article", top.Label, top.Searches, top.Verdict)
	}
	for _, g := range rep.Topics[1:] {
		if strings.Contains(g.Label, "watch") && g.Searches > 5 {
			t.Errorf("the planted topic is split: %q has %d searches too", g.Label, g.Searches)
		}
	}
	if len(top.TicketIDs) != 0 {
		t.Errorf("an analyst is shown ticket ids: %v", top.TicketIDs)
	}
	// The watch tickets count in watch topics (a long ticket may group
	// apart from the short queries), never showing their text.
	watchTickets := func(rep engine.GapsReport) (tickets, ids int) {
		for _, g := range rep.Topics {
			if strings.Contains(strings.Join(g.Samples, " ")+g.Label+g.Title, "Private detail") {
				t.Errorf("topic %q shows a ticket's text: %q", g.Label, g.Samples)
			}
			if strings.Contains(g.Label, "watch") {
				tickets += g.Tickets
				ids += len(g.TicketIDs)
			}
		}
		return tickets, ids
	}
	if n, ids := watchTickets(rep); n < 3 || ids != 0 {
		t.Errorf("for an analyst: %d tickets in watch topics (want the 3 watch tickets), %d ticket ids (want none)", n, ids)
	}
	if _, ids := watchTickets(gaps(s.newKey(models.RoleAgent, ""), start, mid)); ids < 3 {
		t.Errorf("for an agent: %d ticket ids in watch topics, want the 3 watch tickets'", ids)
	}
	if top.Title != "Brightloom on smartwatches" || !strings.Contains(chat.sent(), "apple watch") {
		t.Errorf("top gap title %q; want the chat model's, written from its searches (sent %q)", top.Title, chat.sent())
	}

	// An article about it: the next period's searches find it.
	time.Sleep(time.Until(mid))
	s.do(http.MethodPut, "/v1/articles/KB-9001", map[string]any{"title": "Brightloom on your Apple Watch and other smartwatches",
		"body": "The Brightloom app for Apple Watch, Wear OS, Galaxy Watch, Pixel Watch, Garmin and Fitbit smartwatches shows camera alerts, " +
			"doorbell notifications and the thermostat as a watch complication or widget. Install the watch app from the watch's app store " +
			"and arm the alarm from your wrist.", "category": "account_access", "visibility": "public"}).mustStatus(t, http.StatusCreated)
	for i, q := range plantedQueries {
		search(q, 2000+i)
	}
	end := time.Now().UTC().Add(2 * time.Second)
	// Wait until the period's searches are recorded, so the check below
	// is not vacuous.
	window := url.Values{"from": {mid.Format(time.RFC3339)}, "to": {end.Format(time.RFC3339)}}.Encode()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var m struct{ Searches int }
		s.as(analyst).do(http.MethodGet, "/v1/metrics/search?"+window, nil).mustStatus(t, http.StatusOK).decode(t, &m)
		if m.Searches >= len(plantedQueries) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d searches recorded after the article, want %d", m.Searches, len(plantedQueries))
		}
	}
	after := gaps(analyst, mid, end)
	for _, g := range after.Topics {
		if strings.Contains(g.Label, "watch") && g.Searches >= 10 {
			t.Errorf("after the article, %q is still a gap with %d searches", g.Label, g.Searches)
		}
	}
}
