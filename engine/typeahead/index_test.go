package typeahead

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func testIndex() *Index {
	x := New()
	for _, e := range []Entry{
		{ID: "a1", Text: "Reset your password", Popularity: 50},
		{ID: "a2", Text: "Change the password of a shared mailbox", Popularity: 5},
		{ID: "a3", Text: "Passkeys and two-factor authentication", Popularity: 20},
		{ID: "a4", Text: "Track your parcel", Popularity: 100},
		{ID: "a5", Text: "VPN disconnects every few minutes", Popularity: 1, Class: 1},
		{ID: "a6", Text: "Payment declined at checkout", Popularity: 30},
		{ID: "a7", Text: "Résumé upload fails", Popularity: 0},
		{ID: "a8", Text: "Printer shows error 49.4C02", Popularity: 3, Class: 1},
	} {
		x.Put(e)
	}
	return x
}

func ids(rs []Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestSearch(t *testing.T) {
	x := testIndex()
	all := Classes(0b11)
	cases := []struct {
		name    string
		q       string
		classes Classes
		want    []string // exact order, complete matches
		partial []string // exact order, after them
	}{
		{"prefix completes the last word; titles starting with it first", "pass", all, []string{"a3", "a1", "a2"}, nil},
		{"earlier words must match, or the entry is partial", "reset pa", all, []string{"a1"}, []string{"a4", "a6", "a3", "a2"}},
		{"one typo from four letters", "pasw", all, []string{"a3", "a1", "a2"}, nil},
		{"transposed letters are one edit", "reste your", all, []string{"a1"}, []string{"a4"}},
		{"the first letters may be wrong", "erset your", all, []string{"a1"}, []string{"a4"}},
		{"one typo in each word", "pasword chnage", all, []string{"a2"}, []string{"a1"}},
		{"two typos rejected under eight letters", "paswrod", all, nil, nil},
		{"two typos in a long word", "passwrdo", all, []string{"a1", "a2"}, nil},
		{"no typo budget under four letters", "vqn", all, nil, nil},
		{"trailing space makes the last word whole", "track ", all, []string{"a4"}, nil},
		{"whole word does not complete", "tra ", all, nil, nil},
		{"stopwords are optional", "how to track my par", all, []string{"a4"}, nil},
		{"word forms match by stem", "resetting passwords ", all, []string{"a1"}, []string{"a2"}},
		{"hyphenated words match joined", "twofactor", all, []string{"a3"}, nil},
		{"a word nothing holds leaves partial matches", "track zebra parcel ", all, nil, []string{"a4"}},
		{"accents fold", "resume up", all, []string{"a7"}, nil},
		{"class filter hides internal entries", "vpn", 0b01, nil, nil},
		{"class filter admits allowed entries", "vpn", 0b10, []string{"a5"}, nil},
		{"digits are words", "49", all, []string{"a8"}, nil},
		{"nothing matches", "zebra", all, nil, nil},
		{"only punctuation", "?!", all, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got, partial []string
			for _, r := range x.Search(Query{Text: tc.q, Classes: tc.classes, Limit: 10}) {
				if r.Match == MatchPartial {
					partial = append(partial, r.ID)
				} else if partial != nil {
					t.Fatalf("Search(%q): complete match %s after a partial one", tc.q, r.ID)
				} else {
					got = append(got, r.ID)
				}
			}
			if !slices.Equal(got, tc.want) || !slices.Equal(partial, tc.partial) {
				t.Errorf("Search(%q) = %v then partial %v, want %v then %v", tc.q, got, partial, tc.want, tc.partial)
			}
		})
	}
}

func TestPopularityBreaksTies(t *testing.T) {
	x := New()
	x.Put(Entry{ID: "quiet", Text: "Order status", Popularity: 1})
	x.Put(Entry{ID: "loud", Text: "Order history", Popularity: 900})
	got := ids(x.Search(Query{Text: "ord", Classes: 1, Limit: 2}))
	if !slices.Equal(got, []string{"loud", "quiet"}) {
		t.Fatalf("got %v, want the popular entry first", got)
	}
	x.Put(Entry{ID: "quiet", Text: "Order status", Popularity: 5000})
	got = ids(x.Search(Query{Text: "ord", Classes: 1, Limit: 2}))
	if !slices.Equal(got, []string{"quiet", "loud"}) {
		t.Fatalf("after a popularity update got %v, want quiet first", got)
	}
}

func TestRemoveAndReplace(t *testing.T) {
	x := testIndex()
	x.Remove("a4")
	if got := x.Search(Query{Text: "track", Classes: 3, Limit: 5}); len(got) != 0 {
		t.Errorf("removed entry still found: %v", ids(got))
	}
	x.Put(Entry{ID: "a1", Text: "Unlock a frozen account"})
	if got := ids(x.Search(Query{Text: "reset", Classes: 3, Limit: 5})); len(got) != 0 {
		t.Errorf("old text of a replaced entry still matches: %v", got)
	}
	if got := ids(x.Search(Query{Text: "froz", Classes: 3, Limit: 5})); !slices.Equal(got, []string{"a1"}) {
		t.Errorf("new text of a replaced entry: got %v", got)
	}
	if x.Len() != 7 {
		t.Errorf("Len = %d, want 7", x.Len())
	}
}

// TestTopListsStayExact checks the fast path (top lists) against an
// exhaustive scan after many inserts and removals.
func TestTopListsStayExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"printer", "print", "privacy", "price", "pricing", "prime", "profile", "project"}
	x := New()
	live := map[string]bool{}
	for i := range 3000 {
		id := fmt.Sprintf("e%d", rng.IntN(600))
		if rng.IntN(4) == 0 {
			x.Remove(id)
			delete(live, id)
			continue
		}
		text := words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
		x.Put(Entry{ID: id, Text: text, Popularity: float64(rng.IntN(1000)), Class: uint8(i % 2)})
		live[id] = true
	}
	for _, prefix := range []string{"p", "pr", "pri", "prin", "pro"} {
		fast := x.Search(Query{Text: prefix, Classes: 1, Limit: 10})
		want := bruteForce(x, prefix, 1, 10)
		if !slices.Equal(ids(fast), want) {
			t.Errorf("prefix %q: fast %v, brute force %v", prefix, ids(fast), want)
		}
	}
	if x.Len() != len(live) {
		t.Errorf("Len = %d, want %d", x.Len(), len(live))
	}
}

// TestEarlyStopMatchesBruteForce checks queries of several words, which
// walk postings most popular first and stop early, against scoring every
// entry.
func TestEarlyStopMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"reset", "printer", "password", "vpn", "laptop", "request", "access", "shared", "mailbox", "error"}
	x := New()
	for i := range 4000 {
		n := 2 + rng.IntN(4)
		var text []string
		for range n {
			text = append(text, words[rng.IntN(len(words))])
		}
		x.Put(Entry{ID: fmt.Sprintf("e%04d", i), Text: strings.Join(text, " "), Popularity: float64(rng.IntN(50) * rng.IntN(50)), Class: uint8(i % 2)})
	}
	for _, q := range []string{"reset pass", "printer err", "shared mailbox acc", "request access ", "vpn lap", "pasword reset", "the error printer"} {
		got := ids(x.Search(Query{Text: q, Classes: 1, Limit: 8, MaxScan: -1}))
		want := bruteForce(x, q, 1, 8)
		if !slices.Equal(got, want) {
			t.Errorf("%q: search %v, brute force %v", q, got, want)
		}
	}
}

// bruteForce ranks every live entry of the classes by the same scoring:
// the complete matches, those whose text holds every word first.
func bruteForce(x *Index, query string, classes Classes, limit int) []string {
	tokens := x.match(Tokens(query), !strings.HasSuffix(query, " "))
	tokens = slices.DeleteFunc(tokens, func(t *token) bool { return t.optional && len(t.matches) == 0 })
	var tiers [2][]Result
	for _, en := range x.entries {
		if en == nil || classes&(1<<en.Class) == 0 {
			continue
		}
		for _, m := range []Match{MatchText, MatchKeywords} {
			if s, missing := x.score(en.words, int(en.text), en.weight, tokens, m == MatchText); missing == 0 {
				tiers[m] = append(tiers[m], Result{Entry: en.Entry, Match: m, Score: s})
				break
			}
		}
	}
	var rs []Result
	for _, tier := range tiers {
		slices.SortFunc(tier, func(a, b Result) int { return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ID, b.ID)) })
		rs = append(rs, tier...)
	}
	return ids(rs[:min(limit, len(rs))])
}

// TestMaxScanStillReturnsMatches checks that a bounded scan returns only
// entries that match every required word, and a full page when it can.
func TestMaxScanStillReturnsMatches(t *testing.T) {
	x := New()
	for i := range 2000 {
		x.Put(Entry{ID: fmt.Sprintf("e%04d", i), Text: fmt.Sprintf("error code%d shows", i%50), Popularity: float64(i)})
	}
	got := x.Search(Query{Text: "error code1", Classes: 1, Limit: 5, MaxScan: 10})
	if len(got) != 5 {
		t.Fatalf("got %d results, want 5", len(got))
	}
	for _, r := range got {
		if !strings.HasPrefix(r.Text, "error code1") {
			t.Errorf("result %q does not match the query", r.Text)
		}
	}
}

func TestAddPopularityReranks(t *testing.T) {
	x := New()
	x.Put(Entry{ID: "a", Text: "Invoice copy", Popularity: 10})
	x.Put(Entry{ID: "b", Text: "Invoice address", Popularity: 5})
	x.AddPopularity("b", 20)
	x.AddPopularity("missing", 3) // no entry: nothing happens
	got := ids(x.Search(Query{Text: "invo", Classes: 1, Limit: 2}))
	if !slices.Equal(got, []string{"b", "a"}) || x.Len() != 2 {
		t.Errorf("after AddPopularity got %v (len %d), want [b a]", got, x.Len())
	}
}

func TestSearchOfAnEmptyClass(t *testing.T) {
	x := New()
	x.Put(Entry{ID: "a", Text: "reset your password", Class: 0})
	x.Put(Entry{ID: "b", Text: "reset the router", Class: 1})
	if got := x.Search(Query{Text: "reset", Classes: 1 << 2, Limit: 5}); len(got) != 0 {
		t.Errorf("class 2 holds nothing, got %v", got)
	}
	if got := x.Search(Query{Text: "reset", Classes: 1<<1 | 1<<2, Limit: 5}); len(got) != 1 || got[0].ID != "b" {
		t.Errorf("classes 1 and 2: %v, want b", got)
	}
	x.Remove("b")
	if got := x.Search(Query{Text: "reset", Classes: 1 << 1, Limit: 5}); len(got) != 0 {
		t.Errorf("class 1 after its only entry was removed: %v", got)
	}
	x.Put(Entry{ID: "a", Text: "reset your password", Class: 1}) // moves a to class 1
	if got := x.Search(Query{Text: "reset", Classes: 1 << 1, Limit: 5}); len(got) != 1 {
		t.Errorf("class 1 after a moved into it: %v", got)
	}
	if got := x.Search(Query{Text: "reset", Classes: 1 << 0, Limit: 5}); len(got) != 0 {
		t.Errorf("class 0 after a moved out: %v", got)
	}
}

// TestPrefixesPastEightBytes checks prefixes longer than the eight bytes
// a word head holds, where words agree on their heads and differ after:
// the word the prefix truly starts ranks first (the others are within the
// two typos a long word is allowed).
func TestPrefixesPastEightBytes(t *testing.T) {
	x := New()
	x.Put(Entry{ID: "ion", Text: "Printer configuration wizard"})
	x.Put(Entry{ID: "ure", Text: "Printer configure wizard"})
	x.Put(Entry{ID: "urable", Text: "Printer configurable wizard"})
	for q, want := range map[string]string{
		"printer configurat":  "ion",
		"printer configurab":  "urable",
		"printer configure":   "ure",
		"wizard configuratio": "ion",
	} {
		got := x.Search(Query{Text: q, Classes: 1, Limit: 5})
		if len(got) == 0 || got[0].ID != want || len(got) > 1 && got[1].Score >= got[0].Score {
			t.Errorf("%q: got %v, want %s first and alone at its score", q, ids(got), want)
		}
	}
	if got := ids(x.Search(Query{Text: "printer configu", Classes: 1, Limit: 5})); len(got) != 3 {
		t.Errorf("printer configu: got %v, want all three", got)
	}
}

// TestLongTitles checks entries with more distinct words than a line holds
// inline: every word, the last included, must still match.
func TestLongTitles(t *testing.T) {
	x := New()
	words := strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa")
	x.Put(Entry{ID: "long", Text: strings.Join(words, " ")})
	x.Put(Entry{ID: "short", Text: "alpha papa"})
	for _, w := range words {
		got := ids(x.Search(Query{Text: "alpha " + w[:3], Classes: 1, Limit: 5}))
		if !slices.Contains(got, "long") {
			t.Errorf("alpha %s: got %v, want the long title among them", w[:3], got)
		}
	}
}

// TestNewWordsReachCachedQueries checks that a query word whose matches
// were cached finds a word added to the index after it.
func TestNewWordsReachCachedQueries(t *testing.T) {
	x := New()
	x.Put(Entry{ID: "a", Text: "printer manual"})
	if got := x.Search(Query{Text: "printa ", Classes: 1, Limit: 5}); len(got) != 0 {
		t.Fatalf("printa: got %v before any such word", ids(got))
	}
	x.Put(Entry{ID: "b", Text: "printa manual"})
	if got := ids(x.Search(Query{Text: "printa ", Classes: 1, Limit: 5})); !slices.Equal(got, []string{"b"}) {
		t.Errorf("printa after adding it: got %v, want [b]", got)
	}
}

// TestSearchWhileWriting runs queries while entries with new words arrive;
// run with -race, it checks the index's locking, the match cache's with it.
func TestSearchWhileWriting(t *testing.T) {
	x := testIndex()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 2000 {
			x.Put(Entry{ID: fmt.Sprintf("w%d", i%300), Text: fmt.Sprintf("printer model%d pass%d", i, i%7)})
		}
	}()
	for _, q := range []string{"pri", "printer mod", "pasword", "reset pas", "model1 printer "} {
		for range 200 {
			for _, r := range x.Search(Query{Text: q, Classes: 3, Limit: 5}) {
				if r.ID == "" {
					t.Fatalf("%q: a result without an id", q)
				}
			}
		}
	}
	<-done
	if got := x.Search(Query{Text: "model1999 ", Classes: 1, Limit: 5}); len(got) != 1 {
		t.Errorf("model1999: got %v, want the last entry written", ids(got))
	}
}

// TestKeptFiltersFollowWrites checks the sets kept for query words: a
// query that builds one, then entries holding its word come, go and change
// popularity, and each answer must still equal the brute-force one.
func TestKeptFiltersFollowWrites(t *testing.T) {
	x := New()
	for i := range 1000 {
		// "alpha" drives: one long list; "be" completes to 300 words, so it
		// is filtered once the walk has examined 256 entries without it.
		x.Put(Entry{ID: fmt.Sprintf("x%04d", i), Text: fmt.Sprintf("alpha x%d", i), Popularity: 1000})
	}
	for j := range 300 {
		x.Put(Entry{ID: fmt.Sprintf("b%03d", j), Text: fmt.Sprintf("alpha be%d", j), Popularity: float64(j)})
	}
	check := func(step string) {
		t.Helper()
		got := ids(x.Search(Query{Text: "alpha be", Classes: 1, Limit: 5, MaxScan: -1}))
		if want := bruteForce(x, "alpha be", 1, 5); !slices.Equal(got, want) {
			t.Errorf("%s: search %v, brute force %v", step, got, want)
		}
	}
	// Every change below ranks after the 1,000 "alpha x" entries, where
	// the walk reads the kept set.
	check("first query")
	x.Put(Entry{ID: "new", Text: "alpha be7", Popularity: 900})
	check("after adding an entry with known words")
	x.Remove("b299")
	check("after removing one of the best")
	x.AddPopularity("b002", 800)
	check("after a change of popularity")
	x.Put(Entry{ID: "b298", Text: "alpha x5"})
	check("after an entry lost the word")
}

// TestKeywords checks that an entry is found by its keywords, below
// entries whose text holds the same words, and that a lone prefix that
// too few texts hold reaches keywords too.
func TestKeywords(t *testing.T) {
	x := New()
	x.Put(Entry{ID: "kw", Text: "Guest network for visitors", Keywords: "wifi password reception", Popularity: 500})
	x.Put(Entry{ID: "title", Text: "Wifi password rotation", Popularity: 1})
	x.Put(Entry{ID: "other", Text: "Printer jams"})
	if got := ids(x.Search(Query{Text: "wifi pass", Classes: 1, Limit: 5})); !slices.Equal(got, []string{"title", "kw"}) {
		t.Errorf("wifi pass: got %v, want the text match before the keyword match", got)
	}
	if got := ids(x.Search(Query{Text: "recep", Classes: 1, Limit: 5})); !slices.Equal(got, []string{"kw"}) {
		t.Errorf("recep: got %v, want the entry with that keyword", got)
	}
	x.Put(Entry{ID: "kw", Text: "Guest network for visitors"})
	if got := ids(x.Search(Query{Text: "recep", Classes: 1, Limit: 5})); len(got) != 0 {
		t.Errorf("recep after the keyword was dropped: got %v", got)
	}
}

// TestKeywordsMatchBruteForce checks the walk over keyword postings, and
// the partial matches after it, against scoring every entry.
func TestKeywordsMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	words := []string{"reset", "printer", "password", "vpn", "laptop", "request", "access", "shared", "mailbox", "error"}
	x := New()
	for i := range 3000 {
		pick := func(n int) string {
			var out []string
			for range n {
				out = append(out, words[rng.IntN(len(words))])
			}
			return strings.Join(out, " ")
		}
		x.Put(Entry{ID: fmt.Sprintf("e%04d", i), Text: pick(1 + rng.IntN(2)), Keywords: pick(rng.IntN(4)), Popularity: float64(rng.IntN(2500)), Class: uint8(i % 2)})
	}
	for _, q := range []string{"res", "printer err", "mailbox ", "shared vpn lap", "access zebra "} {
		var got []string
		for _, r := range x.Search(Query{Text: q, Classes: 1, Limit: 8, MaxScan: -1}) {
			if r.Match != MatchPartial {
				got = append(got, r.ID)
			}
		}
		if want := bruteForce(x, q, 1, 8); !slices.Equal(got, want) {
			t.Errorf("%q: search %v, brute force %v", q, got, want)
		}
	}
}

func TestKeyTerms(t *testing.T) {
	body := "Reset the router. Routers keep their settings; the reset button is behind the router, next to the power socket."
	if got, want := KeyTerms(body, 3), "router reset keep"; got != want { // by count, then first seen
		t.Errorf("KeyTerms = %q, want %q", got, want)
	}
	if got := KeyTerms("the and of", 5); got != "" {
		t.Errorf("KeyTerms of function words = %q, want none", got)
	}
}

// TestTextTierSeesPastKeywords checks an entry that holds a query word as
// a keyword and another form of it in its text: it is a text match, not
// a keyword one (the keyword's posting must not hide the text's).
func TestTextTierSeesPastKeywords(t *testing.T) {
	x := New()
	x.Put(Entry{ID: "r", Text: "Resetting your account password", Keywords: "reset password link"})
	got := x.Search(Query{Text: "reset pass", Classes: 1, Limit: 5})
	if len(got) != 1 || got[0].Match != MatchText {
		t.Errorf("reset pass: %+v, want r as a text match", got)
	}
}

// TestNegationsAreOptional checks that "cant" and friends, typed without
// their apostrophe, do not keep an entry from matching.
func TestNegationsAreOptional(t *testing.T) {
	x := New()
	x.Put(Entry{ID: "locked", Text: "Account locked after too many sign-in attempts"})
	for _, q := range []string{"cant sign in", "cannot sign", "unable to sign in "} {
		got := x.Search(Query{Text: q, Classes: 1, Limit: 5})
		if len(got) != 1 || got[0].Match != MatchText {
			t.Errorf("%q: %+v, want locked as a text match", q, got)
		}
	}
}
