package gaps

import (
	"strings"
	"testing"
)

// words analyzes text as lower-case words, each its own stem but for a
// trailing "s", enough to test labels.
func words(text string) [][2]string {
	var out [][2]string
	for _, w := range strings.Fields(strings.ToLower(text)) {
		out = append(out, [2]string{strings.TrimSuffix(w, "s"), w})
	}
	return out
}

func TestGroup(t *testing.T) {
	signals := []Signal{
		{Text: "gift card balance", Kind: KindSearch, Weight: 5},
		{Text: "gift cards", Kind: KindSearch, Weight: 3},
		{Text: "check gift card", Kind: KindTicketAnyway, Weight: 2},
		{Text: "homekit support", Kind: KindSearch, Weight: 4},
		{Text: "homekit", Kind: KindSearch, Weight: 1},
		{Text: "gift card", Kind: KindSearch, Weight: 4, Previous: true},
		{Text: "warranty length", Kind: KindSearch, Weight: 6, Previous: true}, // the period before only
	}
	topics := Group(signals, Lexical(signals, words), 0.35, words)
	if len(topics) != 2 {
		t.Fatalf("topics %+v, want gift cards and homekit", topics)
	}
	gift, home := topics[0], topics[1]
	if gift.Size != 10 || gift.Searches != 8 || gift.Tickets != 2 || gift.Previous != 4 ||
		!strings.HasPrefix(gift.Label, "card gift") && !strings.HasPrefix(gift.Label, "gift card") {
		t.Errorf("gift topic %+v; want size 10 (8 searches, 2 tickets), previous 4, labelled by gift and card before balance", gift)
	}
	if gift.Samples[0] != "gift card balance" || len(gift.Samples) != 3 {
		t.Errorf("gift samples %v; want the heaviest first, three", gift.Samples)
	}
	if home.Size != 5 || !strings.HasPrefix(home.Label, "homekit") {
		t.Errorf("homekit topic %+v", home)
	}
	// A higher threshold splits what a lower one groups.
	if n := len(Group(signals, Lexical(signals, words), 0.99, words)); n <= 2 {
		t.Errorf("threshold 0.99: %d topics, want more than 2", n)
	}
	if len(Group(nil, nil, 0.5, words)) != 0 {
		t.Error("no signals, some topics")
	}
}

// TestTicketsArePrivate: tickets group with the queries about the same
// thing and count in the topic, but their text is never a sample, and
// labels only a topic no query names.
func TestTicketsArePrivate(t *testing.T) {
	signals := []Signal{
		{Text: "gift card balance", Kind: KindSearch, Weight: 3},
		{Text: "gift card stolen secret", Kind: KindTicket, Weight: 1, TicketID: "T-1"},
		{Text: "router firmware broken", Kind: KindTicket, Weight: 1, TicketID: "T-2"},
	}
	topics := Group(signals, Lexical(signals, words), 0.3, words)
	if len(topics) != 2 {
		t.Fatalf("topics %+v; want gift cards (with T-1) and the router ticket", topics)
	}
	gift, router := topics[0], topics[1]
	if gift.Tickets != 1 || gift.Searches != 3 || len(gift.TicketIDs) != 1 || strings.Contains(strings.Join(gift.Samples, " ")+gift.Label, "secret") {
		t.Errorf("gift topic %+v; want T-1 counted, and its words in no sample or label", gift)
	}
	if len(router.Samples) != 0 || !strings.Contains(router.Label, "router") {
		t.Errorf("ticket-only topic %+v; want no samples, a label from the ticket's words", router)
	}
}
